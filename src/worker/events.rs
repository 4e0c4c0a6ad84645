//! One security event on the worker thread: parsed, scored, counted.

use std::time::Instant;

use crossbeam_channel::Sender;

use super::commands::dispatch;
use super::shared::Shared;
use crate::decision::{Action, RuleId};
use crate::enforce::Order;
use crate::intake::RawEvent;
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
            let now = shared.now();
            let actions = shared.engine().on_event(&ev, now);
            restrict_flagged_accounts(&actions, ev.named_account(), shared, now, log);
            dispatch(actions, None, orders);
            // One counters lock per event, taken after the engine's is released (never both).
            let mut counters = shared.event_counters();
            counters.record(&ev, cfg.general.max_tracked_sources);
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
