//! The hand-over of every decision to the enforcer.

use std::time::Instant;

use crossbeam_channel::Sender;

use crate::decision::{Ack, Action};
use crate::enforce::Order;

/// Hands decisions to the enforcer. Without one (counting only) an ack is answered at once.
pub(super) fn dispatch(actions: Vec<Action>, ack: Option<Ack>, orders: Option<&Sender<Order>>) {
    if actions.is_empty() && ack.is_none() {
        return;
    }
    match orders {
        Some(tx) => {
            let _ = tx.send(Order::Act {
                actions,
                ack,
                decided: Instant::now(),
            });
        }
        None => {
            if let Some(ack) = ack {
                let _ = ack.send(Ok("recorded (no enforcer running)".to_owned()));
            }
        }
    }
}
