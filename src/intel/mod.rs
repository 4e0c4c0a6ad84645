//! Threat intelligence: address blocklists read from files (APIBAN and VoIPBL exports, plain
//! lists) and reloaded when the files change, and "neighbour" risk for addresses near recent
//! offenders.
//!
//! Nothing here touches the network: a list is a file that something else downloads. Every
//! file is untrusted text: a bad line is reported with file and line and skipped, never a panic.

mod apiban;
mod blocklist;
mod format;
mod issue;
pub(crate) mod listfile;
mod neighbourhood;
mod prefix;
mod source;
mod textlist;

pub use blocklist::{Blocklist, ListHit, ListSpec};
pub use format::{ListFormat, parse_format};
pub use issue::ListIssue;
pub(crate) use issue::{IssueSink, file_label};
pub use neighbourhood::{MAX_OFFENDERS_PER_PREFIX, Neighbourhood};
pub use prefix::{MIN_IPV4_PREFIX, MIN_IPV6_PREFIX};
pub use source::BlocklistSource;
