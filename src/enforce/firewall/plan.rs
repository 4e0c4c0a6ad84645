//! Turns a batch of ops into element operations per set, so that one transaction never fails
//! on "already there" or "not there".
//!
//! - The last op on a network in a batch wins (Add then Remove = removed).
//! - Remove = add (no timeout) then delete: the add makes the delete safe when the element is
//!   absent (a plain delete of an absent element fails with ENOENT and aborts the batch), and it
//!   works on kernels without NFT_MSG_DESTROYSETELEM (before 6.3).
//! - Add on Linux ≥ 6.12 updates the timeout of an existing element in place; before that the
//!   old timeout would stay, so in `Readd` mode an Add is add, delete, add.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use super::layout::{SetSpec, Target, target};
use super::{FirewallOp, RefreshMode, Rejected};

/// Ten years: far beyond any ban the engine gives, far below the kernel's limit.
pub(crate) const MAX_TIMEOUT_MS: u64 = 10 * 365 * 24 * 3600 * 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Elem {
    pub(crate) target: Target,
    /// None = no timeout (permanent).
    pub(crate) timeout_ms: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    Add,
    Delete,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) set: SetSpec,
    pub(crate) action: Action,
    pub(crate) elems: Vec<Elem>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) steps: Vec<Step>,
}

impl Plan {
    pub(crate) fn sets(&self) -> BTreeSet<SetSpec> {
        self.steps.iter().map(|s| s.set).collect()
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

pub(crate) fn timeout_ms(timeout: Option<Duration>) -> Option<u64> {
    // Rounded up: a ban never ends before it was asked to; 0 becomes the 1 ms minimum.
    timeout.map(|d| {
        let ms = d.as_nanos().div_ceil(1_000_000);
        u64::try_from(ms)
            .unwrap_or(u64::MAX)
            .clamp(1, MAX_TIMEOUT_MS)
    })
}

/// Whether the running kernel updates the timeout of a re-added element (Linux ≥ 6.12).
pub(crate) fn readd_needed(mode: RefreshMode) -> bool {
    match mode {
        RefreshMode::InPlace => false,
        RefreshMode::Readd => true,
        RefreshMode::Auto => !kernel_at_least(&kernel_release(), (6, 12)),
    }
}

fn kernel_release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default()
}

/// "6.18.44-fc-v445" ≥ (6, 12)? Unreadable versions count as old: re-adding is always correct.
fn kernel_at_least(release: &str, want: (u32, u32)) -> bool {
    let mut parts = release
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>());
    match (parts.next(), parts.next()) {
        (Some(Ok(major)), Some(Ok(minor))) => (major, minor) >= want,
        _ => false,
    }
}

