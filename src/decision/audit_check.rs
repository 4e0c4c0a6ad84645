//! The configuration checks of `secast audit`, by name. Findings, the `[audit]` switches in
//! secast.conf and `ignore = CHECK:OBJECT` lines all name a check this way.

/// One check of the audit. The name is its `[audit]` key in secast.conf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AuditCheck {
    PjsipAnonymous,
    PjsipIdentifierOrder,
    PjsipUnauthenticated,
    PjsipWeakPassword,
    PjsipOpenTransport,
    PjsipUnauthenticatedOptions,
    TlsCertificate,
    DialplanDefaultContext,
    DialplanInternational,
    DialplanGuestExten,
    AmiAllInterfaces,
    AmiWeakSecret,
    AmiNoAcl,
    AmiPowerfulRemoteUser,
    AmiSecurityReader,
    IaxWeakSecret,
    IaxCalltoken,
    HttpPlain,
    AriWeakPassword,
    SecastGeoDatabase,
    SecastWhitelist,
    SecastFirewall,
    SecastCallGuard,
    SecastHandlers,
}

impl AuditCheck {
    pub const COUNT: usize = 24;

    pub const ALL: [AuditCheck; Self::COUNT] = [
        AuditCheck::PjsipAnonymous,
        AuditCheck::PjsipIdentifierOrder,
        AuditCheck::PjsipUnauthenticated,
        AuditCheck::PjsipWeakPassword,
        AuditCheck::PjsipOpenTransport,
        AuditCheck::PjsipUnauthenticatedOptions,
        AuditCheck::TlsCertificate,
        AuditCheck::DialplanDefaultContext,
        AuditCheck::DialplanInternational,
        AuditCheck::DialplanGuestExten,
        AuditCheck::AmiAllInterfaces,
        AuditCheck::AmiWeakSecret,
        AuditCheck::AmiNoAcl,
        AuditCheck::AmiPowerfulRemoteUser,
        AuditCheck::AmiSecurityReader,
        AuditCheck::IaxWeakSecret,
        AuditCheck::IaxCalltoken,
        AuditCheck::HttpPlain,
        AuditCheck::AriWeakPassword,
        AuditCheck::SecastGeoDatabase,
        AuditCheck::SecastWhitelist,
        AuditCheck::SecastFirewall,
        AuditCheck::SecastCallGuard,
        AuditCheck::SecastHandlers,
    ];

    /// The check's `[audit]` key, also its name in findings and `ignore` lines.
    pub const fn name(self) -> &'static str {
        match self {
            AuditCheck::PjsipAnonymous => "pjsip_anonymous",
            AuditCheck::PjsipIdentifierOrder => "pjsip_identifier_order",
            AuditCheck::PjsipUnauthenticated => "pjsip_unauthenticated",
            AuditCheck::PjsipWeakPassword => "pjsip_weak_password",
            AuditCheck::PjsipOpenTransport => "pjsip_open_transport",
            AuditCheck::PjsipUnauthenticatedOptions => "pjsip_unauthenticated_options",
            AuditCheck::TlsCertificate => "tls_certificate",
            AuditCheck::DialplanDefaultContext => "dialplan_default_context",
            AuditCheck::DialplanInternational => "dialplan_international",
            AuditCheck::DialplanGuestExten => "dialplan_guest_exten",
            AuditCheck::AmiAllInterfaces => "ami_all_interfaces",
            AuditCheck::AmiWeakSecret => "ami_weak_secret",
            AuditCheck::AmiNoAcl => "ami_no_acl",
            AuditCheck::AmiPowerfulRemoteUser => "ami_powerful_remote_user",
            AuditCheck::AmiSecurityReader => "ami_security_reader",
            AuditCheck::IaxWeakSecret => "iax_weak_secret",
            AuditCheck::IaxCalltoken => "iax_calltoken",
            AuditCheck::HttpPlain => "http_plain",
            AuditCheck::AriWeakPassword => "ari_weak_password",
            AuditCheck::SecastGeoDatabase => "secast_geo_database",
            AuditCheck::SecastWhitelist => "secast_whitelist",
            AuditCheck::SecastFirewall => "secast_firewall",
            AuditCheck::SecastCallGuard => "secast_call_guard",
            AuditCheck::SecastHandlers => "secast_handlers",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for AuditCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for AuditCheck {
    type Err = String;

    fn from_str(s: &str) -> Result<AuditCheck, String> {
        AuditCheck::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown audit check '{}'",
                    crate::util::escape::for_log(s.trim())
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_has_a_distinct_name_that_parses_back() {
        let mut seen = std::collections::HashSet::new();
        for (i, c) in AuditCheck::ALL.into_iter().enumerate() {
            assert_eq!(c.index(), i);
            assert!(seen.insert(c.name()));
            assert_eq!(c.name().parse::<AuditCheck>(), Ok(c));
        }
        assert!("no_such_check".parse::<AuditCheck>().is_err());
    }
}
