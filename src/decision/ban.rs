//! A ban as the engine decides it, the enforcer applies it and the ledger records it.

use ipnet::IpNet;

use crate::util::time::Millis;

/// Who decided a ban.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BanOrigin {
    /// A detection rule, by its config section name (`brute_force`, …).
    Rule(String),
    /// `secast ban` on the CLI.
    Manual,
    /// Another server of the cluster: its rule (or `manual`) and its node name. Such a ban is
    /// applied here but never published again (no echo between servers).
    Remote { rule: String, node: String },
}

impl BanOrigin {
    /// The origin in one word: `brute_force`, `manual`, or `brute_force@nodeB` for a ban
    /// another server decided. The ledger stores it this way.
    pub fn label(&self) -> String {
        match self {
            BanOrigin::Rule(r) => r.clone(),
            BanOrigin::Manual => "manual".to_owned(),
            BanOrigin::Remote { rule, node } => format!("{rule}@{node}"),
        }
    }

    pub fn from_label(label: &str) -> BanOrigin {
        if label == "manual" {
            BanOrigin::Manual
        } else if let Some((rule, node)) = label.split_once('@') {
            BanOrigin::Remote {
                rule: rule.to_owned(),
                node: node.to_owned(),
            }
        } else {
            BanOrigin::Rule(label.to_owned())
        }
    }

    /// The rule (or `manual`) without the node.
    pub fn rule(&self) -> &str {
        match self {
            BanOrigin::Rule(r) => r,
            BanOrigin::Manual => "manual",
            BanOrigin::Remote { rule, .. } => rule,
        }
    }

    pub fn is_remote(&self) -> bool {
        matches!(self, BanOrigin::Remote { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ban {
    pub net: IpNet,
    pub since: Millis,
    /// None: permanent.
    pub until: Option<Millis>,
    pub origin: BanOrigin,
    /// Which ban of this source this is (1 for the first), counting the offence history.
    pub offence: u32,
    /// Human-readable, already free of attacker-controlled text (or escaped).
    pub reason: String,
}

impl Ban {
    pub fn is_active(&self, now: Millis) -> bool {
        self.until.is_none_or(|u| u > now)
    }

    /// What is left of the ban at `now`, for the kernel's timeout; None when permanent.
    pub fn remaining_ms(&self, now: Millis) -> Option<Millis> {
        self.until.map(|u| (u - now).max(1))
    }
}
