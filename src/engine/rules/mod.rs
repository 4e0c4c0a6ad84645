//! The detection rules, one file per family, and the one order they are evaluated in.
//!
//! Every rule is a function that looks at one event and the source's state, updates what it
//! counts (and the source's risk), and returns a [`Trigger`] when the source should be banned
//! for it. All rules run on every event, so each keeps its own count; when several trigger on
//! the same event, the first in [`evaluate`]'s order decides the ban, its length and its reason:
//!
//! 1. `intel`, a blocklisted source (first contact);
//! 2. `geo`, a source where the geo policy denies it (first contact, every login);
//! 3. `neighbour`, risk for a source near recent offenders (never bans alone);
//! 4. `enumeration`, distinct unknown accounts from one source;
//! 5. `brute_force` (or `ami` for AMI logins), authentication failures;
//! 6. `slow_attack`, failures over a long window;
//! 7. `challenge_flood`, challenges never answered;
//! 8. `stolen_credentials`, a login from a source that just failed other accounts.
//!
//! The most specific explanation comes first: a source that is both blocklisted and guessing
//! passwords is banned as listed; one that enumerates accounts is banned for enumeration, not
//! for the failures the enumeration consisted of. `distributed` looks at one account from many
//! sources and raises an alert, never a ban of its own.

pub(super) mod challenge_flood;
pub(super) mod distributed;
pub(super) mod enumeration;
pub(super) mod failures;
pub(super) mod first_contact;
pub(super) mod stolen_credentials;

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use super::escalation;
use super::neighbourhood::Neighbourhood;
use super::risk::Risk;
use super::source_state::SourceState;
use super::windows::WindowDistinct;
use crate::config::Config;
use crate::decision::RuleId;
use crate::intake::{EventKind, SecurityEvent};
use crate::lookups::Lookups;
use crate::util::time::Millis;

/// A rule's verdict that the source should be banned, and why (shown to the admin).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Trigger {
    pub rule: RuleId,
    pub reason: String,
}

/// What every rule may read about the event being scored.
pub(super) struct Facts<'a> {
    pub cfg: &'a Config,
    pub ev: &'a SecurityEvent,
    pub ip: IpAddr,
    /// Where the source's state is kept: `ip`, or its IPv6 prefix (see `source_key`).
    pub key: IpAddr,
    /// The real account the event names (not empty, not `<unknown>`); attacker-supplied.
    pub account: Option<&'a str>,
    pub now: Millis,
    /// Bans of this source within the history window: they lower every threshold.
    pub earlier_offences: u32,
    /// A source's first event: the neighbour rule only looks then.
    pub first_contact: bool,
    /// First contact, new lists, or a login: the time to ask who and where this source is.
    pub look_up: bool,
    /// The source has a live, authenticated registration: its counting thresholds are
    /// multiplied by `[general] registered_factor`.
    pub registered: bool,
}

/// What rules found besides bans: alerts to raise, in order.
#[derive(Debug, Default)]
pub(super) struct Findings {
    pub alerts: Vec<(RuleId, String)>,
}

/// The engine's tables the rules need beyond the source's own state.
pub(super) struct Tables<'a> {
    pub lookups: &'a Lookups,
    pub neighbours: &'a Neighbourhood,
    /// Distinct unknown AccountIDs per source key.
    pub enumerating: &'a mut HashMap<IpAddr, WindowDistinct>,
}

/// Runs every rule, in the documented order, and returns the trigger that decides the ban.
pub(super) fn evaluate(
    facts: &Facts,
    st: &mut SourceState,
    tables: Tables,
    findings: &mut Findings,
) -> Option<Trigger> {
    let verdicts = [
        first_contact::blocklist(facts, tables.lookups, st),
        first_contact::geo(facts, tables.lookups, st, findings),
        first_contact::neighbour(facts, tables.neighbours, st),
        enumeration::evaluate(facts, st, tables.enumerating),
        failures::brute_force_or_ami(facts, st),
        failures::slow_attack(facts, st),
        challenge_flood::evaluate(facts, st),
        stolen_credentials::evaluate(facts, st, findings),
    ];
    verdicts.into_iter().flatten().next()
}

/// After a SIP authentication failure: how many more the source may have before
/// `brute_force` bans it, and until when (second) that holds. None for other events, AMI, or
/// with the rule off.
pub(super) fn failure_room(
    facts: &Facts,
    st: &SourceState,
) -> Option<(u32, crate::util::time::Secs)> {
    let rule = &facts.cfg.rules.brute_force;
    if !is_failure(facts.ev.kind) || facts.ev.service.eq_ignore_ascii_case("AMI") || !rule.enabled {
        return None;
    }
    let w = window_ms(rule.window);
    let n = st.brute.current(facts.now, w);
    let room = threshold(facts, RuleId::BruteForce).saturating_sub(n);
    let until = crate::util::time::secs(facts.now.saturating_add(w));
    Some((room, until))
}

/// The events that count as an authentication failure of the source.
pub(super) fn is_failure(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::ChallengeResponseFailed
            | EventKind::InvalidPassword
            | EventKind::InvalidAccountId
            | EventKind::FailedAcl
    )
}

pub(super) fn window_ms(d: Duration) -> Millis {
    Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX)
}

/// A counting rule's threshold for this source: lower for a repeat offender, higher for a
/// source with a live registration (an office NAT whose phones work: one misconfigured phone
/// must not cut off the others).
pub(super) fn threshold(facts: &Facts, rule: RuleId) -> u32 {
    let t = escalation::threshold(
        facts.cfg.rules.of(rule).threshold,
        facts.earlier_offences,
        &facts.cfg.escalation,
    );
    if facts.registered {
        t.saturating_mul(facts.cfg.general.registered_factor.max(1))
    } else {
        t
    }
}

/// `n` things counted for `rule`: adds the rule's share of risk and returns a trigger once the
/// (escalated) threshold is reached. Nothing happens for a disabled rule.
pub(super) fn reached(facts: &Facts, rule: RuleId, n: u32, risk: &mut Risk) -> Option<Trigger> {
    let settings = facts.cfg.rules.of(rule);
    if !settings.enabled {
        return None;
    }
    let t = threshold(facts, rule);
    risk.add(
        rule,
        100.0 / t as f32,
        facts.now,
        facts.cfg.general.risk_half_life,
    );
    (n >= t).then(|| Trigger {
        rule,
        reason: format!(
            "{rule}: {n} {} within {}",
            rule.counts(),
            crate::util::duration::format(settings.window)
        ),
    })
}
