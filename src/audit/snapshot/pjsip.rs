//! PJSIP as the audit sees it: the live sorcery objects (endpoints, auths, transports,
//! identifies, the global object, ACLs), plus what only `pjsip.conf` shows: sections Asterisk
//! refused to create (an auth without a password, a TLS transport without its certificate),
//! and the lines findings point at. Auth passwords are judged here and dropped.

use std::collections::{BTreeMap, BTreeSet};

use crate::audit::certificate::CertState;
use crate::audit::password::{Verdict, assess, assess_md5};
use crate::audit::raw::{Lines, RawFile, RawSection};

pub const FILE: &str = "pjsip.conf";

/// What the host copies: sorcery objects by type (None when no module registered the type,
/// i.e. it is not loaded) and pjsip.conf as Asterisk parses it.
#[derive(Debug)]
pub struct PjsipRaw {
    pub objects: BTreeMap<String, Option<Vec<RawSection>>>,
    pub conf: RawFile,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub id: String,
    pub context: String,
    /// Inbound auth object ids; empty: calls are not challenged.
    pub auth: Vec<String>,
    pub identify_by: Vec<String>,
    pub unauthenticated_options: bool,
    /// An `acl`, `permit`/`deny`, `contact_acl` or `contact_permit`/`contact_deny`.
    pub has_acl: bool,
    pub lines: Lines,
}

impl Endpoint {
    /// Found by the From user name (or auth user name), from any address.
    pub fn identified_by_name(&self) -> bool {
        self.identify_by
            .iter()
            .any(|i| i == "username" || i == "auth_username")
    }

