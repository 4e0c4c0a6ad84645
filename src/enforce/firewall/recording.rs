//! An in-memory firewall for other components' tests: records every batch, keeps the
//! resulting elements, and fails on demand.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ipnet::IpNet;

use super::isolate;
use super::layout::target;
use super::plan::{Action, Plan};
use super::{Firewall, FirewallError, FirewallErrorKind, FirewallOp, Rejected};
use crate::util::lock::LockExt;

/// What a [`RecordingFirewall`] saw and holds. Clones of one recorder share it.
#[derive(Clone, Debug, Default)]
pub struct RecordingState {
    /// Every successful `apply`, in order.
    pub batches: Vec<Vec<FirewallOp>>,
    /// The elements as the kernel would hold them (normalized: host bits cleared, IPv4-mapped
    /// IPv6 as IPv4), with the timeout of their last Add. Nothing expires here.
    pub elements: BTreeMap<IpNet, Option<Duration>>,
    pub ensure_calls: usize,
    /// Whether the "table" exists; `break_table` clears it, `ensure` restores it.
    pub intact: bool,
    /// Every call fails with this kind while set.
    pub fail_always: Option<FirewallErrorKind>,
    /// The next call (any method but `name`) fails with this kind, once.
    pub fail_next: Option<FirewallErrorKind>,
    /// Networks the "kernel" refuses as elements: a batch holding one fails with `Refused`,
    /// as a real transaction would, and the failing element is isolated.
    pub refuse: Vec<IpNet>,
    /// Every op rejected so far, with its reason, in order.
    pub rejected: Vec<Rejected>,
}

#[derive(Clone, Debug)]
pub struct RecordingFirewall {
    state: Arc<Mutex<RecordingState>>,
}

impl Default for RecordingFirewall {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordingFirewall {
    /// Starts intact (as if `ensure` had run).
    pub fn new() -> Self {
        RecordingFirewall {
            state: Arc::new(Mutex::new(RecordingState {
                intact: true,
                ..RecordingState::default()
            })),
        }
    }

    /// A view of the state (a test helper may also change it through the guard).
    pub fn state(&self) -> MutexGuard<'_, RecordingState> {
        // A panicking test thread must not hide the state from the others.
        self.state.locked()
    }

    pub fn batches(&self) -> Vec<Vec<FirewallOp>> {
        self.state().batches.clone()
    }

    pub fn elements(&self) -> Vec<IpNet> {
        self.state().elements.keys().copied().collect()
    }

    /// Fail every call with `kind` until called again with None.
    pub fn fail_always(&self, kind: Option<FirewallErrorKind>) {
        self.state().fail_always = kind;
    }

    /// Fail the next call with `kind`.
    pub fn fail_next(&self, kind: FirewallErrorKind) {
        self.state().fail_next = Some(kind);
    }

    /// Someone deleted our table: elements are gone, `apply` and `list` fail with
    /// TableMissing and `is_intact` is false until `ensure`.
    pub fn break_table(&self) {
        let mut s = self.state();
        s.intact = false;
        s.elements.clear();
    }

    fn check(s: &mut RecordingState) -> Result<(), FirewallError> {
        if let Some(kind) = s.fail_next.take().or(s.fail_always) {
            return Err(FirewallError::new(kind, "failure injected by the test"));
        }
        Ok(())
    }

    fn check_table(s: &RecordingState) -> Result<(), FirewallError> {
        if s.intact {
            Ok(())
        } else {
            Err(FirewallError::new(
                FirewallErrorKind::TableMissing,
                "table deleted (simulated)",
            ))
        }
    }
}

