//! The call guard: SECAST_CALLCHECK's check-and-reserve, restrictions, and the state the
//! passive watch (`watch.rs`) and the reports (`report.rs`) share.
//!
//! Threads: checks run on channels' dialplan threads, the watch on Asterisk's stasis thread,
//! releases wherever Asterisk destroys a channel, the clock on the engine worker. None of them
//! waits for another for longer than one account's shard lock (or the watch's table) is held,
//! microseconds, and nothing here waits for the engine worker or its queue.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use super::accounts::Accounts;
use super::countries::Region;
use super::destination::Destination;
use super::findings::{CallFacts, Finding, alert, worst};
use super::policy::{CallPolicy, Counter, Rule};
use super::risk_view::RiskView;
use super::schedule::local_minutes;
use super::slot::Slot;
use super::verdict::{CheckOutcome, CheckRequest, Verdict};
use crate::decision::{FraudAlert, FraudLevel};
use crate::lookups::numbers::NumberLists;
use crate::util::histogram::Histogram;
use crate::util::lock::{LockExt, RwLockExt};
use crate::util::time::{Millis, Secs, secs};

/// Restricted accounts kept at most (the soonest to end make room).
pub const MAX_RESTRICTED: usize = 10_000;
const CHECKED_SHARDS: usize = 16;

/// Why an account is restricted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restriction {
    pub rule: String,
    pub since: Millis,
    /// None: until `secast clear account`.
    pub until: Option<Millis>,
}

/// A call SECAST_CALLCHECK allowed on a channel, for the watch to attach the channel's dials to
/// (they are counted already: the channel's datastore holds the slot).
#[derive(Debug, Clone)]
pub(super) struct Checked {
    pub account: Box<str>,
    pub address: Option<IpAddr>,
    pub destination: Destination,
    pub rules: Vec<u32>,
    pub at: Secs,
}

/// How followed calls ended, by Q.850 hangup cause (16 normal clearing, 17 busy, 18 no
/// answer from the user, 34 congestion, 127 interworking, as a cancelled dial ends…).
pub struct HangupCauses(Mutex<[u64; 128]>);

impl Default for HangupCauses {
    fn default() -> Self {
        HangupCauses(Mutex::new([0; 128]))
    }
}

impl HangupCauses {
    pub fn record(&self, cause: i32) {
        let i = usize::try_from(cause)
            .ok()
            .filter(|c| *c < 128)
            .unwrap_or(0);
        self.0.locked()[i] += 1;
    }

    /// (cause, count), most frequent first.
    pub fn most_frequent(&self, n: usize) -> Vec<(usize, u64)> {
        let counts = *self.0.locked();
        let mut all: Vec<(usize, u64)> = counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(i, c)| (i, *c))
            .collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        all.truncate(n);
        all
    }
}

/// Counters of what the guard did, read by `secast show calls`.
#[derive(Default)]
pub struct CallStats {
    pub checks: AtomicU64,
    pub allowed: AtomicU64,
    pub warned: AtomicU64,
    pub denied: AtomicU64,
    pub denied_restricted: AtomicU64,
    pub watched_dials: AtomicU64,
    pub counted_by_watch: AtomicU64,
    pub attached_to_check: AtomicU64,
    pub untracked_dials: AtomicU64,
    pub ended: AtomicU64,
    /// Followed legs by the hangup cause of their last snapshot.
    pub causes: HangupCauses,
    pub answered: AtomicU64,
    pub busy: AtomicU64,
    pub cancelled: AtomicU64,
    pub failed: AtomicU64,
    pub hangups_ordered: AtomicU64,
    pub alerts: AtomicU64,
    pub alerts_suppressed: AtomicU64,
    /// Time of a check on the dialplan thread (classification, restriction, reserve).
    pub check_cost: Histogram,
    /// Time of the watch's work per channel message on the stasis thread.
    pub watch_cost: Histogram,
}

/// Checked calls of one shard, by caller uniqueid.
pub(super) type CheckedShard = Mutex<HashMap<Box<str>, Checked>>;

pub(super) struct Inner {
    pub policy: RwLock<Arc<CallPolicy>>,
    pub accounts: Arc<Accounts>,
    pub restrictions: Mutex<HashMap<Box<str>, Restriction>>,
    pub checked: Box<[CheckedShard]>,
    pub checked_hasher: RandomState,
    pub watch: Mutex<super::legs::Legs>,
    pub stats: CallStats,
}

