//! Kernel bans: puts banned networks into nftables sets from inside the process.
//!
//! The layout in the kernel (the same whichever backend writes it):
//!
//! ```text
//! table inet secast {
//!     set v4    { type ipv4_addr; flags timeout; }     # single IPv4 addresses
//!     set v6    { type ipv6_addr; flags timeout; }     # single IPv6 addresses
//!     set v4_24 { type ipv4_addr; flags timeout; }     # IPv4 /24 networks, created on first use
//!     set v6_64 { type ipv6_addr; flags timeout; }     # ... one set per prefix length in use
//!     chain prerouting {
//!         type filter hook prerouting priority raw; policy accept;
//!         ip saddr @v4 counter drop
//!         ip saddr & 255.255.255.0 == @v4_24 counter drop
//!         ...
//!     }
//! }
//! ```
//!
//! Why one hash set per prefix length instead of one `flags interval` set per family: the
//! kernel refuses overlapping intervals ("interval overlaps with an existing one"), so banning
//! 10.0.0.0/16 while 10.0.0.0/24 is banned, with its own timeout, would fail the whole batch.
//! Networks of one prefix length never overlap, so every Add is either new or a refresh, every
//! Remove hits exactly what was added, and each element keeps its own kernel-side timeout.
//! Hash lookups also stay O(1) at 100k elements. The price is one lookup per prefix length in
//! use per packet, a handful in practice.
//!
//! Why priority raw (-300): it runs before conntrack (-200), so a banned source is dropped even
//! when conntrack already tracks an established UDP flow from it.
//!
//! Backends: `nftables` (our own nf_tables netlink messages, the default) and `libnftables`
//! (libnftables.so.1 loaded at run time, kept as the measured alternative). With
//! `backend = none` no firewall is opened at all ([`opener`] gives nothing).

mod error;
mod isolate;
mod layout;
mod libnftables;
mod netlink;
mod nft_netlink;
mod plan;
mod recording;

use std::time::Duration;

use ipnet::IpNet;

pub use error::{FirewallError, FirewallErrorKind};

use crate::config::{FirewallBackend, FirewallConfig};
pub use recording::{RecordingFirewall, RecordingState};

/// One change to the kernel's ban sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FirewallOp {
    /// Ban `net`. Host bits are ignored (10.0.0.5/24 bans 10.0.0.0/24); an IPv4-mapped IPv6
    /// address or network is banned as IPv4. `timeout: None` is permanent.
    Add {
        net: IpNet,
        timeout: Option<Duration>,
    },
    /// Lift the ban on exactly `net` (as normalized for Add).
    Remove { net: IpNet },
}

/// An op the firewall will never apply, by name and why. The other ops of its batch were
/// applied: one bad element never holds back the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    pub op: FirewallOp,
    pub error: FirewallError,
}

/// The kernel side of banning.
pub trait Firewall: Send {
    fn name(&self) -> &'static str;
    /// Creates our table, sets and chain if missing (idempotent); repairs them if someone
    /// deleted them. Elements already in surviving sets are kept.
    fn ensure(&mut self) -> Result<(), FirewallError>;
    /// Applies the ops, as ONE batch/transaction when the kernel takes them all. Adding an
    /// element already present must not fail (refresh its timeout); removing an absent
    /// element must not fail. An op that can never be applied (a network no set holds, an
    /// element the kernel refuses on its own) is left out and returned by name in the `Ok`
    /// list, and every other op is applied. `Err` means nothing was applied (table missing,
    /// permission, netlink trouble): retry the same ops later.
    fn apply(&mut self, ops: &[FirewallOp]) -> Result<Vec<Rejected>, FirewallError>;
    /// The elements currently in our sets (for repair checks and tests).
    fn list(&mut self) -> Result<Vec<IpNet>, FirewallError>;
    /// Cheap check that our table, sets and drop rules still exist.
    fn is_intact(&mut self) -> Result<bool, FirewallError>;
}

/// How re-adding an element that is already banned gets its new timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RefreshMode {
    /// Decide from the running kernel: Linux 6.12 and later update an element's timeout when
    /// it is added again; earlier kernels silently keep the old one.
    #[default]
    Auto,
    /// Plain re-add (Linux ≥ 6.12).
    InPlace,
    /// Add, delete and add again in the same transaction: works on every kernel, costs three
    /// element operations per ban, and never leaves a window without the ban.
    Readd,
}

/// What the firewall needs from the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirewallSettings {
    /// Our nftables table (family inet). Letters, digits and `_`, starting with a letter.
    pub table: String,
    pub refresh: RefreshMode,
    /// The library the `libnftables` backend loads.
    pub libnftables: String,
}

impl Default for FirewallSettings {
    fn default() -> Self {
        FirewallSettings {
            table: "secast".to_owned(),
            refresh: RefreshMode::Auto,
            libnftables: "libnftables.so.1".to_owned(),
        }
    }
}

/// Opens a firewall; called again after a failure to open.
pub type Opener = Box<dyn FnMut() -> Result<Box<dyn Firewall>, FirewallError> + Send>;

impl From<&FirewallConfig> for FirewallSettings {
    fn from(cfg: &FirewallConfig) -> Self {
        FirewallSettings {
            table: cfg.table.clone(),
            ..FirewallSettings::default()
        }
    }
}

/// Opens a backend. Nothing is created in the kernel until `ensure`.
pub fn open(
    backend: FirewallBackend,
    settings: &FirewallSettings,
) -> Result<Box<dyn Firewall>, FirewallError> {
    layout::check_table_name(&settings.table)?;
    match backend {
        FirewallBackend::Nftables => Ok(Box::new(nft_netlink::NftNetlink::open(settings)?)),
        FirewallBackend::Libnftables => Ok(Box::new(libnftables::LibNftables::open(settings)?)),
        FirewallBackend::Off => Err(FirewallError::new(
            FirewallErrorKind::Unavailable,
            "the firewall is off (firewall backend = none)",
        )),
    }
}

/// What the enforcer opens for this configuration; None when bans are not enforced
/// (`backend = none`).
pub fn opener(cfg: &FirewallConfig) -> Option<Opener> {
    if cfg.backend == FirewallBackend::Off {
        return None;
    }
    let backend = cfg.backend;
    let settings = FirewallSettings::from(cfg);
    Some(Box::new(move || open(backend, &settings)))
}
