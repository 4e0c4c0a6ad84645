//! Asterisk's HTTP server (`http.conf`) and the ARI users on it (`ari.conf`). ARI passwords are
//! judged here and dropped; a `crypt` password cannot be judged and is left alone.

use crate::audit::certificate::CertState;
use crate::audit::password::{Verdict, assess};
use crate::audit::raw::{Lines, RawFile, RawSection};
use crate::audit::snapshot::pjsip::is_true;

pub const FILE: &str = "http.conf";
pub const ARI_FILE: &str = "ari.conf";

#[derive(Debug, Clone, PartialEq)]
pub struct Http {
    pub enabled: bool,
    /// None: no `bindaddr`, so nothing listens.
    pub bind: Option<String>,
    pub tls_enabled: bool,
    /// `tlscertfile` and what was found there, when TLS is on.
    pub tls_cert: Option<(String, CertState)>,
    pub general: Lines,
}

impl Http {
    pub fn collect(file: &RawFile, read_cert: &dyn Fn(&str) -> CertState) -> Option<Http> {
        if !file.is_present() {
            return None;
        }
        let empty = RawSection::new("general");
        let g = file.section("general").unwrap_or(&empty);
        let tls_enabled = g.last("tlsenable").is_some_and(is_true);
        Some(Http {
            enabled: g.last("enabled").is_some_and(is_true),
            bind: g.last("bindaddr").map(str::to_owned),
            tls_enabled,
            tls_cert: tls_enabled.then(|| {
                let path = g.last("tlscertfile").unwrap_or("").to_owned();
                let state = read_cert(&path);
                (path, state)
            }),
            general: g.lines(FILE),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AriUser {
    pub name: String,
    /// None: a `crypt` password (or none at all, which Asterisk refuses).
    pub password: Option<Verdict>,
    pub lines: Lines,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ari {
    pub enabled: bool,
    pub users: Vec<AriUser>,
}

impl Ari {
    pub fn collect(file: &RawFile, min_length: usize) -> Option<Ari> {
        if !file.is_present() {
            return None;
        }
        let enabled = file
            .section("general")
            .and_then(|g| g.last("enabled"))
            .is_none_or(is_true);
        let users = file
            .sections()
            .iter()
            .filter(|s| {
                s.last("type")
                    .is_some_and(|t| t.eq_ignore_ascii_case("user"))
            })
            .map(|s| {
                let crypt = s
                    .last("password_format")
                    .is_some_and(|f| f.eq_ignore_ascii_case("crypt"));
                AriUser {
                    name: s.name.clone(),
                    password: if crypt {
                        None
                    } else {
                        s.secret("password")
                            .map(|p| assess(p, &[&s.name], min_length))
                    },
                    lines: s.lines(ARI_FILE),
                }
            })
            .collect();
        Some(Ari { enabled, users })
    }
}
