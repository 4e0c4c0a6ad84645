//! `[escalation]`: how repeat offences lengthen bans and lower thresholds.

use std::time::Duration;

use super::keys::{KeyDef, key};
use super::values::{parse_duration, parse_u32};

#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    /// Longest temporary ban; each repeat offence doubles the ban up to this.
    pub max_ban: Duration,
    /// The N-th ban of the same source is permanent; 0 means never.
    pub permanent_after: u32,
    /// A repeat offender's thresholds are multiplied by this percentage per earlier ban
    /// (never below 1): 50 means 5 → 3 → 2 → 1.
    pub repeat_offender_percent: u32,
    /// How long offences are remembered.
    pub history: Duration,
}

impl Default for Escalation {
    fn default() -> Self {
        Escalation {
            max_ban: Duration::from_secs(7 * 86_400),
            permanent_after: 5,
            repeat_offender_percent: 50,
            history: Duration::from_secs(30 * 86_400),
        }
    }
}

pub(super) fn keys() -> Vec<KeyDef> {
    vec![
        key!("escalation", "max_ban", escalation.max_ban, parse_duration),
        key!(
            "escalation",
            "permanent_after",
            escalation.permanent_after,
            |v| parse_u32(v, 0, 1000)
        ),
        key!(
            "escalation",
            "repeat_offender_percent",
            escalation.repeat_offender_percent,
            |v| parse_u32(v, 1, 100)
        ),
        key!("escalation", "history", escalation.history, parse_duration),
    ]
}
