//! The toll-fraud guard: every outbound call checked (SECAST_CALLCHECK) or watched (Asterisk's
//! channel and dial messages), counted per account against limits per destination group, and
//! refused, reported or hung up when a limit is reached.
//!
//! - [`countries`], [`dialling`], [`destination`]: a dialled number to E.164, country and
//!   class (number lists, the shipped high-risk list);
//! - [`policy`], [`schedule`]: the `[calls-NAME]` limits as applied, their time windows;
//! - [`counters`], [`account`], [`accounts`], [`slot`]: per-account counts (sliding windows
//!   exact to the second, live calls, runs to one number) in a bounded, sharded table, and the
//!   concurrency slot each live call holds until its channel goes;
//! - [`guard`]: check-and-reserve in one step, restrictions from the engine's alerts and risk
//!   ([`RiskView`]); [`watch`], [`legs`]: the passive watch; [`report`]: what the CLI shows.
//!
//! Calls sits after the engine: it reads the engine's decisions (through the worker) and the
//! engine knows nothing of it.

pub mod account;
pub mod accounts;
pub mod counters;
pub mod countries;
pub mod destination;
pub mod dialling;
mod findings;
pub mod guard;
pub mod legs;
pub mod policy;
pub mod report;
mod risk_view;
pub mod schedule;
pub mod slot;
mod verdict;
pub mod watch;

pub use countries::Region;
pub use destination::Destination;
pub use dialling::{Dialling, Number};
pub use guard::{CallGuard, CallStats, Restriction};
pub use policy::{CallPolicy, Counter, Levels};
pub use report::{AccountUse, RuleUse};
pub use risk_view::{NoRisk, RiskView};
pub use slot::Slot;
pub use verdict::{CheckOutcome, CheckRequest, Verdict};
pub use watch::{ChannelRef, Dial};

/// The high-risk destination list shipped with the module (`[calls] high_risk_list = builtin`);
/// its sources are in the file.
pub const BUILTIN_HIGH_RISK: &str = include_str!("../../module-config/secast-high-risk.txt");
/// The category its entries have.
pub const HIGH_RISK_CLASS: &str = "high_risk";
