//! What the engine remembers per source address and per account between events.

use super::risk::Risk;
use super::windows::{RecentAccounts, WindowCount, WindowDistinct};
use crate::util::time::{Millis, Secs};

/// Per-source state. Kept small (under 100 bytes, times in whole seconds): a million of these
/// must fit in about 256 MB with the hash table around them. The set of unknown accounts a
/// source tried lives apart, in `Engine::enumerating`, so only enumerators pay for it.
#[derive(Debug, Clone, Default)]
pub(super) struct SourceState {
    pub last_seen: Secs,
    pub events: u32,
    pub brute: WindowCount,
    pub slow: WindowCount,
    pub ami: WindowCount,
    pub flood: WindowCount,
    pub failed_accounts: RecentAccounts,
    pub risk: Risk,
    /// The `Lookups` epoch this source was last checked against (geo, blocklists).
    pub checked: u8,
    /// The source's last SuccessfulAuth (0: none).
    pub last_login: Secs,
}

impl SourceState {
    /// Forgets every count and all risk, keeping when the source was seen and how often.
    pub fn cleared(&self) -> SourceState {
        SourceState {
            last_seen: self.last_seen,
            events: self.events,
            ..SourceState::default()
        }
    }
}

/// Per-account state, for the rules that look at one account from many sources.
#[derive(Debug, Clone, Default)]
pub(super) struct AccountState {
    pub last_seen: Millis,
    pub failures: u32,
    pub sources: WindowDistinct,
    pub risk: Risk,
}