/// The toll-fraud guard. Cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct CallGuard {
    pub(super) inner: Arc<Inner>,
}

fn number_hash(dest: &Destination) -> u64 {
    let digits = dest
        .number
        .as_ref()
        .map_or(dest.shown.as_str(), |n| n.digits.as_str());
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in digits.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h.max(1)
}

/// The findings of one more call to `dest` under `rules`, on the account's counters.
fn evaluate(
    a: &super::account::AccountCalls,
    rules: &[(&Rule, i64)],
    now: Secs,
    number: u64,
    new_region: Option<u16>,
) -> Vec<Finding> {
    let mut found = Vec::new();
    for (r, _) in rules {
        let c = a.counters(r.key);
        let next = c.map_or(
            super::counters::Next {
                calls_per_minute: 1,
                concurrent: 1,
                sequential: 1,
                total: 1,
            },
            |c| c.next(r, now, number),
        );
        for (counter, levels, value) in [
            (
                Counter::CallsPerMinute,
                r.calls_per_minute,
                next.calls_per_minute,
            ),
            (Counter::Concurrent, r.concurrent, next.concurrent),
            (Counter::Sequential, r.sequential, next.sequential),
            (Counter::Total, r.total, next.total),
        ] {
            if let Some(level) = levels.reached(value) {
                found.push(Finding {
                    rule: r.name.clone(),
                    counter,
                    value: u64::from(value),
                    level,
                    hangup: r.hangup,
                });
            }
        }
        if let (Some(level), Some(region)) = (r.new_country, new_region)
            && !a.has_called(region)
        {
            found.push(Finding {
                rule: r.name.clone(),
                counter: Counter::NewCountry,
                value: 1,
                level,
                hangup: r.hangup,
            });
        }
    }
    found
}

/// What one call did to an account's counters.
pub(super) struct Counted {
    pub findings: Vec<Finding>,
    /// Whether each finding may be reported now (the per-minute rate limit).
    pub report: Vec<bool>,
    pub slot: Option<Slot>,
}

impl CallGuard {
    pub fn new(policy: CallPolicy) -> CallGuard {
        CallGuard {
            inner: Arc::new(Inner {
                policy: RwLock::new(Arc::new(policy)),
                accounts: Arc::new(Accounts::default()),
                restrictions: Mutex::new(HashMap::new()),
                checked: (0..CHECKED_SHARDS)
                    .map(|_| Mutex::new(HashMap::new()))
                    .collect(),
                checked_hasher: RandomState::new(),
                watch: Mutex::new(super::legs::Legs::default()),
                stats: CallStats::default(),
            }),
        }
    }

    pub fn policy(&self) -> Arc<CallPolicy> {
        self.inner.policy.read_locked().clone()
    }

    /// A reloaded configuration: counters of limits that keep their name carry on.
    pub fn reconfigure(&self, policy: CallPolicy) {
        *self.inner.policy.write_locked() = Arc::new(policy);
    }

    pub fn stats(&self) -> &CallStats {
        &self.inner.stats
    }

    pub fn accounts(&self) -> &Accounts {
        &self.inner.accounts
    }

    pub fn classify(&self, dialled: &str, lists: &NumberLists) -> Destination {
        Destination::classify(dialled, &self.policy().dialling, lists)
    }

    pub(super) fn checked_shard(&self, uid: &str) -> &CheckedShard {
        let h = self.inner.checked_hasher.hash_one(uid) as usize;
        &self.inner.checked[h % CHECKED_SHARDS]
    }

    /// SECAST_CALLCHECK: checks the call and, unless it is refused, counts it and reserves its
    /// concurrency slot, in one step under the account's lock: of 50 simultaneous calls
    /// against a limit of 10, exactly 10 get a slot.
    pub fn check(
        &self,
        req: &CheckRequest,
        lists: &NumberLists,
        risk: &dyn RiskView,
        now: Millis,
    ) -> CheckOutcome {
        let started = Instant::now();
        let outcome = self.check_inner(req, lists, risk, now);
        let st = &self.inner.stats;
        st.checks.fetch_add(1, Ordering::Relaxed);
        match outcome.verdict {
            Verdict::Allow => &st.allowed,
            Verdict::Warn => &st.warned,
            Verdict::Deny => &st.denied,
        }
        .fetch_add(1, Ordering::Relaxed);
        st.check_cost.record(started.elapsed());
        outcome
    }