    /// An `anonymous` endpoint takes the calls of every unidentified caller.
    pub fn is_anonymous(&self) -> bool {
        let id = self.id.to_ascii_lowercase();
        id == "anonymous" || id.starts_with("anonymous@")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Auth {
    pub id: String,
    pub auth_type: String,
    /// None: a kind of credential the rules do not apply to (OAuth).
    pub verdict: Option<Verdict>,
    /// Named in some endpoint's `auth` (phones log in with it); otherwise it is a provider's
    /// credential (`outbound_auth`) or unused.
    pub inbound: bool,
    /// In pjsip.conf but refused by Asterisk.
    pub rejected: bool,
    pub lines: Lines,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transport {
    pub id: String,
    pub protocol: String,
    pub bind: String,
    pub cert_file: String,
    /// For TLS transports: the certificate found at `cert_file`.
    pub cert: Option<CertState>,
    pub rejected: bool,
    pub lines: Lines,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pjsip {
    pub identifier_order: Vec<String>,
    pub global_lines: Lines,
    pub endpoints: Vec<Endpoint>,
    pub auths: Vec<Auth>,
    pub transports: Vec<Transport>,
    /// Endpoints an `identify` object matches by address.
    pub identified_by_ip: BTreeSet<String>,
    /// Global `type = acl` objects; None when res_pjsip_acl is not loaded.
    pub global_acls: Option<usize>,
}

/// Asterisk's `ast_true`: yes, true, y, t, 1, on.
pub fn is_true(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "yes" | "true" | "y" | "t" | "1" | "on"
    )
}

fn list(v: Option<&str>) -> Vec<String> {
    v.unwrap_or("")
        .trim_matches(|c| c == '[' || c == ']')
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

fn ids(v: Option<&str>) -> Vec<String> {
    v.unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

impl PjsipRaw {
    fn of_type(&self, kind: &str) -> &[RawSection] {
        self.objects
            .get(kind)
            .and_then(|o| o.as_deref())
            .unwrap_or(&[])
    }

    /// The pjsip.conf sections of a type (the value of their `type` key).
    fn conf_of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a RawSection> + 'a {
        self.conf
            .sections()
            .iter()
            .filter(move |s| s.last("type").is_some_and(|t| t.eq_ignore_ascii_case(kind)))
    }

    /// Where the object `id` of `kind` is written in pjsip.conf (or just its name).
    fn lines_of(&self, kind: &str, id: &str) -> Lines {
        self.conf_of_type(kind)
            .find(|s| s.name == id)
            .map(|s| s.lines(FILE))
            .unwrap_or_else(|| RawSection::new(id).lines(FILE))
    }

    /// The sorcery types the host copies: those some check reads.
    pub const TYPES: [&'static str; 6] =
        ["global", "endpoint", "auth", "transport", "identify", "acl"];
}

impl Pjsip {
    /// Types the objects and judges auth passwords (`min_length`: `[audit]
    /// min_password_length`); `read_cert` reads a TLS certificate file.
    pub fn collect(
        raw: &PjsipRaw,
        min_length: usize,
        read_cert: &dyn Fn(&str) -> CertState,
    ) -> Pjsip {
        let global = raw.of_type("global").first();
        let identifier_order = global
            .map(|g| list(g.last("endpoint_identifier_order")))
            .unwrap_or_else(|| vec!["ip".into(), "username".into(), "anonymous".into()]);
        let default_realm = global
            .and_then(|g| g.last("default_realm"))
            .filter(|r| !r.is_empty())
            .unwrap_or("asterisk")
            .to_owned();
        let global_lines = raw
            .conf_of_type("global")
            .next()
            .map(|s| s.lines(FILE))
            .unwrap_or_else(|| RawSection::new("global").lines(FILE));

        let endpoints: Vec<Endpoint> = raw
            .of_type("endpoint")
            .iter()
            .map(|o| {
                let set = |k: &str| o.last(k).is_some_and(|v| !v.trim().is_empty());
                Endpoint {
                    id: o.name.clone(),
                    context: o.last("context").unwrap_or("default").to_owned(),
                    auth: ids(o.last("auth")),
                    identify_by: list(o.last("identify_by")),
                    unauthenticated_options: o
                        .last("allow_unauthenticated_options")
                        .is_some_and(is_true),
                    has_acl: set("acl") || set("contact_acl"),
                    lines: raw.lines_of("endpoint", &o.name),
                }
            })
            .collect();

        // Who names an auth: the endpoints using it are the extensions its password must
        // not look like.
        let mut users_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for e in &endpoints {
            for a in &e.auth {
                users_of.entry(a.as_str()).or_default().push(e.id.as_str());
            }
        }
        let judge = |o: &RawSection| -> Option<Verdict> {
            let auth_type = o
                .last("auth_type")
                .unwrap_or("userpass")
                .to_ascii_lowercase();
            let username = o.last("username").unwrap_or("");
            let mut names: Vec<&str> = vec![username, o.name.as_str()];
            names.extend(users_of.get(o.name.as_str()).into_iter().flatten());
            match auth_type.as_str() {
                "md5" => {
                    let realm = o
                        .last("realm")
                        .filter(|r| !r.is_empty())
                        .unwrap_or(&default_realm);
                    o.secret("md5_cred")
                        .map(|h| assess_md5(h, username, realm, &names))
                }
                "userpass" | "digest" => Some(match o.secret("password") {
                    Some(p) => assess(p, &names, min_length),
                    None => assess(&crate::audit::secret::Secret::new(Vec::new()), &[], 1),
                }),
                _ => None,
            }
        };
        let live: BTreeSet<&str> = raw
            .of_type("auth")
            .iter()
            .map(|o| o.name.as_str())
            .collect();
        let mut auths: Vec<Auth> = raw
            .of_type("auth")
            .iter()
            .map(|o| Auth {
                id: o.name.clone(),
                auth_type: o.last("auth_type").unwrap_or("userpass").to_owned(),
                verdict: judge(o),
                inbound: users_of.contains_key(o.name.as_str()),
                rejected: false,
                lines: raw.lines_of("auth", &o.name),
            })
            .collect();
        if raw.objects.get("auth").is_some_and(Option::is_some) {
            for s in raw.conf_of_type("auth") {
                if !live.contains(s.name.as_str()) {
                    auths.push(Auth {
                        id: s.name.clone(),
                        auth_type: s.last("auth_type").unwrap_or("userpass").to_owned(),
                        verdict: judge(s),
                        inbound: users_of.contains_key(s.name.as_str()),
                        rejected: true,
                        lines: s.lines(FILE),
                    });
                }
            }
        }

        let transport = |o: &RawSection, rejected: bool, lines: Lines| {
            let protocol = o.last("protocol").unwrap_or("udp").to_ascii_lowercase();
            let cert_file = o.last("cert_file").unwrap_or("").to_owned();
            Transport {
                id: o.name.clone(),
                cert: (protocol == "tls").then(|| read_cert(&cert_file)),
                protocol,
                bind: o.last("bind").unwrap_or("").to_owned(),
                cert_file,
                rejected,
                lines,
            }
        };
        let live: BTreeSet<&str> = raw
            .of_type("transport")
            .iter()
            .map(|o| o.name.as_str())
            .collect();
        let mut transports: Vec<Transport> = raw
            .of_type("transport")
            .iter()
            .map(|o| transport(o, false, raw.lines_of("transport", &o.name)))
            .collect();
        if raw.objects.get("transport").is_some_and(Option::is_some) {
            for s in raw.conf_of_type("transport") {
                if !live.contains(s.name.as_str()) {
                    transports.push(transport(s, true, s.lines(FILE)));
                }
            }
        }

        let identified_by_ip = raw
            .of_type("identify")
            .iter()
            .filter_map(|o| o.last("endpoint"))
            .map(str::to_owned)
            .collect();
        let global_acls = raw
            .objects
            .get("acl")
            .and_then(|o| o.as_ref())
            .map(Vec::len);
        Pjsip {
            identifier_order,
            global_lines,
            endpoints,
            auths,
            transports,
            identified_by_ip,
            global_acls,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::password::Weakness;

    fn raw(objects: Vec<(&str, Vec<RawSection>)>, conf: Vec<RawSection>) -> PjsipRaw {
        PjsipRaw {
            objects: objects
                .into_iter()
                .map(|(k, v)| (k.to_owned(), Some(v)))
                .collect(),
            conf: RawFile::Sections(conf),
        }
    }

    #[test]
    fn auth_passwords_are_judged_against_the_endpoints_using_them() {
        let r = raw(
            vec![
                (
                    "endpoint",
                    vec![RawSection::new("2001").with("auth", "auth2001")],
                ),
                (
                    "auth",
                    vec![
                        RawSection::new("auth2001")
                            .with("username", "phone")
                            .with("password", "x2001x-long-enough"),
                    ],
                ),
            ],
            vec![],
        );
        let p = Pjsip::collect(&r, 12, &|_| CertState::Missing);
        let v = p.auths[0].verdict.as_ref().unwrap();
        assert_eq!(v.weaknesses, vec![Weakness::ContainsName]);
        assert!(p.auths[0].inbound);
        assert!(!format!("{p:?}").contains("x2001x"));
    }

    #[test]
    fn sections_asterisk_refused_are_found_in_the_file() {
        let r = raw(
            vec![("auth", vec![]), ("transport", vec![])],
            vec![
                RawSection::new("emptyauth")
                    .with("type", "auth")
                    .with("username", "empty"),
                RawSection::new("tls")
                    .with("type", "transport")
                    .with("protocol", "tls")
                    .with("cert_file", "/nowhere.crt"),
            ],
        );
        let p = Pjsip::collect(&r, 12, &|_| CertState::Missing);
        assert!(p.auths[0].rejected);
        assert_eq!(
            p.auths[0].verdict.as_ref().unwrap().weaknesses,
            vec![Weakness::Empty]
        );
        assert!(p.transports[0].rejected);
        assert_eq!(p.transports[0].cert, Some(CertState::Missing));
    }
}
