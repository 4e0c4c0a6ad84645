//! What the engine has decided so far, for `secast show status`.

#[derive(Debug, Default, Clone, Copy)]
pub struct EngineCounters {
    pub bans: u64,
    pub alerts: u64,
    /// Bans a rule wanted but the whitelist refused.
    pub spared: u64,
    pub events_from_banned: u64,
    pub evicted_ips: u64,
    /// Bans other servers of the cluster decided, applied here.
    pub remote_bans: u64,
    /// Bans from the cluster this server's whitelist refused.
    pub remote_refused: u64,
    /// Failures other servers counted, added here.
    pub remote_failures: u64,
}
