//! `[ledger]`: where bans and offence history are kept on disk.

use super::keys::{KeyDef, key};
use super::values::parse_path;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LedgerConfig {
    /// Where bans and offence history are kept; empty means `<astvarlibdir>/secast`.
    pub directory: String,
}

pub(super) fn keys() -> Vec<KeyDef> {
    vec![key!("ledger", "directory", ledger.directory, parse_path)]
}
