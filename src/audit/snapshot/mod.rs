//! The typed snapshot of the PBX's configuration the checks run over: one file per part of
//! Asterisk, each with the types the checks read and (for config files and sorcery objects)
//! the step that builds them from what the host copied, judging passwords on the way. No
//! snapshot type holds a password or secret.

pub mod dialplan;
pub mod http;
pub mod iax;
pub mod manager;
pub mod own;
pub mod pjsip;

use std::collections::BTreeSet;

pub use dialplan::Dialplan;
pub use http::{Ari, Http};
pub use iax::Iax;
pub use manager::Manager;
pub use own::OwnState;
pub use pjsip::Pjsip;

/// Everything one audit looks at, gathered at one moment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    /// When it was gathered (seconds since the Unix epoch), for certificate expiry.
    pub now: i64,
    /// Modules loaded and running (names without `.so`, lowercase); None: not known.
    pub modules: Option<BTreeSet<String>>,
    /// None: res_pjsip is not running.
    pub pjsip: Option<Pjsip>,
    /// None: no dialplan could be read.
    pub dialplan: Option<Dialplan>,
    /// None: manager.conf is missing.
    pub manager: Option<Manager>,
    /// None: http.conf is missing.
    pub http: Option<Http>,
    /// None: res_ari is not running or ari.conf is missing.
    pub ari: Option<Ari>,
    /// None: chan_iax2 is not running or iax.conf is missing.
    pub iax: Option<Iax>,
    pub own: OwnState,
    /// What could not be read, for the report.
    pub notes: Vec<String>,
}

impl Snapshot {
    /// Whether a module is running; unknown module lists count as running.
    pub fn running(&self, module: &str) -> bool {
        let name = module.trim_end_matches(".so").to_ascii_lowercase();
        self.modules.as_ref().is_none_or(|m| m.contains(&name))
    }
}
