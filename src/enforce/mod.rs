//! Everything a decision does to the outside world: the enforcer thread, the kernel firewall,
//! the ledger on disk, who is told (the [`Notifier`]), and the event handlers that carry
//! decisions to the network edge ([`handlers`]).

pub mod enforcer;
#[allow(unsafe_code)]
pub mod firewall;
pub mod handlers;
pub mod ledger;
mod notifier;
mod order;
mod stats;

pub use enforcer::{Enforcer, EnforcerSetup};
pub use notifier::{Fanout, NoNotifier, Notifier};
pub use order::Order;
pub use stats::EnforcerStats;