/// The element operations for `ops`. An op whose network no set can hold (a /0) is not
/// planned: it comes back in the second list with the reason, and the others go ahead.
pub(crate) fn plan(ops: &[FirewallOp], readd: bool) -> (Plan, Vec<Rejected>) {
    // The final op per target, in first-seen order (deterministic batches).
    let mut order: Vec<(Target, Option<Option<u64>>)> = Vec::with_capacity(ops.len());
    let mut index: HashMap<Target, usize> = HashMap::with_capacity(ops.len());
    let mut rejected = Vec::new();
    for op in ops {
        let (net, fin) = match op {
            FirewallOp::Add { net, timeout } => (net, Some(timeout_ms(*timeout))),
            FirewallOp::Remove { net } => (net, None),
        };
        let t = match target(*net) {
            Ok(t) => t,
            Err(error) => {
                rejected.push(Rejected {
                    op: op.clone(),
                    error,
                });
                continue;
            }
        };
        match index.get(&t) {
            Some(&i) => order[i].1 = fin,
            None => {
                index.insert(t, order.len());
                order.push((t, fin));
            }
        }
    }

    let mut make_present: BTreeMap<SetSpec, Vec<Elem>> = BTreeMap::new();
    let mut adds: BTreeMap<SetSpec, Vec<Elem>> = BTreeMap::new();
    for (t, fin) in order {
        match fin {
            None => make_present.entry(t.set).or_default().push(Elem {
                target: t,
                timeout_ms: None,
            }),
            Some(timeout_ms) => {
                if readd {
                    make_present.entry(t.set).or_default().push(Elem {
                        target: t,
                        timeout_ms: None,
                    });
                }
                adds.entry(t.set).or_default().push(Elem {
                    target: t,
                    timeout_ms,
                });
            }
        }
    }

    let mut steps = Vec::new();
    for (set, elems) in &make_present {
        steps.push(Step {
            set: *set,
            action: Action::Add,
            elems: elems.clone(),
        });
    }
    for (set, elems) in make_present {
        steps.push(Step {
            set,
            action: Action::Delete,
            elems,
        });
    }
    for (set, elems) in adds {
        steps.push(Step {
            set,
            action: Action::Add,
            elems,
        });
    }
    (Plan { steps }, rejected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(s: &str, secs: Option<u64>) -> FirewallOp {
        FirewallOp::Add {
            net: s.parse().unwrap(),
            timeout: secs.map(Duration::from_secs),
        }
    }
    fn remove(s: &str) -> FirewallOp {
        FirewallOp::Remove {
            net: s.parse().unwrap(),
        }
    }
    fn summary(p: &Plan) -> Vec<String> {
        p.steps
            .iter()
            .map(|s| {
                let elems: Vec<String> = s
                    .elems
                    .iter()
                    .map(|e| match e.timeout_ms {
                        Some(ms) => format!("{} {ms}ms", e.target.net),
                        None => e.target.net.to_string(),
                    })
                    .collect();
                format!("{:?} {} [{}]", s.action, s.set.name(), elems.join(", "))
            })
            .collect()
    }

    #[test]
    fn adds_are_grouped_per_set() {
        let p = plan(
            &[
                add("10.0.0.1/32", Some(60)),
                add("2001:db8::/64", None),
                add("10.0.0.2/32", None),
            ],
            false,
        )
        .0;
        assert_eq!(
            summary(&p),
            vec![
                "Add v4 [10.0.0.1/32 60000ms, 10.0.0.2/32]",
                "Add v6_64 [2001:db8::/64]",
            ]
        );
    }

    #[test]
    fn remove_is_add_then_delete() {
        let p = plan(&[remove("10.0.0.1/32")], false).0;
        assert_eq!(
            summary(&p),
            vec!["Add v4 [10.0.0.1/32]", "Delete v4 [10.0.0.1/32]"]
        );
    }

    #[test]
    fn last_op_on_a_target_wins() {
        let p = plan(
            &[
                add("10.0.0.1/32", Some(5)),
                remove("::ffff:10.0.0.1/128"),
                add("10.0.0.9/24", Some(1)),
            ],
            false,
        )
        .0;
        assert_eq!(
            summary(&p),
            vec![
                "Add v4 [10.0.0.1/32]",
                "Delete v4 [10.0.0.1/32]",
                "Add v4_24 [10.0.0.0/24 1000ms]"
            ]
        );
        let p = plan(&[remove("10.0.0.1/32"), add("10.0.0.1/32", Some(5))], false).0;
        assert_eq!(summary(&p), vec!["Add v4 [10.0.0.1/32 5000ms]"]);
    }

    #[test]
    fn readd_mode_refreshes_by_delete_and_add() {
        let p = plan(&[add("10.0.0.1/32", Some(5))], true).0;
        assert_eq!(
            summary(&p),
            vec![
                "Add v4 [10.0.0.1/32]",
                "Delete v4 [10.0.0.1/32]",
                "Add v4 [10.0.0.1/32 5000ms]"
            ]
        );
    }

    #[test]
    fn timeouts_round_up_and_are_capped() {
        assert_eq!(timeout_ms(None), None);
        assert_eq!(timeout_ms(Some(Duration::ZERO)), Some(1));
        assert_eq!(timeout_ms(Some(Duration::from_micros(1500))), Some(2));
        assert_eq!(timeout_ms(Some(Duration::MAX)), Some(MAX_TIMEOUT_MS));
    }

    #[test]
    fn kernel_versions() {
        assert!(kernel_at_least("6.18.44-fc-v445", (6, 12)));
        assert!(kernel_at_least("6.12.0", (6, 12)));
        assert!(!kernel_at_least("6.11.9-amd64", (6, 12)));
        assert!(!kernel_at_least("6.1.0-28-amd64\n", (6, 12)));
        assert!(kernel_at_least("7.0.0", (6, 12)));
        assert!(!kernel_at_least("garbage", (6, 12)));
    }

    #[test]
    fn a_zero_prefix_is_rejected_by_name_and_the_rest_is_planned() {
        let (p, rejected) = plan(
            &[
                add("10.0.0.1/32", None),
                add("::ffff:0:0/96", None),
                add("10.0.0.2/32", None),
            ],
            false,
        );
        assert_eq!(summary(&p), vec!["Add v4 [10.0.0.1/32, 10.0.0.2/32]"]);
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].op, add("::ffff:0:0/96", None));
        assert!(
            rejected[0].error.message.contains("0.0.0.0/0"),
            "{}",
            rejected[0].error
        );
    }
}
