//! Applying what can be applied: one bad element never holds the others back.
//!
//! A kernel transaction is all or nothing, so one element the kernel refuses would fail every
//! ban in the batch, and (retried as a whole) every later batch too. When a batch fails with
//! [`FirewallErrorKind::Refused`], it is split in halves and each half is tried on its own,
//! down to the single op that fails: that op is reported by name and the rest goes in. With
//! `k` bad ops among `n` this costs about `2k·log2(n)` extra transactions, and nothing at all
//! while every op is good (the common case: one transaction).
//!
//! Errors of any other kind (table missing, permission, netlink trouble) concern the whole
//! batch: nothing is split, the caller retries it as it is.

use super::error::{FirewallError, FirewallErrorKind};
use super::plan::{Plan, plan};
use super::{FirewallOp, Rejected};

/// Plans `ops` (a network no set can hold is rejected up front) and sends the plan with
/// `send`, isolating the ops the kernel refuses. `send` gets a non-empty plan and reports
/// whether the kernel took it.
pub(crate) fn apply_isolating(
    ops: &[FirewallOp],
    readd: bool,
    send: &mut dyn FnMut(&Plan) -> Result<(), FirewallError>,
) -> Result<Vec<Rejected>, FirewallError> {
    let (whole, mut rejected) = plan(ops, readd);
    if whole.is_empty() {
        return Ok(rejected);
    }
    let valid: Vec<FirewallOp> = if rejected.is_empty() {
        ops.to_vec()
    } else {
        ops.iter()
            .filter(|op| !rejected.iter().any(|r| r.op == **op))
            .cloned()
            .collect()
    };
    match send(&whole) {
        Ok(()) => Ok(rejected),
        Err(e) if e.kind == FirewallErrorKind::Refused => {
            split(&valid, readd, send, e, &mut rejected)?;
            Ok(rejected)
        }
        Err(e) => Err(e),
    }
}

/// `ops` failed together with `error`: finds which of them fail on their own.
fn split(
    ops: &[FirewallOp],
    readd: bool,
    send: &mut dyn FnMut(&Plan) -> Result<(), FirewallError>,
    error: FirewallError,
    rejected: &mut Vec<Rejected>,
) -> Result<(), FirewallError> {
    if ops.len() == 1 {
        rejected.push(Rejected {
            op: ops[0].clone(),
            error,
        });
        return Ok(());
    }
    // In order: first half, then second, as the ops were meant to apply.
    let (a, b) = ops.split_at(ops.len() / 2);
    for half in [a, b] {
        let (p, _) = plan(half, readd);
        if p.is_empty() {
            continue;
        }
        match send(&p) {
            Ok(()) => {}
            Err(e) if e.kind == FirewallErrorKind::Refused => {
                split(half, readd, send, e, rejected)?
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipnet::IpNet;

    fn add(s: &str) -> FirewallOp {
        FirewallOp::Add {
            net: s.parse().unwrap(),
            timeout: None,
        }
    }

    /// A pretend kernel that refuses any batch holding one of `bad`.
    fn kernel(bad: &[&str]) -> impl FnMut(&Plan) -> Result<(), FirewallError> {
        let bad: Vec<IpNet> = bad.iter().map(|s| s.parse().unwrap()).collect();
        move |p: &Plan| {
            let nets: Vec<IpNet> = p
                .steps
                .iter()
                .flat_map(|s| s.elems.iter().map(|e| e.target.net))
                .collect();
            if nets.iter().any(|n| bad.contains(n)) {
                return Err(FirewallError::new(
                    FirewallErrorKind::Refused,
                    "Invalid argument",
                ));
            }
            Ok(())
        }
    }

    #[test]
    fn one_refused_element_is_named_and_the_others_go_in() {
        let ops: Vec<FirewallOp> = (1..=9).map(|i| add(&format!("203.0.113.{i}/32"))).collect();
        let mut sent = Vec::new();
        let mut k = kernel(&["203.0.113.6/32"]);
        let rejected = apply_isolating(&ops, false, &mut |p: &Plan| {
            let r = k(p);
            if r.is_ok() {
                sent.extend(
                    p.steps
                        .iter()
                        .flat_map(|s| s.elems.iter().map(|e| e.target.net)),
                );
            }
            r
        })
        .unwrap();
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].op, add("203.0.113.6/32"));
        assert_eq!(sent.len(), 8, "{sent:?}");
    }

    #[test]
    fn a_network_no_set_holds_never_reaches_the_kernel() {
        let mut calls = 0;
        let rejected = apply_isolating(&[add("::ffff:0:0/96")], false, &mut |_| {
            calls += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(calls, 0);
        assert_eq!(rejected.len(), 1);
    }

    #[test]
    fn trouble_with_the_whole_batch_is_not_split() {
        let mut calls = 0;
        let err = apply_isolating(
            &[add("203.0.113.1/32"), add("203.0.113.2/32")],
            false,
            &mut |_| {
                calls += 1;
                Err(FirewallError::new(FirewallErrorKind::TableMissing, "gone"))
            },
        )
        .unwrap_err();
        assert_eq!(err.kind, FirewallErrorKind::TableMissing);
        assert_eq!(calls, 1);
    }
}
