//! An administrator's commands, carried out on the worker thread, and the hand-over of every
//! decision to the enforcer.

use std::time::Instant;

use crossbeam_channel::Sender;

use super::shared::Shared;
use crate::decision::{Ack, Action, Command, UnbanReason};
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

pub(super) fn run(cmd: Command, shared: &Shared, orders: Option<&Sender<Order>>) {
    let now = shared.now();
    match cmd {
        Command::Ban {
            net,
            length,
            reason,
            ack,
        } => {
            let result = {
                let mut engine = shared.engine();
                let r = engine.manual_ban(net, length, &reason, now);
                super::shared::publish(&mut engine, &shared.published);
                r
            };
            match result {
                Ok(ban) => dispatch(vec![Action::Ban(ban)], Some(ack), orders),
                Err(why) => {
                    let _ = ack.send(Err(why));
                }
            }
        }
        Command::Unban { net, ack } => {
            let removed = {
                let mut engine = shared.engine();
                let r = engine.manual_unban(&net);
                super::shared::publish(&mut engine, &shared.published);
                r
            };
            match removed {
                Some(ban) => dispatch(
                    vec![Action::Unban {
                        ban,
                        why: UnbanReason::Manual,
                    }],
                    Some(ack),
                    orders,
                ),
                None => {
                    let _ = ack.send(Err(format!("{net} is not banned")));
                }
            }
        }
    }
}