impl Firewall for RecordingFirewall {
    fn name(&self) -> &'static str {
        "recording"
    }

    fn ensure(&mut self) -> Result<(), FirewallError> {
        let mut s = self.state();
        Self::check(&mut s)?;
        s.ensure_calls += 1;
        s.intact = true;
        Ok(())
    }

    /// Each batch all or nothing, like the kernel's transaction; ops that cannot be applied
    /// are isolated and rejected as the real backends do.
    fn apply(&mut self, ops: &[FirewallOp]) -> Result<Vec<Rejected>, FirewallError> {
        let mut s = self.state();
        Self::check(&mut s)?;
        Self::check_table(&s)?;
        let state = &mut *s;
        let rejected = isolate::apply_isolating(ops, false, &mut |plan: &Plan| {
            let mut batch = Vec::new();
            let mut elements = state.elements.clone();
            for step in &plan.steps {
                for e in &step.elems {
                    if state.refuse.contains(&e.target.net) {
                        return Err(FirewallError::new(
                            FirewallErrorKind::Refused,
                            format!("{} refused (simulated)", e.target.net),
                        ));
                    }
                    match step.action {
                        Action::Add => {
                            let timeout = e.timeout_ms.map(Duration::from_millis);
                            elements.insert(e.target.net, timeout);
                        }
                        Action::Delete => {
                            elements.remove(&e.target.net);
                        }
                    }
                }
            }
            // The ops as the caller sent them, for tests that look at batches.
            for op in ops {
                let net = match op {
                    FirewallOp::Add { net, .. } | FirewallOp::Remove { net } => *net,
                };
                if let Ok(t) = target(net)
                    && plan
                        .steps
                        .iter()
                        .any(|s| s.elems.iter().any(|e| e.target == t))
                {
                    batch.push(op.clone());
                }
            }
            state.elements = elements;
            state.batches.push(batch);
            Ok(())
        })?;
        s.rejected.extend(rejected.iter().cloned());
        Ok(rejected)
    }

    fn list(&mut self) -> Result<Vec<IpNet>, FirewallError> {
        let mut s = self.state();
        Self::check(&mut s)?;
        Self::check_table(&s)?;
        Ok(s.elements.keys().copied().collect())
    }

    fn is_intact(&mut self) -> Result<bool, FirewallError> {
        let mut s = self.state();
        Self::check(&mut s)?;
        Ok(s.intact)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(s: &str) -> FirewallOp {
        FirewallOp::Add {
            net: s.parse().unwrap(),
            timeout: None,
        }
    }

    #[test]
    fn records_and_fails_on_demand() {
        let rec = RecordingFirewall::new();
        let mut fw: Box<dyn Firewall> = Box::new(rec.clone());
        fw.apply(&[add("::ffff:10.0.0.1/128"), add("10.0.1.7/24")])
            .unwrap();
        assert_eq!(rec.elements().len(), 2);
        assert_eq!(rec.elements()[0].to_string(), "10.0.0.1/32");

        rec.fail_next(FirewallErrorKind::PermissionDenied);
        let err = fw.apply(&[add("10.0.0.2/32")]).unwrap_err();
        assert_eq!(err.kind, FirewallErrorKind::PermissionDenied);
        fw.apply(&[add("10.0.0.2/32")]).unwrap();
        assert_eq!(rec.batches().len(), 2);

        rec.break_table();
        assert!(!fw.is_intact().unwrap());
        assert_eq!(fw.list().unwrap_err().kind, FirewallErrorKind::TableMissing);
        fw.ensure().unwrap();
        assert!(fw.is_intact().unwrap());
        assert!(fw.list().unwrap().is_empty());

        rec.fail_always(Some(FirewallErrorKind::Unavailable));
        assert!(fw.ensure().is_err() && fw.ensure().is_err());
        rec.fail_always(None);
        assert!(fw.ensure().is_ok());
    }

    #[test]
    fn a_bad_op_is_rejected_by_name_and_the_others_are_applied() {
        let rec = RecordingFirewall::new();
        let mut fw = rec.clone();
        rec.state().refuse.push("10.0.0.3/32".parse().unwrap());
        let rejected = fw
            .apply(&[
                add("10.0.0.1/32"),
                add("0.0.0.0/0"),
                add("10.0.0.3/32"),
                add("10.0.0.4/32"),
            ])
            .unwrap();
        let names: Vec<String> = rejected
            .iter()
            .map(|r| match &r.op {
                FirewallOp::Add { net, .. } | FirewallOp::Remove { net } => net.to_string(),
            })
            .collect();
        assert_eq!(names, vec!["0.0.0.0/0", "10.0.0.3/32"]);
        let kept: Vec<String> = rec.elements().iter().map(|n| n.to_string()).collect();
        assert_eq!(kept, vec!["10.0.0.1/32", "10.0.0.4/32"]);
    }
}
