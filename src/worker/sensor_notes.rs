//! The PJSIP sensor's notes on the worker thread: findings become the engine's decisions
//! (published at once, so the sensor drops the source's next request, then enforced), and
//! REGISTERs wait for their SuccessfulAuth to fill the device profiles.

use crossbeam_channel::Sender;

use super::dispatch::dispatch;
use super::shared::{Shared, publish};
use crate::enforce::Order;
use crate::sensor::SensorNote;

pub(super) fn process(note: SensorNote, shared: &Shared, orders: Option<&Sender<Order>>) {
    let now = shared.now();
    match note {
        SensorNote::Finding { ip, finding } => {
            let actions = {
                let mut engine = shared.engine();
                let actions = engine.on_sensor_finding(ip, &finding, now);
                publish(&mut engine, &shared.published);
                actions
            };
            dispatch(actions, None, orders);
        }
        SensorNote::Register(seen) => {
            shared.engine().note_register(seen, now);
        }
    }
}
