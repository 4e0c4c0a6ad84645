//! A reserved concurrency slot: one live call counted against an account's limits. Whoever
//! holds it (a datastore on the caller's channel, or the passive watch for a call no check
//! saw) drops it when the channel goes; dropping releases it, so it is released exactly once,
//! however the call ended.

use std::sync::Arc;

use super::accounts::Accounts;

pub struct Slot {
    accounts: Arc<Accounts>,
    account: Box<str>,
    rules: Box<[u32]>,
}

impl Slot {
    pub(super) fn new(accounts: Arc<Accounts>, account: &str, rules: Vec<u32>) -> Slot {
        Slot {
            accounts,
            account: account.into(),
            rules: rules.into_boxed_slice(),
        }
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    pub fn rules(&self) -> &[u32] {
        &self.rules
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.accounts.release(&self.account, &self.rules);
    }
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Slot({}, {} limits)",
            crate::util::escape::for_log(&self.account),
            self.rules.len()
        )
    }
}
