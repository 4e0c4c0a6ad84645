//! One security event on the worker thread: parsed, scored, counted.

use std::time::Instant;

use crossbeam_channel::Sender;

use super::commands::dispatch;
use super::shared::Shared;
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
            let actions = {
                let mut engine = shared.engine();
                let actions = engine.on_event(&ev, now);
                super::shared::publish(&mut engine, &shared.published);
                actions
            };
            dispatch(actions, None, orders);
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
