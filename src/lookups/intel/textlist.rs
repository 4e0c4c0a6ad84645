//! The line-based list formats: plain lists and VoIPBL's export (see [`super::ListFormat`]).

use super::parsed_list::ParsedList;
use super::prefix::{EXPECTED, parse_prefix};
use crate::lookups::list_file::numbered_lines;
use crate::lookups::list_issue::IssueSink;
use crate::util::escape::for_log;

/// One entry per line, `#` and `;` comments, nothing else on a line.
pub(crate) fn parse_plain(file: &str, text: &str) -> ParsedList {
    let mut sink = IssueSink::new(file);
    let mut nets = Vec::new();
    for (n, line) in numbered_lines(text) {
        let entry = strip_comment(line, &['#', ';']).trim();
        if entry.is_empty() {
            continue;
        }
        // A second field would be silently dropped otherwise; in a plain list it is more
        // likely a range ("a - b") or a pasted sentence than something to ignore.
        if entry.contains(char::is_whitespace) {
            sink.report(
                n,
                format!("{EXPECTED}, one per line, found \"{}\"", for_log(entry)),
            );
            continue;
        }
        match parse_prefix(entry) {
            Ok(net) => nets.push(net),
            Err(e) => sink.report(n, e),
        }
    }
    ParsedList::new(nets, sink)
}

/// VoIPBL: `#` comments, the first field of each line is the entry.
pub(crate) fn parse_voipbl(file: &str, text: &str) -> ParsedList {
    let mut sink = IssueSink::new(file);
    let mut nets = Vec::new();
    for (n, line) in numbered_lines(text) {
        let Some(entry) = strip_comment(line, &['#']).split_whitespace().next() else {
            continue;
        };
        match parse_prefix(entry) {
            Ok(net) => nets.push(net),
            Err(e) => sink.report(n, e),
        }
    }
    ParsedList::new(nets, sink)
}

fn strip_comment<'a>(line: &'a str, markers: &[char]) -> &'a str {
    match line.find(markers) {
        Some(i) => &line[..i],
        None => line,
    }
}
