//! PJSIP: guest (anonymous) calls, endpoints anyone can use by name, weak auth passwords,
//! transports open to everyone without ACLs, OPTIONS without authentication.

use super::{Findings, some_names};
use crate::audit::dialplan_paths::can_dial_out;
use crate::audit::exposure::Bind;
use crate::audit::finding::Finding;
use crate::audit::snapshot::Snapshot;
use crate::decision::{AuditCheck, Severity};
use crate::util::escape::for_log;

const ANONYMOUS_MODULE: &str = "res_pjsip_endpoint_identifier_anonymous";

pub(super) fn check(s: &Snapshot, out: &mut Findings) {
    let Some(p) = &s.pjsip else {
        out.not_checked("PJSIP: res_pjsip is not running");
        return;
    };
    let dials_out = |context: &str| {
        s.dialplan
            .as_ref()
            .is_none_or(|dp| can_dial_out(dp, context))
    };
    let anonymous_identifier = s.running(ANONYMOUS_MODULE);

    // Guest calls.
    let anonymous: Vec<_> = p.endpoints.iter().filter(|e| e.is_anonymous()).collect();
    for e in &anonymous {
        let (severity, problem) = if anonymous_identifier {
            (
                Severity::Critical,
                format!(
                    "endpoint '{}' takes every call from an unknown caller, without a password, into context '{}'{}",
                    for_log(&e.id),
                    for_log(&e.context),
                    if dials_out(&e.context) {
                        ", which can dial out"
                    } else {
                        ""
                    }
                ),
            )
        } else {
            (
                Severity::Info,
                format!(
                    "endpoint '{}' would take guest calls if {ANONYMOUS_MODULE} were loaded",
                    for_log(&e.id)
                ),
            )
        };
        out.add(Finding::new(
            AuditCheck::PjsipAnonymous,
            severity,
            e.lines.section_place(),
            problem,
            format!(
                "remove the endpoint (or give it a context that only hangs up), and add `noload = {ANONYMOUS_MODULE}.so` to modules.conf"
            ),
        ));
    }
    if anonymous_identifier {
        let listed = p.identifier_order.iter().any(|i| i == "anonymous");
        let (severity, problem) = if anonymous.is_empty() {
            (
                Severity::Info,
                "the anonymous identifier is loaded: an endpoint named 'anonymous' would take every unknown caller".to_owned(),
            )
        } else {
            (
                Severity::Warning,
                format!(
                    "unknown callers are let in as 'anonymous' ({}); leaving it out of endpoint_identifier_order does not stop that",
                    if listed {
                        "it is listed"
                    } else {
                        "Asterisk appends it to the order"
                    }
                ),
            )
        };
        out.add(Finding::new(
            AuditCheck::PjsipIdentifierOrder,
            severity,
            p.global_lines.place("endpoint_identifier_order"),
            problem,
            format!(
                "add `noload = {ANONYMOUS_MODULE}.so` to modules.conf unless guest calls are wanted"
            ),
        ));
    }

    // Endpoints without inbound auth that are found by name: anyone can be them.
    for e in p.endpoints.iter().filter(|e| !e.is_anonymous()) {
        if !e.auth.is_empty() || !e.identified_by_name() {
            continue;
        }
        let out_dial = dials_out(&e.context);
        out.add(Finding::new(
            AuditCheck::PjsipUnauthenticated,
            if out_dial {
                Severity::Critical
            } else {
                Severity::Warning
            },
            e.lines.place("auth"),
            format!(
                "endpoint '{}' has no inbound auth and is identified by user name: anyone who sends From: {} gets in from any address, into context '{}'{}",
                for_log(&e.id),
                for_log(&e.id),
                for_log(&e.context),
                if out_dial { ", which can dial out" } else { "" }
            ),
            "set identify_by = ip with a type=identify section matching the provider's addresses, or give the endpoint auth =",
        ));
    }

    // Weak passwords of auths phones log in with (provider credentials are not ours to judge).
    let min = out.config().min_password_length;
    for a in &p.auths {
        let Some(v) = &a.verdict else { continue };
        if !v.is_weak() || !(a.inbound || a.rejected) {
            continue;
        }
        let key = if v.from_hash { "md5_cred" } else { "password" };
        out.add(Finding::new(
            AuditCheck::PjsipWeakPassword,
            v.severity().unwrap_or(Severity::Warning),
            a.lines.place(key),
            format!(
                "the {} of auth '{}' {}{}",
                if v.from_hash { "md5 credential" } else { "password" },
                for_log(&a.id),
                v.describe(min),
                if a.rejected {
                    " (Asterisk refused to load this auth)"
                } else {
                    ""
                }
            ),
            format!(
                "use a random password of at least {min} characters that does not contain the user name or extension"
            ),
        ));
    }

    // Transports open to everyone while endpoints have no ACL.
    if p.global_acls.unwrap_or(0) == 0 {
        let open: Vec<&str> = p
            .endpoints
            .iter()
            .filter(|e| !e.has_acl && !e.is_anonymous())
            .map(|e| e.id.as_str())
            .collect();
        for t in p.transports.iter().filter(|t| !t.rejected) {
            if !Bind::parse(&t.bind).all_interfaces() || open.is_empty() {
                continue;
            }
            out.add(Finding::new(
                AuditCheck::PjsipOpenTransport,
                Severity::Warning,
                t.lines.place("bind"),
                format!(
                    "transport '{}' listens on all interfaces ({}) and {} endpoint(s) have no ACL: {}",
                    for_log(&t.id),
                    for_log(&t.bind),
                    open.len(),
                    some_names(open.iter().copied())
                ),
                "bind the transport to the interface phones use, or give the endpoints deny/permit (or acl =), or add a type = acl section",
            ));
        }
    }

    for e in p.endpoints.iter().filter(|e| e.unauthenticated_options) {
        out.add(Finding::new(
            AuditCheck::PjsipUnauthenticatedOptions,
            Severity::Warning,
            e.lines.place("allow_unauthenticated_options"),
            format!(
                "endpoint '{}' answers OPTIONS without authentication, which tells scanners it exists",
                for_log(&e.id)
            ),
            "remove allow_unauthenticated_options (the default is no)",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{findings_of, hardened, weak};
    use crate::decision::{AuditCheck, Severity};

    #[test]
    fn an_anonymous_endpoint_is_critical_while_the_identifier_runs() {
        let found = findings_of(&weak(), AuditCheck::PjsipAnonymous);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Critical);
        assert_eq!(found[0].place.section, "anonymous");
        assert!(findings_of(&hardened(), AuditCheck::PjsipAnonymous).is_empty());
    }

    #[test]
    fn the_anonymous_identifier_lets_unknown_callers_in() {
        let found = findings_of(&weak(), AuditCheck::PjsipIdentifierOrder);
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(
            found[0].place.key.as_deref(),
            Some("endpoint_identifier_order")
        );
        assert!(findings_of(&hardened(), AuditCheck::PjsipIdentifierOrder).is_empty());
    }

    #[test]
    fn an_endpoint_without_auth_found_by_name_is_critical_when_it_can_dial_out() {
        let found = findings_of(&weak(), AuditCheck::PjsipUnauthenticated);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].place.section, "carrier");
        assert_eq!(found[0].severity, Severity::Critical);
        assert!(findings_of(&hardened(), AuditCheck::PjsipUnauthenticated).is_empty());
    }

    #[test]
    fn weak_auth_passwords_name_the_rule_and_never_the_password() {
        let found = findings_of(&weak(), AuditCheck::PjsipWeakPassword);
        let sections: Vec<&str> = found.iter().map(|f| f.place.section.as_str()).collect();
        assert_eq!(sections, ["2001", "emptyauth"], "{found:?}");
        assert!(
            found[0]
                .problem
                .contains("equals the user name or extension")
        );
        assert!(found[1].problem.contains("is empty"));
        assert!(found[1].problem.contains("refused"));
        assert!(findings_of(&hardened(), AuditCheck::PjsipWeakPassword).is_empty());
    }

    #[test]
    fn a_transport_on_all_interfaces_with_endpoints_without_acl_is_reported() {
        let found = findings_of(&weak(), AuditCheck::PjsipOpenTransport);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].place.section, "transport-any");
        assert!(findings_of(&hardened(), AuditCheck::PjsipOpenTransport).is_empty());
    }

    #[test]
    fn options_without_authentication_are_reported() {
        let found = findings_of(&weak(), AuditCheck::PjsipUnauthenticatedOptions);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].place.section, "2001");
        assert!(findings_of(&hardened(), AuditCheck::PjsipUnauthenticatedOptions).is_empty());
    }
}
