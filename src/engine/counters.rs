//! What the engine has decided so far, for `secast show status`.

#[derive(Debug, Default, Clone, Copy)]
pub struct EngineCounters {
    pub bans: u64,
    pub alerts: u64,
    /// Alerts held back by the rate limit (one per rule and key and interval).
    pub alerts_suppressed: u64,
    /// Bans a rule wanted but the whitelist refused.
    pub spared: u64,
    /// Automatic bans refused because `[general] max_bans` bans were in force.
    pub refused_at_cap: u64,
    /// Bans from the ledger that could not stand (protected, or no firewall can apply them).
    pub refused_restored: u64,
    /// Bans lifted because they came to cover a protected address (a new trunk, resolver,
    /// whitelisted network).
    pub lifted_protected: u64,
    pub events_from_banned: u64,
    pub evicted_ips: u64,
    /// Bans other servers of the cluster decided, applied here.
    pub remote_bans: u64,
    /// Bans from the cluster this server's whitelist refused.
    pub remote_refused: u64,
    /// Failures other servers counted, added here.
    pub remote_failures: u64,
}
