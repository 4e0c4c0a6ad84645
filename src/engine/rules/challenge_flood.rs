//! `challenge_flood`: challenges sent to a source that never answers them correctly, the
//! flood fail2ban never sees (it raises no failure).

use super::{Facts, Trigger, reached, window_ms};
use crate::decision::RuleId;
use crate::engine::source_state::SourceState;
use crate::intake::EventKind;

/// Counts ChallengeSent; a successful login from the source starts the count again.
pub(in crate::engine) fn evaluate(facts: &Facts, st: &mut SourceState) -> Option<Trigger> {
    match facts.ev.kind {
        EventKind::ChallengeSent => {
            let n = st
                .flood
                .add(facts.now, window_ms(facts.cfg.rules.challenge_flood.window));
            reached(facts, RuleId::ChallengeFlood, n, &mut st.risk)
        }
        EventKind::SuccessfulAuth => {
            st.flood.reset();
            None
        }
        _ => None,
    }
}
