//! What `secast show calls` reads: per-account counters against their limits, in a form the
//! admin layer turns into text. Every name is escaped here.

use super::countries::Region;
use super::guard::CallGuard;
use super::policy::Levels;
use crate::util::escape::for_log;
use crate::util::time::{Millis, secs};

/// One limit's counters for one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleUse {
    pub rule: String,
    pub calls_last_minute: u32,
    pub concurrent: u32,
    pub total_in_interval: u32,
    pub calls_per_minute: Levels,
    pub concurrent_levels: Levels,
    pub total_levels: Levels,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountUse {
    /// Escaped.
    pub account: String,
    pub live: u32,
    pub calls: u64,
    pub denied: u64,
    pub last_active: u32,
    pub rules: Vec<RuleUse>,
    pub countries: Vec<String>,
}

fn region_of_key(key: u16) -> String {
    let [a, b] = key.to_be_bytes();
    if a.is_ascii_uppercase() && b.is_ascii_uppercase() {
        Region::Country([a, b]).to_string()
    } else {
        Region::NonGeographic(key).to_string()
    }
}

impl CallGuard {
    fn account_use(&self, name: &str, a: &super::account::AccountCalls, now: Millis) -> AccountUse {
        let policy = self.policy();
        let s = secs(now);
        let rules = policy
            .rules
            .iter()
            .filter_map(|r| {
                let c = a.counters(r.key)?;
                Some(RuleUse {
                    rule: r.name.clone(),
                    calls_last_minute: c.within(s, 60),
                    concurrent: c.concurrent,
                    total_in_interval: c.within(s, r.interval_secs),
                    calls_per_minute: r.calls_per_minute,
                    concurrent_levels: r.concurrent,
                    total_levels: r.total,
                })
            })
            .collect();
        AccountUse {
            account: for_log(name),
            live: a.live,
            calls: a.calls,
            denied: a.denied,
            last_active: a.last_active,
            rules,
            countries: a.regions().iter().map(|k| region_of_key(*k)).collect(),
        }
    }

    /// One account's use, if it is tracked.
    pub fn account_use_of(&self, account: &str, now: Millis) -> Option<AccountUse> {
        self.inner
            .accounts
            .get(account, |a| self.account_use(account, a, now))
    }

    /// The busiest accounts: live calls, then recent activity.
    pub fn busiest(&self, now: Millis, limit: usize) -> Vec<AccountUse> {
        let mut all = Vec::new();
        self.inner
            .accounts
            .for_each(|name, a| all.push((a.live, a.last_active, name.to_owned())));
        all.sort_by(|x, y| y.0.cmp(&x.0).then(y.1.cmp(&x.1)).then(x.2.cmp(&y.2)));
        all.truncate(limit);
        all.into_iter()
            .filter_map(|(_, _, name)| self.account_use_of(&name, now))
            .collect()
    }

    /// Live calls over every account (slots held).
    pub fn live_calls(&self) -> u64 {
        let mut n = 0u64;
        self.inner.accounts.for_each(|_, a| n += u64::from(a.live));
        n
    }
}
