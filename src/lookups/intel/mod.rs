//! Threat intelligence: address blocklists read from files (APIBAN and VoIPBL exports, plain
//! lists) and reloaded when the files change.
//!
//! Nothing here touches the network: a list is a file that something else downloads. Every
//! file is untrusted text: a bad line is reported with file and line and skipped, never a panic.

mod apiban;
mod blocklist;
mod format;
mod parsed_list;
mod prefix;
mod source;
mod textlist;

pub use super::list_issue::ListIssue;
pub use blocklist::{Blocklist, ListHit, ListSpec};
pub use format::ListFormat;
pub use prefix::{MIN_IPV4_PREFIX, MIN_IPV6_PREFIX};
pub use source::BlocklistSource;
