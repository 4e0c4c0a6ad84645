//! One security event on the worker thread: parsed, scored, counted.

use std::time::Instant;

use crossbeam_channel::Sender;

use super::dispatch::dispatch;
use super::shared::Shared;
use crate::cluster::{Hub, Login};
use crate::decision::{Action, RuleId};
use crate::enforce::Order;
use crate::intake::{EventKind, RawEvent, SecurityEvent};
use crate::util::escape::for_log;
use crate::util::log::{Level, LogSink};

pub(super) fn process(
    raw: RawEvent,
    received: Instant,
    shared: &Shared,
    orders: Option<&Sender<Order>>,
    log: &dyn LogSink,
) {
    let cfg = shared.config();
    match raw.parse() {
        Ok(ev) => {
            if cfg.general.log_events && log.enabled(Level::Verbose) {
                log.log(
                    Level::Verbose,
                    &format!(
                        "security event {} service={} account=\"{}\" from {}",
                        ev.kind,
                        for_log(&ev.service),
                        ev.account.as_deref().map(for_log).unwrap_or_default(),
                        ev.remote
                    ),
                );
            }
            let hub = shared.cluster.as_ref();
            let shares = hub
                .map(|h| h.shares())
                .unwrap_or(crate::config::Shares::NONE);
            let now = shared.now();
            let (actions, share) = {
                let mut engine = shared.engine();
                let share = shares
                    .failures
                    .then(|| engine.failure_to_share(&ev))
                    .flatten();
                let actions = engine.on_event(&ev, now);
                super::shared::publish(&mut engine, &shared.published);
                (actions, share)
            };
            // After publishing: the failure counted and its answer out of flight together.
            if matches!(
                ev.kind,
                EventKind::SuccessfulAuth
                    | EventKind::ChallengeResponseFailed
                    | EventKind::InvalidPassword
                    | EventKind::InvalidAccountId
            ) && !ev.service.eq_ignore_ascii_case("AMI")
            {
                shared.sensor.outcome(ev.source_ip());
            }
            restrict_flagged_accounts(&actions, ev.named_account(), shared, now, log);
            dispatch(actions, None, orders);
            if let Some(hub) = hub {
                // Counted here, sent by the cluster thread in a batch 50 ms later.
                if let Some(f) = share
                    && hub.tally.add(&f)
                {
                    hub.wake();
                }
                if shares.registrations {
                    note_login(hub, &ev);
                }
            }
            // One counters lock per event, taken after the engine's is released (never both).
            let mut counters = shared.event_counters();
            counters.record(&ev, cfg.general.max_tracked_sources, now);
            counters.latency.record(received.elapsed());
        }
        Err(err) => {
            shared.event_counters().malformed += 1;
            if log.enabled(Level::Debug) {
                log.log(
                    Level::Debug,
                    &format!("ignored malformed security event: {err}"),
                );
            }
        }
    }
}

/// A SuccessfulAuth tells where a REGISTER really came from: the cluster joins it with the
/// registration's contact by Call-ID (Asterisk does not store the source of a REGISTER).
fn note_login(hub: &Hub, ev: &SecurityEvent) {
    if ev.kind != EventKind::SuccessfulAuth {
        return;
    }
    let Some(call_id) = ev
        .session
        .as_ref()
        .filter(|s| !s.is_empty() && s.len() <= 256)
    else {
        return;
    };
    hub.login(Login {
        call_id: call_id.clone(),
        address: std::net::SocketAddr::new(ev.remote.ip, ev.remote.port),
        transport: ev
            .remote
            .transport
            .map(|t| t.name().to_owned())
            .unwrap_or_default(),
    });
}

/// The engine's alerts about an account (`stolen_credentials`, `distributed`) restrict its
/// calls: a guessed password must not turn into a phone bill. The account named is the raw
/// one from the event (the alert carries it escaped, for display).
fn restrict_flagged_accounts(
    actions: &[Action],
    account: Option<&str>,
    shared: &Shared,
    now: crate::util::time::Millis,
    log: &dyn LogSink,
) {
    let Some(account) = account else { return };
    for a in actions {
        if let Action::Alert(alert) = a
            && matches!(alert.rule, RuleId::StolenCredentials | RuleId::Distributed)
            && shared
                .calls
                .on_account_alert(account, alert.rule.name(), now)
        {
            log.log(
                Level::Notice,
                &format!(
                    "account \"{}\" restricted after {}: international and high-risk calls refused",
                    for_log(account),
                    alert.rule
                ),
            );
        }
    }
}
