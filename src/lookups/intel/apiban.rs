//! APIBAN's JSON: `{"ipaddress":["203.0.113.7", ...],"ID":"1234"}`, or a bare array of strings.
//!
//! Entries are kept as raw JSON slices of the file's text so that a bad one can be reported at
//! the line it sits on, although APIBAN writes the whole reply on one line.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::parsed_list::ParsedList;
use super::prefix::parse_prefix;
use crate::lookups::list_issue::{IssueSink, ListIssue};
use crate::util::escape::for_log;

/// What APIBAN puts in `ipaddress` when the list has not changed since the ID asked for.
const NO_NEW_BANS: &str = "no new bans";

const EXPECTED_SHAPE: &str =
    "expected APIBAN JSON ({\"ipaddress\": [\"203.0.113.7\", ...]}) or a JSON array of addresses";

#[derive(Deserialize)]
struct Reply<'a> {
    /// Raw: APIBAN puts an array here, but a string ("rate limit exceeded") on errors.
    #[serde(borrow)]
    ipaddress: Option<&'a RawValue>,
}

/// An array element that is an object rather than a string, as some APIBAN calls return.
#[derive(Deserialize)]
struct Entry {
    #[serde(alias = "ip", alias = "ipaddress")]
    #[serde(rename = "IP")]
    ip: String,
}

pub(crate) fn parse(file: &str, text: &str) -> Result<ParsedList, ListIssue> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = LineIndex::new(text);
    let items: Vec<&RawValue> = match body.trim_start().as_bytes().first() {
        Some(b'[') => from_json(file, body)?,
        Some(b'{') => {
            let reply: Reply = from_json(file, body)?;
            let Some(raw) = reply.ipaddress else {
                return Err(ListIssue::whole_file(
                    file,
                    format!("{EXPECTED_SHAPE}: the object has no \"ipaddress\" field"),
                ));
            };
            match serde_json::from_str::<Vec<&RawValue>>(raw.get()) {
                Ok(items) => items,
                Err(_) => {
                    // APIBAN's error replies carry their message where the list should be.
                    return Err(ListIssue::at(
                        file,
                        lines.line_of(text, raw.get()),
                        format!(
                            "expected an array in \"ipaddress\"; the feed said {}",
                            for_log(raw.get())
                        ),
                    ));
                }
            }
        }
        _ => return Err(ListIssue::whole_file(file, EXPECTED_SHAPE)),
    };

    if !items.is_empty() && items.iter().all(|raw| is_no_new_bans(raw)) {
        // An incremental reply saved over the list: it says nothing about what is listed, and
        // reading it as an empty list would unban everything.
        return Err(ListIssue::whole_file(
            file,
            "APIBAN replied \"no new bans\": the file holds an incremental reply, not the list",
        ));
    }

    let mut sink = IssueSink::new(file);
    let mut nets = Vec::with_capacity(items.len());
    for (i, raw) in items.iter().enumerate() {
        let line = lines.line_of(text, raw.get());
        let address = match entry_text(raw) {
            Some(a) => a,
            None => {
                sink.report(
                    line,
                    format!(
                        "entry {}: expected an address string, found {}",
                        i + 1,
                        for_log(raw.get())
                    ),
                );
                continue;
            }
        };
        if address.eq_ignore_ascii_case(NO_NEW_BANS) {
            continue;
        }
        match parse_prefix(address.trim()) {
            Ok(net) => nets.push(net),
            Err(e) => sink.report(line, format!("entry {}: {e}", i + 1)),
        }
    }
    Ok(ParsedList::new(nets, sink))
}

fn from_json<'a, T: Deserialize<'a>>(file: &str, body: &'a str) -> Result<T, ListIssue> {
    serde_json::from_str(body).map_err(|e| {
        // serde_json counts lines the same way (from 1) and says what it expected there.
        ListIssue::at(file, e.line(), format!("{EXPECTED_SHAPE}: {e}"))
    })
}

fn is_no_new_bans(raw: &RawValue) -> bool {
    entry_text(raw).is_some_and(|t| t.eq_ignore_ascii_case(NO_NEW_BANS))
}

fn entry_text(raw: &RawValue) -> Option<String> {
    if let Ok(s) = serde_json::from_str::<String>(raw.get()) {
        return Some(s);
    }
    serde_json::from_str::<Entry>(raw.get()).ok().map(|e| e.ip)
}

/// Where each line starts, built once so that reporting many bad entries of a one-line,
/// megabyte-long reply stays linear.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The line of `part`, a slice borrowed from `text` (RawValue borrows from the input);
    /// 0 if it somehow is not.
    fn line_of(&self, text: &str, part: &str) -> usize {
        let start = text.as_ptr() as usize;
        let at = part.as_ptr() as usize;
        match at.checked_sub(start) {
            Some(offset) if offset <= text.len() => self.starts.partition_point(|s| *s <= offset),
            _ => 0,
        }
    }
}
