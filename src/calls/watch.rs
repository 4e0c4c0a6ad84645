//! The passive watch: every outbound call followed from Asterisk's own channel and dial
//! messages, whether or not the dialplan asked SECAST_CALLCHECK, so calls placed by AMI
//! Originate or from a context without the check are counted too.
//!
//! - dial begin: the call is counted (or, when the caller's channel passed SECAST_CALLCHECK,
//!   attached to that check, which counted it already: never twice);
//! - dial end: its status (answered, busy, cancelled, failed);
//! - the channel's end (its last snapshot, flagged dead): the leg is forgotten and a slot the
//!   watch holds is released. Slots reserved by SECAST_CALLCHECK are released by the caller
//!   channel's datastore instead, never here: each slot has exactly one owner;
//! - the clock: answered calls over a duration level are reported, and hung up with
//!   `hangup = yes`, while they are still up.

use std::sync::atomic::Ordering;

use super::destination::{Destination, number_in_dialstring};
use super::findings::{CallFacts, Finding, alert};
use super::guard::CallGuard;
use super::legs::{Leg, endpoint_of};
use super::policy::Counter;
use super::risk_view::RiskView;
use crate::decision::{FraudAlert, FraudLevel};
use crate::lookups::numbers::NumberLists;
use crate::util::lock::LockExt;
use crate::util::time::{Millis, Secs, secs};

/// A channel as a stasis message shows it (borrowed for the callback).
#[derive(Debug, Clone, Copy)]
pub struct ChannelRef<'a> {
    pub uniqueid: &'a str,
    pub name: &'a str,
    /// The channel technology: `PJSIP`, `Local`, …
    pub tech: &'a str,
    pub linkedid: &'a str,
    pub accountcode: &'a str,
}

/// One Dial message: its status (empty at the dial's begin), the Dial() argument, and the
/// channels (no caller for an originated call).
#[derive(Debug, Clone, Copy)]
pub struct Dial<'a> {
    pub status: &'a str,
    pub dialstring: &'a str,
    pub caller: Option<ChannelRef<'a>>,
    pub peer: ChannelRef<'a>,
}

/// Legs older than this are checked against Asterisk (a missed end would hold a slot).
const STALE_AFTER_SECS: Secs = 3600;
/// Without a way to ask Asterisk, a leg this old is let go.
const FORGET_UNPROBED_SECS: Secs = 86_400;
const SWEEP_EVERY_SECS: Secs = 60;

/// A channel's uniqueid and when the watch first saw it.
type Aged = (Box<str>, Secs);

impl CallGuard {
    /// A new channel: one that starts a chain from a PJSIP endpoint is remembered, so that a
    /// dial from a Local channel further down the chain is put on the right account.
    pub fn on_channel_created(&self, ch: &ChannelRef, outgoing: bool, now: Millis) {
        let policy = self.policy();
        if !policy.watch || outgoing || ch.tech != "PJSIP" || ch.uniqueid != ch.linkedid {
            return;
        }
        let Some(endpoint) = endpoint_of(ch.name) else {
            return;
        };
        let mut w = self.inner.watch.locked();
        if w.origins.len() < policy.max_live_calls.saturating_mul(2) {
            w.origins
                .insert(ch.uniqueid.into(), (endpoint.into(), secs(now)));
        }
    }

