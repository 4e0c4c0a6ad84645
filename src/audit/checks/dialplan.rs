//! The dialplan: a non-empty `[default]` context, international and premium patterns that
//! remote endpoints reach with no `SECAST_CALLCHECK` before the `Dial`, and guests dialling
//! an unfiltered `${EXTEN}`.

use std::collections::BTreeSet;

use super::{Findings, some_names};
use crate::audit::dialplan_paths::{
    INTERNATIONAL, PREMIUM, call_checked_before, can_dial_out, can_match_prefix, dials_out,
    dials_raw_exten, open_ended, reachable,
};
use crate::audit::finding::{Finding, Place};
use crate::audit::snapshot::Snapshot;
use crate::audit::snapshot::dialplan::{Context, Extension, Priority};
use crate::decision::{AuditCheck, Severity};
use crate::util::escape::for_log;

fn place(ctx: &Context, ext: &Extension, p: &Priority) -> Place {
    let file = if p.file.is_empty() {
        "extensions.conf"
    } else {
        &p.file
    };
    Place::new(file, &ctx.name)
        .key(&format!("exten => {}", ext.name))
        .line(Some(p.line))
}

/// Contexts calls enter from outside, and who enters there: (context, [who]).
fn entries(s: &Snapshot, guests_only: bool) -> Vec<(String, Vec<String>)> {
    let mut by_context: Vec<(String, Vec<String>)> = Vec::new();
    let mut add = |context: &str, who: String| match by_context
        .iter_mut()
        .find(|(c, _)| c.eq_ignore_ascii_case(context))
    {
        Some((_, list)) => list.push(who),
        None => by_context.push((context.to_owned(), vec![who])),
    };
    if let Some(p) = &s.pjsip {
        for e in &p.endpoints {
            let guest = e.is_anonymous() || (e.auth.is_empty() && e.identified_by_name());
            if !guests_only || guest {
                add(&e.context, format!("PJSIP {}", e.id));
            }
        }
    }
    if let Some(iax) = &s.iax {
        for u in iax.users.iter().filter(|u| u.takes_calls()) {
            let guest = u.secret.is_none() && !u.other_auth;
            if !guests_only || guest {
                add(&u.context, format!("IAX2 {}", u.name));
            }
        }
    }
    by_context
}

pub(super) fn check(s: &Snapshot, out: &mut Findings) {
    let Some(dp) = &s.dialplan else {
        out.not_checked("dialplan: no dialplan was loaded");
        return;
    };
    if dp.truncated {
        out.not_checked("dialplan: larger than the audit copies; only part was checked");
    }

    if let Some(default) = dp.context("default")
        && let Some(first) = default
            .extensions
            .first()
            .and_then(|e| e.priorities.first().map(|p| (e, p)))
    {
        let dials = can_dial_out(dp, "default");
        out.add(Finding::new(
            AuditCheck::DialplanDefaultContext,
            if dials {
                Severity::Critical
            } else {
                Severity::Warning
            },
            place(default, first.0, first.1),
            format!(
                "context [default] has {} extension(s){}; calls that match no other context land there",
                default.extensions.len(),
                if dials { " and can dial out" } else { "" }
            ),
            "leave [default] empty (or only hang up) and give every endpoint and user a context of its own",
        ));
    }

    if out.runs(AuditCheck::DialplanInternational) {
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        for (start, who) in entries(s, false) {
            for ctx in reachable(dp, &start) {
                for ext in &ctx.extensions {
                    let prefix = INTERNATIONAL
                        .iter()
                        .map(|p| ("international", *p))
                        .chain(PREMIUM.iter().map(|p| ("premium-rate", *p)))
                        .find(|(_, p)| can_match_prefix(&ext.name, p));
                    let Some((kind, prefix)) = prefix else {
                        continue;
                    };
                    let Some(dial) = ext
                        .priorities
                        .iter()
                        .find(|p| dials_out(p) && !call_checked_before(ext, p))
                    else {
                        continue;
                    };
                    if !seen.insert((ctx.name.clone(), ext.name.clone())) {
                        continue;
                    }
                    out.add(Finding::new(
                        AuditCheck::DialplanInternational,
                        Severity::Critical,
                        place(ctx, ext, dial),
                        format!(
                            "extension {} in context '{}' dials {kind} numbers ({prefix}…) for {} with no SECAST_CALLCHECK before the Dial",
                            for_log(&ext.name),
                            for_log(&ctx.name),
                            some_names(who.iter().map(String::as_str)),
                        ),
                        "consult ${SECAST_CALLCHECK(${EXTEN})} before the Dial and stop the call when it refuses, or keep the pattern out of contexts remote users reach",
                    ));
                }
            }
        }
    }

    if out.runs(AuditCheck::DialplanGuestExten) {
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        for (start, who) in entries(s, true) {
            for ctx in reachable(dp, &start) {
                for ext in ctx.extensions.iter().filter(|e| open_ended(&e.name)) {
                    let Some(dial) = ext.priorities.iter().find(|p| dials_raw_exten(p)) else {
                        continue;
                    };
                    if !seen.insert((ctx.name.clone(), ext.name.clone())) {
                        continue;
                    }
                    out.add(Finding::new(
                        AuditCheck::DialplanGuestExten,
                        Severity::Critical,
                        place(ctx, ext, dial),
                        format!(
                            "guests ({}) reach extension {} in context '{}', which dials whatever number they send (${{EXTEN}} unfiltered)",
                            some_names(who.iter().map(String::as_str)),
                            for_log(&ext.name),
                            for_log(&ctx.name),
                        ),
                        "keep guests out of this context, and dial ${FILTER(0-9,${EXTEN})} from patterns that match only the numbers you allow",
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{findings_of, hardened, weak};
    use crate::decision::{AuditCheck, Severity};

    #[test]
    fn a_default_context_with_extensions_is_reported() {
        let found = findings_of(&weak(), AuditCheck::DialplanDefaultContext);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].place.section, "default");
        assert!(findings_of(&hardened(), AuditCheck::DialplanDefaultContext).is_empty());
    }

    #[test]
    fn unguarded_international_patterns_reached_by_endpoints_are_critical() {
        let found = findings_of(&weak(), AuditCheck::DialplanInternational);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].place.section, "outbound");
        assert_eq!(found[0].place.key.as_deref(), Some("exten => _00X."));
        assert_eq!(found[0].severity, Severity::Critical);
        // The guarded _011. pattern and the hardened plan pass.
        assert!(findings_of(&hardened(), AuditCheck::DialplanInternational).is_empty());
    }

    #[test]
    fn guests_dialling_an_unfiltered_exten_are_critical() {
        let found = findings_of(&weak(), AuditCheck::DialplanGuestExten);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].place.section, "outbound");
        assert!(
            found[0].problem.contains("PJSIP carrier"),
            "{}",
            found[0].problem
        );
        assert!(findings_of(&hardened(), AuditCheck::DialplanGuestExten).is_empty());
    }
}
