//! The list formats a blocklist file may be in, and the dispatch to each format's parser.

use std::fmt;

use super::parsed_list::ParsedList;
use super::{apiban, textlist};
use crate::lookups::list_issue::ListIssue;

/// How a blocklist file is written.
///
/// - `Plain`: one address or CIDR prefix per line; `#` or `;` starts a comment (a whole line
///   or the rest of one); blank lines are ignored. Anything else on a line is an error.
///   ```text
///   # our own list
///   203.0.113.7
///   198.51.100.0/24   ; scanner farm
///   2001:db8:bad::/48
///   ```
/// - `ApiBan`: what APIBAN's `banned` call returns, saved as is:
///   `{"ipaddress":["203.0.113.7", ...],"ID":"1234"}`. Other fields are ignored; a bare JSON
///   array of address strings is accepted too, and so are `{"IP": "..."}` objects in the array.
///   The file must hold the whole list: entries are not merged with an earlier download. A
///   reply that is only APIBAN's "no new bans" marker is therefore refused as a whole (a
///   [`super::BlocklistSource`] keeps what it had); next to addresses the marker is skipped.
/// - `VoipBl`: VoIPBL's text export: one address or prefix per line, `#` comments. Only the first
///   field of a line is read, as the scripts that feed VoIPBL's list into ipset do.
///
/// In every format an entry wider than /8 (IPv4) or /16 (IPv6) is refused as a mistake, and
/// host bits are cleared (`203.0.113.7/24` means `203.0.113.0/24`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListFormat {
    Plain,
    ApiBan,
    VoipBl,
}

impl ListFormat {
    /// The name it is written as in secast.conf.
    pub fn name(self) -> &'static str {
        match self {
            ListFormat::Plain => "plain",
            ListFormat::ApiBan => "apiban",
            ListFormat::VoipBl => "voipbl",
        }
    }
}

impl fmt::Display for ListFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `plain`, `apiban` or `voipbl`, in any case.
impl std::str::FromStr for ListFormat {
    type Err = String;

    fn from_str(name: &str) -> Result<ListFormat, String> {
        let name = name.trim();
        [ListFormat::Plain, ListFormat::ApiBan, ListFormat::VoipBl]
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| "plain, apiban or voipbl".to_owned())
    }
}

/// Parses a list's text. `Err` means the file as a whole is unusable (not JSON, an APIBAN error
/// reply): a caller that has an earlier copy of the list should keep it.
pub(crate) fn parse_list(
    format: ListFormat,
    file: &str,
    text: &str,
) -> Result<ParsedList, ListIssue> {
    match format {
        ListFormat::Plain => Ok(textlist::parse_plain(file, text)),
        ListFormat::VoipBl => Ok(textlist::parse_voipbl(file, text)),
        ListFormat::ApiBan => apiban::parse(file, text),
    }
}
