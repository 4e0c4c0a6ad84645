//! Two configurations for the checks' tests, built the way the host builds snapshots (from
//! sections and objects, passwords judged on the way): `weak` plants one weakness per check,
//! `hardened` is what the sandbox runs and must give nothing above info.

use std::collections::BTreeSet;

use crate::audit::certificate::CertState;
use crate::audit::finding::Finding;
use crate::audit::raw::{RawFile, RawSection};
use crate::audit::snapshot::dialplan::{Context, Dialplan};
use crate::audit::snapshot::own::FirewallHealth;
use crate::audit::snapshot::pjsip::PjsipRaw;
use crate::audit::snapshot::{Ari, Http, Iax, Manager, OwnState, Pjsip, Snapshot};
use crate::config::AuditConfig;
use crate::decision::AuditCheck;

/// 2024-06-01: after the expired test certificate, long before the valid one.
pub const NOW: i64 = 1_717_200_000;

fn certs(path: &str) -> CertState {
    match path {
        "/certs/expired.crt" => CertState::NotAfter(1_609_502_400),
        "/certs/soon.crt" => CertState::NotAfter(NOW + 86_400),
        "/certs/good.crt" => CertState::NotAfter(2_571_782_399),
        _ => CertState::Missing,
    }
}

fn modules(names: &[&str]) -> Option<BTreeSet<String>> {
    Some(names.iter().map(|n| (*n).to_owned()).collect())
}

fn pjsip(objects: Vec<(&str, Vec<RawSection>)>, conf: Vec<RawSection>) -> Pjsip {
    let raw = PjsipRaw {
        objects: objects
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Some(v)))
            .collect(),
        conf: RawFile::Sections(conf),
    };
    Pjsip::collect(&raw, 12, &certs)
}

fn endpoint(id: &str, context: &str, auth: &str) -> RawSection {
    RawSection::new(id)
        .with("context", context)
        .with("auth", auth)
        .with("identify_by", "username,ip")
        .with("acl", "")
        .with("allow_unauthenticated_options", "false")
}

fn auth(id: &str, password: &str) -> RawSection {
    RawSection::new(id)
        .with("auth_type", "userpass")
        .with("username", id)
        .with("password", password)
}

pub fn weak() -> Snapshot {
    let pjsip = pjsip(
        vec![
            (
                "global",
                vec![
                    RawSection::new("global")
                        .with("endpoint_identifier_order", "ip,username,anonymous"),
                ],
            ),
            (
                "endpoint",
                vec![
                    endpoint("1001", "sandbox", "1001"),
                    endpoint("2001", "sandbox", "2001")
                        .with("allow_unauthenticated_options", "true")
                        .with("acl", "deny/permit"),
                    endpoint("anonymous", "default", ""),
                    endpoint("carrier", "from-trunk", ""),
                ],
            ),
            (
                "auth",
                vec![auth("1001", "Vq9-rT4x-Lm2w-Zp7k"), auth("2001", "2001")],
            ),
            (
                "transport",
                vec![
                    RawSection::new("transport-any")
                        .with("protocol", "udp")
                        .with("bind", "[::]:5060"),
                    RawSection::new("transport-tls")
                        .with("protocol", "tls")
                        .with("bind", "127.0.0.1:5061")
                        .with("cert_file", "/certs/expired.crt"),
                ],
            ),
            ("identify", vec![]),
            ("acl", vec![]),
        ],
        vec![
            RawSection::new("emptyauth")
                .with("type", "auth")
                .with("username", "empty"),
            RawSection::new("transport-tls-missing")
                .with("type", "transport")
                .with("protocol", "tls")
                .with("bind", "127.0.0.1:5062")
                .with("cert_file", "/certs/nonexistent.crt"),
        ],
    );
    let dialplan = Dialplan {
        contexts: vec![
            Context::new("default").exten("s", &[("Answer", ""), ("Dial", "PJSIP/${EXTEN}")]),
            Context::new("sandbox")
                .include("outbound")
                .exten("_X.", &[("Answer", ""), ("Hangup", "")]),
            Context::new("outbound")
                .exten("_00X.", &[("Dial", "PJSIP/${EXTEN}@carrier")])
                .exten(
                    "_011.",
                    &[
                        ("Set", "r=${SECAST_CALLCHECK(${EXTEN})}"),
                        ("Dial", "PJSIP/${FILTER(0-9,${EXTEN})}@carrier"),
                    ],
                ),
            Context::new("from-trunk").exten("_X.", &[("Goto", "sandbox,${EXTEN},1")]),
        ],
        truncated: false,
    };
    let manager = Manager::collect(
        &RawFile::Sections(vec![
            RawSection::new("general")
                .with("enabled", "yes")
                .with("bindaddr", "0.0.0.0")
                .with("tlsenable", "yes")
                .with("tlsbindaddr", "127.0.0.1:5039")
                .with("tlscertfile", "/certs/soon.crt"),
            RawSection::new("admin")
                .with("secret", "admin")
                .with("read", "all")
                .with("write", "all"),
            RawSection::new("monitor")
                .with("secret", "Mq7-long-enough-secret")
                .with("read", "call")
                .with("write", "call")
                .with("deny", "0.0.0.0/0.0.0.0")
                .with("permit", "127.0.0.1/255.255.255.255"),
        ]),
        &RawFile::Missing,
        12,
        &certs,
    );
    let iax = Iax::collect(
        &RawFile::Sections(vec![
            RawSection::new("general").with("bindaddr", "0.0.0.0"),
            RawSection::new("guest")
                .with("type", "user")
                .with("context", "default"),
            RawSection::new("iaxpeer")
                .with("type", "friend")
                .with("secret", "iaxpeer")
                .with("requirecalltoken", "no")
                .with("context", "sandbox"),
        ]),
        &RawFile::Missing,
        12,
    );
    let http = Http::collect(
        &RawFile::Sections(vec![
            RawSection::new("general")
                .with("enabled", "yes")
                .with("bindaddr", "0.0.0.0"),
        ]),
        &certs,
    );
    let ari = Ari::collect(
        &RawFile::Sections(vec![
            RawSection::new("general").with("enabled", "yes"),
            RawSection::new("ariuser")
                .with("type", "user")
                .with("password", "letmein"),
            RawSection::new("cryptuser")
                .with("type", "user")
                .with("password", "$6$abc$xyz")
                .with("password_format", "crypt"),
        ]),
        12,
    );
    Snapshot {
        now: NOW,
        modules: modules(&[
            "res_pjsip",
            "res_pjsip_endpoint_identifier_anonymous",
            "pbx_config",
            "chan_iax2",
            "res_ari",
        ]),
        pjsip: Some(pjsip),
        dialplan: Some(dialplan),
        manager,
        http,
        ari,
        iax,
        own: OwnState {
            geo_database: false,
            whitelist_networks: 0,
            public_addresses: vec!["192.88.99.1".parse().unwrap()],
            firewall: FirewallHealth::Failing("permission denied".into()),
            call_guard_covers_international: Some(false),
            failing_handlers: Some(vec!["mail-admin".into()]),
        },
        notes: Vec::new(),
    }
}