    fn check_inner(
        &self,
        req: &CheckRequest,
        lists: &NumberLists,
        risk: &dyn RiskView,
        now: Millis,
    ) -> CheckOutcome {
        let policy = self.policy();
        let destination = Destination::classify(req.dialled, &policy.dialling, lists);
        if !policy.enabled {
            return CheckOutcome {
                verdict: Verdict::Allow,
                reason: String::new(),
                slot: None,
                alerts: Vec::new(),
                destination,
            };
        }
        let facts = CallFacts {
            account: req.account,
            address: req.address,
            destination: &destination,
        };
        if let Some(f) =
            self.restriction(&policy, req.account, req.address, &destination, risk, now)
        {
            self.inner
                .stats
                .denied_restricted
                .fetch_add(1, Ordering::Relaxed);
            let report =
                self.inner
                    .accounts
                    .with(req.account, policy.max_accounts, secs(now), |a| {
                        a.denied += 1;
                        a.may_alert(f.gate_key(), secs(now))
                    });
            let told = alert(&f, &facts, now, Vec::new());
            let reason = told.reason();
            return CheckOutcome {
                verdict: Verdict::Deny,
                reason,
                slot: None,
                alerts: self.gate(vec![told], &[report]),
                destination,
            };
        }
        let counted = self.count(&policy, req.account, &destination, now, true);
        let told: Vec<FraudAlert> = counted
            .findings
            .iter()
            .map(|f| alert(f, &facts, now, Vec::new()))
            .collect();
        let (verdict, reason) = match worst(&counted.findings) {
            None => (Verdict::Allow, String::new()),
            Some(f) => (
                if f.level == FraudLevel::Critical {
                    Verdict::Deny
                } else {
                    Verdict::Warn
                },
                alert(f, &facts, now, Vec::new()).reason(),
            ),
        };
        if let (Some(uid), Some(slot)) = (req.channel, &counted.slot) {
            let mut shard = self.checked_shard(uid).locked();
            // Bounded like the watch's legs; past the bound the watch may count the call again.
            let cap = policy
                .max_live_calls
                .saturating_mul(2)
                .div_ceil(CHECKED_SHARDS);
            if shard.len() < cap || shard.contains_key(uid) {
                shard.insert(
                    uid.into(),
                    Checked {
                        account: req.account.into(),
                        address: req.address,
                        destination: destination.clone(),
                        rules: slot.rules().to_vec(),
                        at: secs(now),
                    },
                );
            }
        }
        CheckOutcome {
            verdict,
            reason,
            slot: counted.slot,
            alerts: self.gate(told, &counted.report),
            destination,
        }
    }

    /// Counts one call of `account` to `dest` under every limit that applies now. With
    /// `refuse`, a call reaching a critical level is not counted (SECAST_CALLCHECK refuses it);
    /// without, it is (the watch saw it happen).
    pub(super) fn count(
        &self,
        policy: &CallPolicy,
        account: &str,
        dest: &Destination,
        now: Millis,
        refuse: bool,
    ) -> Counted {
        let s = secs(now);
        let local = local_minutes(&policy.zone, now);
        let rules = policy.matching(dest, local);
        let number = number_hash(dest);
        let new_region = dest.region.filter(|_| dest.international).map(Region::key);
        let accounts = self.inner.accounts.clone();
        self.inner
            .accounts
            .with(account, policy.max_accounts, s, |a| {
                for (r, occurrence) in &rules {
                    a.counters_mut(r.key).roll(r, *occurrence, s);
                }
                let findings = evaluate(a, &rules, s, number, new_region);
                let refused = refuse && findings.iter().any(|f| f.level == FraudLevel::Critical);
                let slot = if refused {
                    a.denied += 1;
                    None
                } else {
                    for (r, _) in &rules {
                        a.counters_mut(r.key).commit(r, s, number, true);
                    }
                    if let Some(region) = new_region {
                        a.note_region(region);
                    }
                    a.live += 1;
                    a.calls += 1;
                    Some(Slot::new(
                        accounts,
                        account,
                        rules.iter().map(|(r, _)| r.key).collect(),
                    ))
                };
                let report = findings
                    .iter()
                    .map(|f| a.may_alert(f.gate_key(), s))
                    .collect();
                Counted {
                    findings,
                    report,
                    slot,
                }
            })
    }

