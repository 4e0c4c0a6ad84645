//! Firewall errors, sorted into the few kinds the enforcer reacts to differently.

use std::fmt;

/// What the enforcer does about it: PermissionDenied and Unavailable need the admin;
/// TableMissing needs `ensure()` and a re-apply; Refused is about one element, reported and
/// dropped; Other is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FirewallErrorKind {
    /// EPERM/EACCES: the process lacks CAP_NET_ADMIN.
    PermissionDenied,
    /// The library or a kernel feature is missing.
    Unavailable,
    /// Our table, a set or the chain was deleted behind our back.
    TableMissing,
    /// An element the kernel (or our layout) will never take, whatever is retried: it is
    /// reported by name and left out, never holding back the others.
    Refused,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirewallError {
    pub kind: FirewallErrorKind,
    pub message: String,
}

impl FirewallError {
    pub fn new(kind: FirewallErrorKind, message: impl Into<String>) -> Self {
        FirewallError {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for FirewallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            FirewallErrorKind::PermissionDenied => "permission denied",
            FirewallErrorKind::Unavailable => "unavailable",
            FirewallErrorKind::TableMissing => "table missing",
            FirewallErrorKind::Refused => "refused",
            FirewallErrorKind::Other => "error",
        };
        write!(f, "firewall {kind}: {}", self.message)
    }
}

impl std::error::Error for FirewallError {}

/// What was being done when the kernel said no: ENOENT means "our objects are gone" when we
/// touch elements, but "the kernel lacks a chain type or expression" while creating them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Doing {
    Creating,
    Using,
}

pub(crate) fn kind_of_errno(errno: i32, doing: Doing) -> FirewallErrorKind {
    match errno {
        libc::EPERM | libc::EACCES => FirewallErrorKind::PermissionDenied,
        libc::ENOENT if doing == Doing::Using => FirewallErrorKind::TableMissing,
        // The kernel judged the content of the batch, not our right to send it or its state:
        // one element (or a set made for it) is not acceptable.
        libc::EINVAL | libc::ERANGE | libc::EOVERFLOW | libc::E2BIG if doing == Doing::Using => {
            FirewallErrorKind::Refused
        }
        libc::ENOENT
        | libc::EOPNOTSUPP
        | libc::EPROTONOSUPPORT
        | libc::EAFNOSUPPORT
        | libc::ENOPROTOOPT => FirewallErrorKind::Unavailable,
        _ => FirewallErrorKind::Other,
    }
}

pub(crate) fn from_errno(errno: i32, doing: Doing, what: &str) -> FirewallError {
    let text = std::io::Error::from_raw_os_error(errno);
    FirewallError::new(kind_of_errno(errno, doing), format!("{what}: {text}"))
}
