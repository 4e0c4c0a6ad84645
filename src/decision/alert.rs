//! Something the admin should hear about that is not (or not only) a ban.

use std::net::IpAddr;

use super::rule_id::RuleId;
use crate::util::time::Millis;

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub rule: RuleId,
    pub ip: Option<IpAddr>,
    /// Escaped for display.
    pub account: Option<String>,
    pub message: String,
    pub at: Millis,
}