    /// A Dial message (begin when `status` is empty, else its progress or end).
    pub fn on_dial(
        &self,
        dial: &Dial,
        lists: &NumberLists,
        risk: &dyn RiskView,
        now: Millis,
    ) -> Vec<FraudAlert> {
        let (status, dialstring) = (dial.status, dial.dialstring);
        let (caller, peer) = (dial.caller.as_ref(), &dial.peer);
        let policy = self.policy();
        if !policy.enabled || !policy.watch {
            return Vec::new();
        }
        let st = &self.inner.stats;
        match status {
            "" => {}
            "ANSWER" => {
                st.answered.fetch_add(1, Ordering::Relaxed);
                if let Some(leg) = self.inner.watch.locked().legs.get_mut(peer.uniqueid) {
                    leg.answered.get_or_insert(secs(now));
                }
                return Vec::new();
            }
            "BUSY" => {
                st.busy.fetch_add(1, Ordering::Relaxed);
                return Vec::new();
            }
            "CANCEL" => {
                st.cancelled.fetch_add(1, Ordering::Relaxed);
                return Vec::new();
            }
            "CONGESTION" | "NOANSWER" | "CHANUNAVAIL" => {
                st.failed.fetch_add(1, Ordering::Relaxed);
                return Vec::new();
            }
            _ => return Vec::new(),
        }
        // A dial to a Local channel is plumbing inside the PBX: the real call is the dial the
        // Local channel's other half makes.
        if peer.tech == "Local" || dialstring.is_empty() {
            return Vec::new();
        }
        {
            let w = self.inner.watch.locked();
            if w.legs.contains_key(peer.uniqueid) {
                return Vec::new();
            }
            if w.legs.len() >= policy.max_live_calls {
                st.untracked_dials.fetch_add(1, Ordering::Relaxed);
                return Vec::new();
            }
        }
        st.watched_dials.fetch_add(1, Ordering::Relaxed);
        let checked = caller.and_then(|c| {
            self.checked_shard(c.uniqueid)
                .locked()
                .get(c.uniqueid)
                .cloned()
        });
        let s = secs(now);
        let (leg, alerts) = match checked {
            Some(c) => {
                st.attached_to_check.fetch_add(1, Ordering::Relaxed);
                (
                    Leg {
                        account: c.account,
                        address: c.address,
                        destination: c.destination,
                        rules: c.rules,
                        slot: None,
                        started: s,
                        answered: None,
                        duration_reported: 0,
                    },
                    Vec::new(),
                )
            }
            None => {
                st.counted_by_watch.fetch_add(1, Ordering::Relaxed);
                let account = self.account_of(caller, peer);
                let dest = Destination::classify(
                    number_in_dialstring(dialstring),
                    &policy.dialling,
                    lists,
                );
                self.count_passive(&policy, &account, dest, peer.uniqueid, risk, now)
            }
        };
        self.inner
            .watch
            .locked()
            .legs
            .insert(peer.uniqueid.into(), leg);
        alerts
    }

    /// Whose call a dial is: the caller's PJSIP endpoint; through Local channels, the endpoint
    /// that started the chain; otherwise the account code, or `originate`.
    fn account_of(&self, caller: Option<&ChannelRef>, peer: &ChannelRef) -> String {
        if let Some(c) = caller {
            if let Some(e) = endpoint_of(c.name) {
                return e.to_owned();
            }
            if let Some((e, _)) = self.inner.watch.locked().origins.get(c.linkedid) {
                return e.to_string();
            }
            if !c.accountcode.is_empty() {
                return c.accountcode.to_owned();
            }
        }
        if let Some((e, _)) = self.inner.watch.locked().origins.get(peer.linkedid) {
            return e.to_string();
        }
        if !peer.accountcode.is_empty() {
            return peer.accountcode.to_owned();
        }
        "originate".to_owned()
    }

    /// Counts a call no check saw; a critical finding of a limit with `hangup = yes` (or a
    /// restricted account with `restrict_hangup`) asks for the leg to be hung up.
    fn count_passive(
        &self,
        policy: &super::policy::CallPolicy,
        account: &str,
        dest: Destination,
        uniqueid: &str,
        risk: &dyn RiskView,
        now: Millis,
    ) -> (Leg, Vec<FraudAlert>) {
        let restricted = self.restriction(policy, account, None, &dest, risk, now);
        let counted = self.count(policy, account, &dest, now, false);
        let facts = CallFacts {
            account,
            address: None,
            destination: &dest,
        };
        let hang_up = |f: &Finding| {
            if f.level == FraudLevel::Critical && f.hangup {
                vec![uniqueid.to_owned()]
            } else {
                Vec::new()
            }
        };
        let mut alerts = Vec::new();
        let mut report = Vec::new();
        if let Some(f) = &restricted {
            alerts.push(alert(f, &facts, now, hang_up(f)));
            report.push(true);
        }
        // One hang-up per leg is enough: the first critical finding that asks for it.
        let mut asked = restricted.as_ref().is_some_and(|f| f.hangup);
        for (f, ok) in counted.findings.iter().zip(&counted.report) {
            let h = if asked { Vec::new() } else { hang_up(f) };
            asked |= !h.is_empty();
            alerts.push(alert(f, &facts, now, h));
            report.push(*ok);
        }
        let rules = counted
            .slot
            .as_ref()
            .map(|s| s.rules().to_vec())
            .unwrap_or_default();
        let leg = Leg {
            account: account.into(),
            address: None,
            destination: dest,
            rules,
            slot: counted.slot,
            started: secs(now),
            answered: None,
            duration_reported: 0,
        };
        (leg, self.gate(alerts, &report))
    }

    /// A channel's last snapshot, with its hangup cause: whatever the watch kept for it goes,
    /// and a slot it held is released (after the watch's lock is let go).
    pub fn on_channel_gone(&self, uniqueid: &str, cause: i32) {
        let leg = {
            let mut w = self.inner.watch.locked();
            w.origins.remove(uniqueid);
            w.legs.remove(uniqueid)
        };
        self.checked_shard(uniqueid).locked().remove(uniqueid);
        if leg.is_some() {
            self.inner.stats.ended.fetch_add(1, Ordering::Relaxed);
            self.inner.stats.causes.record(cause);
        }
        drop(leg);
    }

