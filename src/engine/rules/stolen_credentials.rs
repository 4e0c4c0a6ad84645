//! `stolen_credentials`: a correct login from a source that just failed against other
//! accounts, the sign of a guessed or leaked password.

use super::{Facts, Findings, Trigger, is_failure, window_ms};
use crate::config::StolenCredentialAction;
use crate::decision::RuleId;
use crate::engine::source_state::SourceState;
use crate::engine::windows::hash32;
use crate::intake::EventKind;
use crate::util::escape::for_log;

/// Remembers which account each failure of the source was against; on a login, raises an alert
/// (and, with `action = ban`, a ban) when the source failed against another account within the
/// window.
pub(in crate::engine) fn evaluate(
    facts: &Facts,
    st: &mut SourceState,
    findings: &mut Findings,
) -> Option<Trigger> {
    let account = facts.account?;
    let cfg = facts.cfg;
    let w = window_ms(cfg.rules.stolen_credentials.window);
    let h = hash32(account.as_bytes());
    if is_failure(facts.ev.kind) {
        st.failed_accounts.add(h, facts.now, w);
        return None;
    }
    if facts.ev.kind != EventKind::SuccessfulAuth
        || !cfg.rules.stolen_credentials.enabled
        || !st.failed_accounts.contains_other_than(h, facts.now, w)
    {
        return None;
    }
    st.risk.add(
        RuleId::StolenCredentials,
        100.0,
        facts.now,
        cfg.general.risk_half_life,
    );
    let message = format!(
        "successful login as \"{}\" from {}, which just failed against other accounts",
        for_log(account),
        facts.ip
    );
    let trigger =
        (cfg.rules.stolen_credentials_action == StolenCredentialAction::Ban).then(|| Trigger {
            rule: RuleId::StolenCredentials,
            reason: format!("stolen_credentials: {message}"),
        });
    findings.alerts.push((RuleId::StolenCredentials, message));
    trigger
}
