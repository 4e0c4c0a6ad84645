//! The words every stage speaks: what was decided ([`Action`], [`Ban`], [`Alert`],
//! [`FraudAlert`], [`AuditSummary`] and the [`AuditCheck`]s behind it), what
//! an admin asked for ([`Command`]) and how the answer comes back ([`Ack`]), what the other
//! servers of a cluster report ([`Remote`]), and the rules by name ([`RuleId`]). A leaf: it
//! depends on nothing else in the crate but `util`.

mod action;
mod alert;
mod audit;
mod audit_check;
mod ban;
mod command;
mod fraud;
mod remote;
mod rule_id;

pub use action::{Action, UnbanReason};
pub use alert::Alert;
pub use audit::{AuditSummary, Severity};
pub use audit_check::AuditCheck;
pub use ban::{Ban, BanOrigin};
pub use command::{Ack, Command};
pub use fraud::{FraudAlert, FraudLevel};
pub use remote::{ClusterBans, Remote, RemoteFailures};
pub use rule_id::RuleId;
