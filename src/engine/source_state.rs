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
    /// Whether the published view holds this source's risk (so that forgetting it tells it).
    pub published: bool,
    /// The last SuccessfulAuth from this source (0: none): a live registration raises its
    /// thresholds by `[general] registered_factor`.
    pub last_auth: Secs,
}

impl SourceState {
    /// Forgets every count and all risk, keeping when the source was seen and how often.
    pub fn cleared(&self) -> SourceState {
        SourceState {
            last_seen: self.last_seen,
            events: self.events,
            published: self.published,
            last_auth: self.last_auth,
            ..SourceState::default()
        }
    }

    /// A SuccessfulAuth within `lifetime_secs` of `now_secs`: a live registration.
    pub fn is_registered(&self, now_secs: Secs, lifetime_secs: Secs) -> bool {
        self.last_auth != 0 && now_secs.saturating_sub(self.last_auth) < lifetime_secs
    }
}

/// Per-account state, for the rules that look at one account from many sources.
#[derive(Debug, Clone, Default)]
pub(super) struct AccountState {
    /// The account's name, shared with the table's key: a published change names it without
    /// another lookup or an allocation.
    pub name: std::sync::Arc<str>,
    pub last_seen: Millis,
    /// Whether the published view holds this account.
    pub published: bool,
    pub failures: u32,
    pub sources: WindowDistinct,
    pub risk: Risk,
}