    /// The clock (engine worker thread, about twice a second): duration levels of calls that
    /// are up, and the sweep of stale and idle state. `alive` asks Asterisk whether a channel
    /// still exists (None: no Asterisk, as in tests).
    pub fn tick(&self, now: Millis, alive: Option<&dyn Fn(&str) -> bool>) -> Vec<FraudAlert> {
        let policy = self.policy();
        let s = secs(now);
        let mut alerts = Vec::new();
        let mut gone: Vec<Leg> = Vec::new();
        let sweep;
        {
            let mut w = self.inner.watch.locked();
            for (uid, leg) in w.legs.iter_mut() {
                let Some(answered) = leg.answered else {
                    continue;
                };
                let up = s.saturating_sub(answered);
                for key in &leg.rules {
                    let Some(rule) = policy.rule(*key) else {
                        continue;
                    };
                    let Some(level) = rule.duration.reached(up) else {
                        continue;
                    };
                    let bit = if level == FraudLevel::Critical { 2 } else { 1 };
                    if leg.duration_reported & bit != 0 {
                        continue;
                    }
                    leg.duration_reported |= bit;
                    let f = Finding {
                        rule: rule.name.clone(),
                        counter: Counter::Duration,
                        value: u64::from(up),
                        level,
                        hangup: rule.hangup,
                    };
                    let hang = if level == FraudLevel::Critical && rule.hangup {
                        vec![uid.to_string()]
                    } else {
                        Vec::new()
                    };
                    let facts = CallFacts {
                        account: &leg.account,
                        address: leg.address,
                        destination: &leg.destination,
                    };
                    alerts.push(alert(&f, &facts, now, hang));
                }
            }
            sweep = s.saturating_sub(w.last_sweep) >= SWEEP_EVERY_SECS;
            if sweep {
                w.last_sweep = s;
            }
        }
        if sweep {
            // Asterisk is asked about old entries outside the watch's lock: releasing the
            // reference the question takes can run a channel's destructor on this thread.
            let stale = |age: Secs, uid: &str| match alive {
                Some(alive) => age >= STALE_AFTER_SECS && !alive(uid),
                None => age >= FORGET_UNPROBED_SECS,
            };
            let (old_legs, old_origins): (Vec<Aged>, Vec<Aged>) = {
                let w = self.inner.watch.locked();
                let old = |at: Secs| s.saturating_sub(at) >= STALE_AFTER_SECS;
                (
                    w.legs
                        .iter()
                        .filter(|(_, l)| old(l.started))
                        .map(|(u, l)| (u.clone(), l.started))
                        .collect(),
                    w.origins
                        .iter()
                        .filter(|(_, (_, at))| old(*at))
                        .map(|(u, (_, at))| (u.clone(), *at))
                        .collect(),
                )
            };
            let gone_legs: Vec<Box<str>> = old_legs
                .into_iter()
                .filter(|(u, at)| stale(s.saturating_sub(*at), u))
                .map(|(u, _)| u)
                .collect();
            let gone_origins: Vec<Box<str>> = old_origins
                .into_iter()
                .filter(|(u, at)| stale(s.saturating_sub(*at), u))
                .map(|(u, _)| u)
                .collect();
            let mut w = self.inner.watch.locked();
            for uid in gone_legs {
                gone.extend(w.legs.remove(&uid));
            }
            for uid in gone_origins {
                w.origins.remove(&uid);
            }
        }
        // Slots of stale legs are released here, outside the watch's lock.
        drop(gone);
        if sweep {
            for shard in self.inner.checked.iter() {
                let old: Vec<(Box<str>, Secs)> = shard
                    .locked()
                    .iter()
                    .filter(|(_, c)| s.saturating_sub(c.at) >= STALE_AFTER_SECS)
                    .map(|(u, c)| (u.clone(), c.at))
                    .collect();
                for (uid, at) in old {
                    let age = s.saturating_sub(at);
                    let gone = match alive {
                        Some(alive) => !alive(&uid),
                        None => age >= FORGET_UNPROBED_SECS,
                    };
                    if gone {
                        shard.locked().remove(&uid);
                    }
                }
            }
            self.inner
                .accounts
                .sweep(s, policy.forget_after_secs, |rule| {
                    policy.rule(rule).is_some()
                });
        }
        self.gate(alerts, &[])
    }

    /// Live outbound legs the watch follows.
    pub fn watched_legs(&self) -> usize {
        self.inner.watch.locked().legs.len()
    }
}
