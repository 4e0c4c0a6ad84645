//! An administrator's commands, carried out on the worker thread (and the cluster's reports,
//! handed on to [`super::remote`]).

use crossbeam_channel::Sender;

use super::dispatch::dispatch;
use super::shared::Shared;
use crate::decision::{Action, Command, UnbanReason};
use crate::enforce::Order;
use crate::util::log::LogSink;

pub(super) fn run(
    cmd: Command,
    shared: &Shared,
    orders: Option<&Sender<Order>>,
    log: &dyn LogSink,
) {
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
                let r = engine.manual_ban(net, length, &reason, now).map(|ban| {
                    let removals = engine.contacts_removed_by(&ban.net, now);
                    (ban, removals)
                });
                super::shared::publish(&mut engine, &shared.published);
                r
            };
            match result {
                Ok((ban, removals)) => {
                    let mut actions = vec![Action::Ban(ban)];
                    actions.extend(removals);
                    dispatch(actions, Some(ack), orders)
                }
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
        Command::Remote(report) => {
            super::remote::run(report, shared, orders, log);
            // What the cluster changed (bans, counts) reaches the readers like local changes.
            super::shared::publish(&mut shared.engine(), &shared.published);
        }
    }
}
