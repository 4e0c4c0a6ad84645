//! `enumeration`: one source trying many account names that do not exist.

use std::collections::HashMap;
use std::net::IpAddr;

use super::{Facts, Trigger, reached, window_ms};
use crate::decision::RuleId;
use crate::engine::source_state::SourceState;
use crate::engine::windows::{WindowDistinct, hash32};
use crate::intake::EventKind;

/// Distinct things remembered per window beyond any threshold: enough to tell "more than".
pub(in crate::engine) const DISTINCT_CAP: usize = 64;

/// Counts each new unknown AccountID (InvalidAccountID) of the source within the window.
pub(in crate::engine) fn evaluate(
    facts: &Facts,
    st: &mut SourceState,
    enumerating: &mut HashMap<IpAddr, WindowDistinct>,
) -> Option<Trigger> {
    if facts.ev.kind != EventKind::InvalidAccountId {
        return None;
    }
    let account = facts.account?;
    let w = window_ms(facts.cfg.rules.enumeration.window);
    let tried = enumerating.entry(facts.ip).or_default();
    let before = tried.current(facts.now, w);
    let n = tried.add(hash32(account.as_bytes()), facts.now, w, DISTINCT_CAP);
    if n > before {
        reached(facts, RuleId::Enumeration, n as u32, &mut st.risk)
    } else {
        None
    }
}