    /// The alerts whose finding may be reported now; a hang-up is always passed on.
    pub(super) fn gate(&self, alerts: Vec<FraudAlert>, report: &[bool]) -> Vec<FraudAlert> {
        let st = &self.inner.stats;
        alerts
            .into_iter()
            .zip(report.iter().copied().chain(std::iter::repeat(true)))
            .filter_map(|(a, ok)| {
                if ok || !a.hang_up.is_empty() {
                    st.alerts.fetch_add(1, Ordering::Relaxed);
                    if !a.hang_up.is_empty() {
                        st.hangups_ordered.fetch_add(1, Ordering::Relaxed);
                    }
                    Some(a)
                } else {
                    st.alerts_suppressed.fetch_add(1, Ordering::Relaxed);
                    None
                }
            })
            .collect()
    }

    /// Whether a call to `dest` is refused because its account or source is restricted.
    pub(super) fn restriction(
        &self,
        policy: &CallPolicy,
        account: &str,
        address: Option<IpAddr>,
        dest: &Destination,
        risk: &dyn RiskView,
        now: Millis,
    ) -> Option<Finding> {
        if !dest.is_restricted_kind() {
            return None;
        }
        let finding = |rule: &str, value: u8| Finding {
            rule: rule.to_owned(),
            counter: Counter::Restricted,
            value: u64::from(value),
            level: FraudLevel::Critical,
            hangup: policy.restrictions.hangup,
        };
        if let Some(r) = self.restricted(account, now) {
            return Some(finding(&r.rule, 0));
        }
        if let Some(level) = policy.restrictions.account_risk {
            let risk = risk.risk_of_account(account);
            if u32::from(risk) > level {
                return Some(finding("account_risk", risk));
            }
        }
        if let (Some(level), Some(ip)) = (policy.restrictions.address_risk, address) {
            let risk = risk.risk_of(ip);
            if u32::from(risk) > level {
                return Some(finding("address_risk", risk));
            }
        }
        None
    }

    /// The account's restriction in force, if any.
    pub fn restricted(&self, account: &str, now: Millis) -> Option<Restriction> {
        let map = self.inner.restrictions.locked();
        map.get(account)
            .filter(|r| r.until.is_none_or(|u| u > now))
            .cloned()
    }

    /// An engine alert about `account` (stolen_credentials, distributed): restricts it when
    /// `[calls] restrict_after` names the rule. Returns whether it was not restricted before
    /// (the restriction is renewed either way).
    pub fn on_account_alert(&self, account: &str, rule: &str, now: Millis) -> bool {
        let policy = self.policy();
        if !policy.enabled || !policy.restrictions.after.iter().any(|r| r == rule) {
            return false;
        }
        let until = policy
            .restrictions
            .time
            .map(|d| now + Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX / 2));
        let mut map = self.inner.restrictions.locked();
        map.retain(|_, r| r.until.is_none_or(|u| u > now));
        if map.len() >= MAX_RESTRICTED && !map.contains_key(account) {
            let soonest = map
                .iter()
                .min_by_key(|(_, r)| r.until.unwrap_or(Millis::MAX))
                .map(|(k, _)| k.clone());
            if let Some(k) = soonest {
                map.remove(&k);
            }
        }
        let before = map.insert(
            account.into(),
            Restriction {
                rule: rule.to_owned(),
                since: now,
                until,
            },
        );
        before.is_none()
    }

    /// `secast clear account ID`: lifts the restriction and forgets the account's counters
    /// (live calls stay counted until they end). Whether there was anything to clear.
    pub fn clear_account(&self, account: &str) -> bool {
        let lifted = self.inner.restrictions.locked().remove(account).is_some();
        let cleared = self.inner.accounts.clear(account);
        lifted || cleared
    }

    /// Restrictions in force, soonest to end first.
    pub fn restrictions(&self, now: Millis) -> Vec<(String, Restriction)> {
        let map = self.inner.restrictions.locked();
        let mut all: Vec<(String, Restriction)> = map
            .iter()
            .filter(|(_, r)| r.until.is_none_or(|u| u > now))
            .map(|(k, r)| (crate::util::escape::for_log(k), r.clone()))
            .collect();
        all.sort_by_key(|(k, r)| (r.until.unwrap_or(Millis::MAX), k.clone()));
        all
    }
}
