//! IAX2, where chan_iax2 runs: users that take calls without a password or with a weak
//! secret, and call tokens switched off (which makes the server an amplifier and lets floods
//! through).

use super::Findings;
use crate::audit::finding::Finding;
use crate::audit::snapshot::Snapshot;
use crate::decision::{AuditCheck, Severity};
use crate::util::escape::for_log;

pub(super) fn check(s: &Snapshot, out: &mut Findings) {
    if !s.running("chan_iax2") {
        return;
    }
    let Some(iax) = &s.iax else {
        out.not_checked("IAX2: chan_iax2 runs but iax.conf could not be read");
        return;
    };
    let min = out.config().min_password_length;
    for u in iax.users.iter().filter(|u| u.takes_calls()) {
        match &u.secret {
            None if !u.other_auth => out.add(Finding::new(
                AuditCheck::IaxWeakSecret,
                Severity::Critical,
                u.lines.section_place(),
                format!(
                    "IAX2 {} '{}' has no secret: anyone can call in as it, into context '{}'",
                    u.kind,
                    for_log(&u.name),
                    for_log(&u.context)
                ),
                format!("give it a random secret of at least {min} characters (and auth = md5), or remove it"),
            )),
            Some(v) if v.is_weak() => out.add(Finding::new(
                AuditCheck::IaxWeakSecret,
                v.severity().unwrap_or(Severity::Warning),
                u.lines.place("secret"),
                format!("the secret of IAX2 {} '{}' {}", u.kind, for_log(&u.name), v.describe(min)),
                format!("use a random secret of at least {min} characters"),
            )),
            _ => {}
        }
        if let Some(token) = &u.requirecalltoken
            && matches!(token.trim().to_ascii_lowercase().as_str(), "no" | "auto")
        {
            out.add(Finding::new(
                AuditCheck::IaxCalltoken,
                Severity::Warning,
                u.lines.place("requirecalltoken"),
                format!(
                    "IAX2 {} '{}' does not require call tokens (requirecalltoken = {})",
                    u.kind,
                    for_log(&u.name),
                    for_log(token)
                ),
                "remove requirecalltoken (call tokens are then required)",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{findings_of, hardened, weak};
    use crate::decision::{AuditCheck, Severity};

    #[test]
    fn a_user_without_secret_and_one_with_its_name_as_secret_are_critical() {
        let found = findings_of(&weak(), AuditCheck::IaxWeakSecret);
        let got: Vec<(&str, Severity)> = found
            .iter()
            .map(|f| (f.place.section.as_str(), f.severity))
            .collect();
        assert_eq!(
            got,
            [
                ("guest", Severity::Critical),
                ("iaxpeer", Severity::Critical)
            ]
        );
        assert!(findings_of(&hardened(), AuditCheck::IaxWeakSecret).is_empty());
    }

    #[test]
    fn call_tokens_switched_off_are_reported() {
        let found = findings_of(&weak(), AuditCheck::IaxCalltoken);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].place.section, "iaxpeer");
        assert!(findings_of(&hardened(), AuditCheck::IaxCalltoken).is_empty());
    }
}
