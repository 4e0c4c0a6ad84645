//! `challenge_flood`: challenges sent to a source that never answers them correctly, the
//! flood fail2ban never sees (it raises no failure).

use super::{Facts, Trigger, reached, window_ms};
use crate::decision::RuleId;
use crate::engine::source_state::SourceState;
use crate::intake::EventKind;
use crate::util::time::secs;

/// Counts ChallengeSent; a successful login from the source starts the count again and takes
/// back the risk the answered challenges added. Every authenticated call or registration
/// starts with a challenge: a phone that places calls must not look like a flood, so a source
/// that logged in within the window counts challenges towards the ban threshold without
/// gaining risk from them.
pub(in crate::engine) fn evaluate(facts: &Facts, st: &mut SourceState) -> Option<Trigger> {
    let window = window_ms(facts.cfg.rules.challenge_flood.window);
    match facts.ev.kind {
        EventKind::ChallengeSent => {
            let n = st.flood.add(facts.now, window);
            let recently_in = st.last_auth != 0
                && crate::util::time::Millis::from(secs(facts.now).saturating_sub(st.last_auth))
                    * 1000
                    < window;
            if recently_in {
                let mut ignored = st.risk;
                reached(facts, RuleId::ChallengeFlood, n, &mut ignored)
            } else {
                reached(facts, RuleId::ChallengeFlood, n, &mut st.risk)
            }
        }
        EventKind::SuccessfulAuth => {
            st.flood.reset();
            // (The engine has noted the login in `last_auth` before the rules run.)
            st.risk.forget(RuleId::ChallengeFlood);
            None
        }
        _ => None,
    }
}
