//! What the enforcer reports for `secast show status`.

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use crate::util::histogram::Histogram;

#[derive(Default)]
pub struct EnforcerStats {
    pub bans_applied: AtomicU64,
    pub firewall_errors: AtomicU64,
    pub ledger_errors: AtomicU64,
    pub pending_ops: AtomicU64,
    pub repairs: AtomicU64,
    /// Ops the firewall will never apply (reported by name in the log), left out of their
    /// batch so that they hold back nothing.
    pub rejected: AtomicU64,
    /// From the engine's decision to the firewall call returning.
    pub decision_to_kernel: Histogram,
    pub last_error: Mutex<Option<String>>,
    pub backend: Mutex<String>,
    /// Ledger records accepted (enforced from memory) but not yet on disk.
    pub ledger_unwritten: AtomicU64,
    /// Why the ledger cannot be written; None while it can.
    pub ledger_trouble: Mutex<Option<String>>,
    /// Times the enforcer thread panicked and was started again.
    pub restarts: AtomicU64,
}