pub fn hardened() -> Snapshot {
    let pjsip = pjsip(
        vec![
            (
                "global",
                vec![RawSection::new("global").with("endpoint_identifier_order", "ip,username")],
            ),
            (
                "endpoint",
                vec![
                    endpoint("1001", "sandbox", "1001"),
                    endpoint("1002", "sandbox", "1002"),
                ],
            ),
            (
                "auth",
                vec![
                    auth("1001", "Vq9-rT4x-Lm2w-Zp7k"),
                    auth("1002", "Hs3-pW8d-Qc5n-Ty2b"),
                ],
            ),
            (
                "transport",
                vec![
                    RawSection::new("transport-udp")
                        .with("protocol", "udp")
                        .with("bind", "127.0.0.1:5060"),
                    RawSection::new("transport-tls")
                        .with("protocol", "tls")
                        .with("bind", "127.0.0.1:5061")
                        .with("cert_file", "/certs/good.crt"),
                ],
            ),
            ("identify", vec![]),
            ("acl", vec![]),
        ],
        vec![],
    );
    let dialplan = Dialplan {
        contexts: vec![
            Context::new("sandbox")
                .include("outbound")
                .exten("_X.", &[("Answer", ""), ("Hangup", "")]),
            Context::new("outbound").exten(
                "_00X.",
                &[
                    (
                        "GotoIf",
                        "$[\"${SECAST_CALLCHECK(${EXTEN})}\" != \"ok\"]?deny,1",
                    ),
                    ("Dial", "PJSIP/${FILTER(0-9,${EXTEN})}@carrier"),
                ],
            ),
        ],
        truncated: false,
    };
    let manager = Manager::collect(
        &RawFile::Sections(vec![
            RawSection::new("general")
                .with("enabled", "yes")
                .with("bindaddr", "127.0.0.1"),
            RawSection::new("secast-test")
                .with("secret", "Mq7-long-enough-secret")
                .with("read", "call,reporting")
                .with("write", "call,reporting")
                .with("deny", "0.0.0.0/0.0.0.0")
                .with("permit", "127.0.0.0/255.0.0.0"),
        ]),
        &RawFile::Missing,
        12,
        &certs,
    );
    Snapshot {
        now: NOW,
        modules: modules(&["res_pjsip", "pbx_config"]),
        pjsip: Some(pjsip),
        dialplan: Some(dialplan),
        manager,
        http: None,
        ari: None,
        iax: None,
        own: OwnState {
            geo_database: false,
            whitelist_networks: 0,
            public_addresses: Vec::new(),
            firewall: FirewallHealth::Working,
            call_guard_covers_international: None,
            failing_handlers: None,
        },
        notes: Vec::new(),
    }
}

/// The findings of one check on a snapshot, every check switched on.
pub fn findings_of(s: &Snapshot, check: AuditCheck) -> Vec<Finding> {
    let cfg = AuditConfig::default();
    let mut list = super::run_all(s, &cfg).list;
    list.retain(|f| f.check == check);
    list.sort_by(|a, b| a.place.cmp(&b.place));
    list
}
