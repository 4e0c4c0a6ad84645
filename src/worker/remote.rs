//! What the cluster reports, applied on the engine thread exactly like a local decision: the
//! engine checks its own whitelist and offence history, and the enforcer puts the ban in the
//! kernel and the ledger. Bans and unbans that came from the cluster are marked as such
//! (`BanOrigin::Remote`, `UnbanReason::Remote`), so the cluster's notifier does not publish
//! them again.

use std::collections::HashSet;

use crossbeam_channel::Sender;
use ipnet::IpNet;

use super::dispatch::dispatch;
use super::shared::Shared;
use crate::cluster::Outbound;
use crate::decision::{Action, ClusterBans, Remote, UnbanReason};
use crate::enforce::Order;
use crate::util::log::{Level, LogSink};

pub(super) fn run(
    report: Remote,
    shared: &Shared,
    orders: Option<&Sender<Order>>,
    log: &dyn LogSink,
) {
    let now = shared.now();
    match report {
        Remote::Ban(ban) => {
            let result = shared.engine().apply_remote_ban(ban, now);
            match result {
                Ok(Some(ban)) => dispatch(vec![Action::Ban(ban)], None, orders),
                Ok(None) => {}
                Err(why) => log.log(Level::Warning, &format!("cluster: {why}")),
            }
        }
        Remote::Unban { net, at, node } => {
            let lifted = {
                let mut engine = shared.engine();
                // A ban decided here after the unban elsewhere stays.
                match engine.bans().get(&net) {
                    Some(b) if b.since <= at => engine.manual_unban(&net),
                    _ => None,
                }
            };
            if let Some(ban) = lifted {
                log.log(
                    Level::Verbose,
                    &format!("cluster: {net} lifted on node {node}"),
                );
                dispatch(
                    vec![Action::Unban {
                        ban,
                        why: UnbanReason::Remote,
                    }],
                    None,
                    orders,
                );
            }
        }
        Remote::Failures { sources, .. } => {
            let actions: Vec<Action> = {
                let mut engine = shared.engine();
                sources
                    .iter()
                    .flat_map(|f| engine.add_remote_failures(f, now))
                    .collect()
            };
            dispatch(actions, None, orders);
        }
        Remote::Snapshot(snapshot) => converge(snapshot, shared, orders, log),
    }
}

/// After a (re)connect: take the cluster's bans this server lacks, lift those lifted
/// elsewhere since, and publish again this server's own bans the cluster is missing.
fn converge(s: ClusterBans, shared: &Shared, orders: Option<&Sender<Order>>, log: &dyn LogSink) {
    let now = shared.now();
    let mut actions = Vec::new();
    let mut refused = Vec::new();
    let mut missing = Vec::new();
    {
        let mut engine = shared.engine();
        for (net, n, at) in &s.offences {
            engine.note_offences(*net, *n, *at, now);
        }
        for ban in s.bans {
            match engine.apply_remote_ban(ban, now) {
                Ok(Some(b)) => actions.push(Action::Ban(b)),
                Ok(None) => {}
                Err(why) => refused.push(why),
            }
        }
        for (net, at) in &s.lifted {
            let lift = engine.bans().get(net).is_some_and(|b| b.since < *at);
            if lift && let Some(ban) = engine.manual_unban(net) {
                actions.push(Action::Unban {
                    ban,
                    why: UnbanReason::Remote,
                });
            }
        }
        let ours: HashSet<IpNet> = s.ours.into_iter().collect();
        missing.extend(
            engine
                .bans()
                .iter()
                .filter(|b| !b.origin.is_remote() && b.is_active(now) && !ours.contains(&b.net))
                .cloned(),
        );
    }
    let (applied, lifted) = actions.iter().fold((0, 0), |(a, l), x| match x {
        Action::Ban(_) => (a + 1, l),
        _ => (a, l + 1),
    });
    if applied + lifted + missing.len() + refused.len() > 0 {
        log.log(
            Level::Notice,
            &format!(
                "cluster: converged: {applied} bans taken from the cluster, {lifted} lifted, {} of \
                 ours published again, {} refused by the whitelist",
                missing.len(),
                refused.len()
            ),
        );
    }
    for why in refused.iter().take(10) {
        log.log(Level::Warning, &format!("cluster: {why}"));
    }
    if let Some(hub) = &shared.cluster {
        for ban in missing {
            hub.publish(Outbound::Ban { ban, replay: true });
        }
    }
    dispatch(actions, None, orders);
}
