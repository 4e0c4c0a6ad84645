//! The manager interface (AMI) as `manager.conf` (and `users.conf` with `hasmanager`) set it
//! up: where it listens and who may log in with what rights. Secrets are judged here and
//! dropped.

use crate::audit::certificate::CertState;
use crate::audit::exposure::{AclRule, Bind};
use crate::audit::password::{Verdict, assess};
use crate::audit::raw::{Lines, RawFile, RawSection};
use crate::audit::snapshot::pjsip::is_true;

pub const FILE: &str = "manager.conf";
pub const USERS_FILE: &str = "users.conf";

#[derive(Debug, Clone, PartialEq)]
pub struct AmiUser {
    pub name: String,
    /// None: no secret at all (Asterisk refuses such a login).
    pub secret: Option<Verdict>,
    pub read: Vec<String>,
    pub write: Vec<String>,
    pub acl: Vec<AclRule>,
    /// `acl = NAME` (a named ACL from acl.conf, not seen here).
    pub named_acl: bool,
    pub lines: Lines,
}

impl AmiUser {
    pub fn reads(&self, class: &str) -> bool {
        self.read.iter().any(|r| r == class)
    }

    pub fn writes(&self, class: &str) -> bool {
        self.write.iter().any(|w| w == class)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Manager {
    pub enabled: bool,
    /// `bindaddr` as written (default `::`).
    pub bind: String,
    /// The TLS listener, when `tlsenable = yes`: its bind and certificate.
    pub tls: Option<(String, String, CertState)>,
    pub users: Vec<AmiUser>,
    pub general: Lines,
}

impl Manager {
    /// Every listener's bind: plain, and TLS when enabled.
    pub fn binds(&self) -> Vec<Bind> {
        let mut out = vec![Bind::parse(&self.bind)];
        if let Some((bind, _, _)) = &self.tls {
            out.push(Bind::parse(bind));
        }
        out
    }

    /// The most exposed listener (all interfaces over a specific address over loopback).
    pub fn widest_bind(&self) -> Bind {
        let binds = self.binds();
        binds
            .iter()
            .copied()
            .find(|b| b.all_interfaces())
            .or_else(|| binds.iter().copied().find(|b| b.beyond_loopback()))
            .unwrap_or(Bind::Loopback)
    }
}

fn classes(v: Option<&str>) -> Vec<String> {
    v.unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

fn acl(section: &RawSection) -> (Vec<AclRule>, bool) {
    let mut rules = Vec::new();
    let mut named = false;
    for v in &section.vars {
        let Some(text) = v.text() else { continue };
        match v.key.to_ascii_lowercase().as_str() {
            "permit" => rules.extend(AclRule::parse(true, text)),
            "deny" => rules.extend(AclRule::parse(false, text)),
            "acl" => named = true,
            _ => {}
        }
    }
    (rules, named)
}

fn user(s: &RawSection, file: &str, fallback: Option<&RawSection>, min_length: usize) -> AmiUser {
    let get = |k: &str| s.last(k).or_else(|| fallback.and_then(|f| f.last(k)));
    let secret = s
        .secret("secret")
        .or_else(|| fallback.and_then(|f| f.secret("secret")));
    let (acl, named_acl) = acl(s);
    AmiUser {
        name: s.name.clone(),
        secret: secret.map(|p| assess(p, &[&s.name], min_length)),
        read: classes(get("read")),
        write: classes(get("write")),
        acl,
        named_acl,
        lines: s.lines(file),
    }
}

impl Manager {
    /// None when manager.conf is missing (AMI then stays off).
    pub fn collect(
        manager: &RawFile,
        users: &RawFile,
        min_length: usize,
        read_cert: &dyn Fn(&str) -> CertState,
    ) -> Option<Manager> {
        if !manager.is_present() {
            return None;
        }
        let empty = RawSection::new("general");
        let general = manager.section("general").unwrap_or(&empty);
        let tls = general
            .last("tlsenable")
            .or_else(|| general.last("sslenable"))
            .is_some_and(is_true)
            .then(|| {
                let cert = general
                    .last("tlscertfile")
                    .or_else(|| general.last("sslcert"))
                    .or_else(|| general.last("tlscert"))
                    .unwrap_or("asterisk.pem")
                    .to_owned();
                let bind = general
                    .last("tlsbindaddr")
                    .or_else(|| general.last("sslbindaddr"))
                    .map(str::to_owned)
                    .unwrap_or_else(|| general.last("bindaddr").unwrap_or("::").to_owned());
                let state = read_cert(&cert);
                (bind, cert, state)
            });
        let mut list: Vec<AmiUser> = manager
            .sections()
            .iter()
            .filter(|s| !s.name.eq_ignore_ascii_case("general"))
            .map(|s| user(s, FILE, None, min_length))
            .collect();
        let users_general = users.section("general");
        let has_manager_default = users_general
            .and_then(|g| g.last("hasmanager"))
            .is_some_and(is_true);
        for s in users.sections() {
            if s.name.eq_ignore_ascii_case("general") {
                continue;
            }
            let on = s.last("hasmanager").map_or(has_manager_default, is_true);
            if on && !list.iter().any(|u| u.name == s.name) {
                list.push(user(s, USERS_FILE, users_general, min_length));
            }
        }
        Some(Manager {
            enabled: general.last("enabled").is_some_and(is_true),
            bind: general.last("bindaddr").unwrap_or("::").to_owned(),
            tls,
            users: list,
            general: general.lines(FILE),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inherited_rights_are_overridden_by_the_last_line() {
        let conf = RawFile::Sections(vec![
            RawSection::new("general")
                .with("enabled", "yes")
                .with("bindaddr", "0.0.0.0"),
            RawSection::new("monitor")
                .with("read", "system,call,security")
                .with("permit", "127.0.0.1/255.255.255.255")
                .with("secret", "1234")
                .with("deny", "0.0.0.0/0.0.0.0")
                .with("read", "call"),
        ]);
        let m = Manager::collect(&conf, &RawFile::Missing, 12, &|_| CertState::Missing).unwrap();
        let u = &m.users[0];
        assert_eq!(u.read, ["call"]);
        assert_eq!(u.acl.len(), 2);
        assert!(u.secret.as_ref().unwrap().is_weak());
        assert_eq!(m.widest_bind(), Bind::AllV4);
        assert!(
            Manager::collect(&RawFile::Missing, &RawFile::Missing, 12, &|_| {
                CertState::Missing
            })
            .is_none()
        );
    }

    #[test]
    fn users_conf_users_with_hasmanager_are_ami_users_with_its_general_defaults() {
        let manager = RawFile::Sections(vec![RawSection::new("general").with("enabled", "yes")]);
        let users = RawFile::Sections(vec![
            RawSection::new("general")
                .with("hasmanager", "yes")
                .with("secret", "Shared-general-secret-1")
                .with("read", "security"),
            RawSection::new("6001").with("fullname", "Desk"),
            RawSection::new("6002").with("hasmanager", "no"),
        ]);
        let m = Manager::collect(&manager, &users, 12, &|_| CertState::Missing).unwrap();
        assert_eq!(m.users.len(), 1);
        let u = &m.users[0];
        assert_eq!(u.name, "6001");
        assert!(u.reads("security"));
        assert!(!u.secret.as_ref().unwrap().is_weak());
        assert_eq!(u.lines.section_place().file, USERS_FILE);
        // No bindaddr: AMI's default listens on every interface.
        assert!(m.widest_bind().all_interfaces());
    }
}
