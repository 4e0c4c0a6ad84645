//! Authentication failures of one source: `brute_force` (SIP and every non-AMI service) or
//! `ami` (manager logins) within a short window, and `slow_attack` over a long one.

use super::{Facts, Trigger, is_failure, reached, window_ms};
use crate::decision::RuleId;
use crate::engine::source_state::SourceState;

/// One more failure for `brute_force`, or for `ami` when the service is the manager.
pub(in crate::engine) fn brute_force_or_ami(
    facts: &Facts,
    st: &mut SourceState,
) -> Option<Trigger> {
    if !is_failure(facts.ev.kind) {
        return None;
    }
    let (rule, counter) = if facts.ev.service.eq_ignore_ascii_case("AMI") {
        (RuleId::Ami, &mut st.ami)
    } else {
        (RuleId::BruteForce, &mut st.brute)
    };
    let n = counter.add(facts.now, window_ms(facts.cfg.rules.of(rule).window));
    reached(facts, rule, n, &mut st.risk)
}

/// One more failure for `slow_attack`, whatever the service.
pub(in crate::engine) fn slow_attack(facts: &Facts, st: &mut SourceState) -> Option<Trigger> {
    if !is_failure(facts.ev.kind) {
        return None;
    }
    let n = st
        .slow
        .add(facts.now, window_ms(facts.cfg.rules.slow_attack.window));
    reached(facts, RuleId::SlowAttack, n, &mut st.risk)
}
