//! Everything a decision does to the outside world: the enforcer thread, the kernel firewall,
//! the ledger on disk, and who is told (the [`Notifier`]).

pub mod enforcer;
#[allow(unsafe_code)]
pub mod firewall;
pub mod ledger;
mod notifier;
mod order;
mod stats;

pub use enforcer::{Enforcer, EnforcerSetup};
pub use notifier::{Fanout, NoNotifier, Notifier};
pub use order::Order;
pub use stats::EnforcerStats;
