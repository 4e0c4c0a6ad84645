//! `enumeration`: one source trying many account names that do not exist.

use std::collections::HashMap;
use std::net::IpAddr;

use super::{Facts, Trigger, reached, threshold, window_ms};
use crate::decision::RuleId;
use crate::engine::source_state::SourceState;
use crate::engine::windows::{WindowDistinct, hash32};
use crate::intake::EventKind;

/// Counts each new unknown AccountID (InvalidAccountID) of the source within the window.
/// Names are remembered (as 4-byte hashes) up to the threshold in effect, so every threshold
/// config accepts fires (`[enumeration] threshold` is at most 256, times the registered
/// factor); once it is reached more need not be kept.
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
    let cap = threshold(facts, RuleId::Enumeration) as usize;
    let tried = enumerating.entry(facts.key).or_default();
    let before = tried.current(facts.now, w);
    let n = tried.add(hash32(account.as_bytes()), facts.now, w, cap);
    if n > before {
        reached(facts, RuleId::Enumeration, n as u32, &mut st.risk)
    } else {
        None
    }
}
