//! Per-account call state, sharded: a check locks the one shard its account hashes to, for
//! microseconds, so dialplan threads of different accounts never wait for each other, and
//! nothing here waits for the engine. The table is bounded: past `max_accounts` the least
//! recently active accounts without a live call are forgotten, and idle accounts are swept.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::account::AccountCalls;
use crate::util::lock::LockExt;
use crate::util::time::Secs;

const SHARDS: usize = 64;

#[derive(Default)]
struct Shard {
    map: HashMap<Box<str>, AccountCalls>,
}

pub struct Accounts {
    shards: Box<[Mutex<Shard>]>,
    /// Random keys: account names are chosen by whoever configures or attacks the PBX.
    hasher: RandomState,
    pub evicted: AtomicU64,
    pub swept: AtomicU64,
    /// Releases that found no live call to end (a bug if ever non-zero).
    pub release_mismatches: AtomicU64,
}

impl Default for Accounts {
    fn default() -> Self {
        Accounts {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            hasher: RandomState::new(),
            evicted: AtomicU64::new(0),
            swept: AtomicU64::new(0),
            release_mismatches: AtomicU64::new(0),
        }
    }
}

impl Accounts {
    fn shard(&self, account: &str) -> &Mutex<Shard> {
        let h = self.hasher.hash_one(account) as usize;
        &self.shards[h % SHARDS]
    }

    /// Runs `f` on the account's state under its shard's lock, creating it (and making room
    /// for it) first. The check-and-reserve of a call is one such `f`: atomic per account.
    pub fn with<R>(
        &self,
        account: &str,
        max_accounts: usize,
        now: Secs,
        f: impl FnOnce(&mut AccountCalls) -> R,
    ) -> R {
        let mut shard = self.shard(account).locked();
        if !shard.map.contains_key(account) {
            let cap = max_accounts.div_ceil(SHARDS).max(1);
            if shard.map.len() >= cap {
                let n = evict_idlest(&mut shard.map);
                self.evicted.fetch_add(n as u64, Ordering::Relaxed);
            }
            shard.map.insert(account.into(), AccountCalls::default());
        }
        let a = shard.map.get_mut(account).expect("present");
        a.last_active = a.last_active.max(now);
        f(a)
    }

    /// Reads the account's state, if it is tracked.
    pub fn get<R>(&self, account: &str, f: impl FnOnce(&AccountCalls) -> R) -> Option<R> {
        self.shard(account).locked().map.get(account).map(f)
    }

    /// Ends one live call of `account` counted under `rules`. An account with a live call is
    /// never evicted or swept, so it is always there.
    pub fn release(&self, account: &str, rules: &[u32]) {
        let mut shard = self.shard(account).locked();
        let Some(a) = shard.map.get_mut(account) else {
            self.release_mismatches.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let mut ok = match a.live.checked_sub(1) {
            Some(n) => {
                a.live = n;
                true
            }
            None => false,
        };
        for rule in rules {
            ok &= a
                .counters
                .iter_mut()
                .find(|c| c.rule == *rule)
                .is_some_and(|c| c.release());
        }
        if !ok {
            self.release_mismatches.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Forgets accounts idle for `forget_after` seconds, and counters of limits no longer in
    /// force; returns how many accounts went.
    pub fn sweep(&self, now: Secs, forget_after: u32, in_force: impl Fn(u32) -> bool) -> usize {
        let mut gone = 0;
        for shard in self.shards.iter() {
            let mut shard = shard.locked();
            let before = shard.map.len();
            shard.map.retain(|_, a| {
                a.counters.retain(|c| in_force(c.rule) || !c.is_idle());
                a.live > 0 || now.saturating_sub(a.last_active) < forget_after
            });
            gone += before - shard.map.len();
        }
        self.swept.fetch_add(gone as u64, Ordering::Relaxed);
        gone
    }

    /// Forgets an account's counters and countries; live calls stay counted until they end.
    pub fn clear(&self, account: &str) -> bool {
        let mut shard = self.shard(account).locked();
        let Some(a) = shard.map.get_mut(account) else {
            return false;
        };
        if a.live == 0 {
            shard.map.remove(account);
        } else {
            let live: Vec<_> = a
                .counters
                .iter()
                .filter(|c| c.concurrent > 0)
                .map(|c| (c.rule, c.concurrent))
                .collect();
            let keep_live = a.live;
            *a = AccountCalls::default();
            a.live = keep_live;
            for (rule, n) in live {
                a.counters_mut(rule).concurrent = n;
            }
        }
        true
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.locked().map.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Visits every account, a shard at a time (reports).
    pub fn for_each(&self, mut f: impl FnMut(&str, &AccountCalls)) {
        for shard in self.shards.iter() {
            let shard = shard.locked();
            for (name, a) in &shard.map {
                f(name, a);
            }
        }
    }

    /// Approximate heap bytes of the table: entries, keys and what each account owns.
    pub fn heap_bytes(&self) -> usize {
        let entry = std::mem::size_of::<(Box<str>, AccountCalls)>() + 1;
        self.shards
            .iter()
            .map(|s| {
                let s = s.locked();
                s.map.capacity() * entry
                    + s.map
                        .iter()
                        .map(|(k, a)| k.len() + a.heap_bytes())
                        .sum::<usize>()
            })
            .sum()
    }
}

/// Makes room in a full shard: forgets the eighth of its idle accounts active longest ago.
fn evict_idlest(map: &mut HashMap<Box<str>, AccountCalls>) -> usize {
    let mut idle: Vec<(Secs, Box<str>)> = map
        .iter()
        .filter(|(_, a)| a.live == 0)
        .map(|(k, a)| (a.last_active, k.clone()))
        .collect();
    if idle.is_empty() {
        // Every account here has a live call: the table grows by live calls only, which
        // Asterisk's own channel count bounds.
        return 0;
    }
    let n = (idle.len() / 8).max(1);
    idle.select_nth_unstable(n - 1);
    for (_, k) in idle.iter().take(n) {
        map.remove(k);
    }
    n
}
