//! The detection rule sections: `[brute_force]`, `[enumeration]`, `[challenge_flood]`,
//! `[slow_attack]`, `[ami]`, `[distributed]`, `[stolen_credentials]` (and the ban lengths of
//! the geo, intel and neighbour rules, set in their own sections).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::keys::{KeyDef, key};
use super::values::{parse_bool, parse_duration, parse_u32, show_as_written};
use crate::decision::RuleId;

/// One detection rule: `threshold` counted things within `window` lead to a ban of `ban`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub enabled: bool,
    pub threshold: u32,
    pub window: Duration,
    pub ban: Duration,
}

impl Rule {
    const fn new(threshold: u32, window_secs: u64, ban_secs: u64) -> Rule {
        Rule {
            enabled: true,
            threshold,
            window: Duration::from_secs(window_secs),
            ban: Duration::from_secs(ban_secs),
        }
    }
}

/// What a stolen-credential signal does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StolenCredentialAction {
    Alert,
    Ban,
}

impl fmt::Display for StolenCredentialAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StolenCredentialAction::Alert => "alert",
            StolenCredentialAction::Ban => "ban",
        })
    }
}

impl FromStr for StolenCredentialAction {
    type Err = String;

    fn from_str(v: &str) -> Result<Self, String> {
        match v.to_ascii_lowercase().as_str() {
            "alert" => Ok(StolenCredentialAction::Alert),
            "ban" => Ok(StolenCredentialAction::Ban),
            _ => Err("alert or ban".to_owned()),
        }
    }
}

show_as_written!(StolenCredentialAction);

#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Authentication failures per source (ChallengeResponseFailed, InvalidPassword,
    /// InvalidAccountID, FailedACL) on SIP and other non-AMI services.
    pub brute_force: Rule,
    /// Distinct AccountIDs tried from one source.
    pub enumeration: Rule,
    /// ChallengeSent to one source with no SuccessfulAuth following.
    pub challenge_flood: Rule,
    /// Failures spread over a long window.
    pub slow_attack: Rule,
    /// Failed AMI logins per source.
    pub ami: Rule,
    /// Distinct sources failing against one account (an alert and account risk, no ban).
    pub distributed: Rule,
    /// SuccessfulAuth from a source that failed against other accounts within the window.
    pub stolen_credentials: Rule,
    pub stolen_credentials_action: StolenCredentialAction,
    /// A source located where the geo policy denies it (`ban` length only).
    pub geo: Rule,
    /// A source on a blocklist (`ban` length only).
    pub intel: Rule,
    /// Offenders in the same /24 or /48 (threshold and window; adds risk, never bans alone).
    pub neighbour: Rule,
    /// A User-Agent of a known scanner, seen by the PJSIP sensor (`enabled` and `ban`).
    pub scanner: Rule,
    /// More than `threshold` requests from one source within a second, counted by the PJSIP
    /// sensor before authentication (`enabled`, `threshold`, `ban`; the window is 1 s).
    pub request_flood: Rule,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            brute_force: Rule::new(5, 600, 3600),
            enumeration: Rule::new(5, 60, 3600),
            challenge_flood: Rule::new(30, 10, 600),
            slow_attack: Rule::new(20, 86_400, 86_400),
            ami: Rule::new(5, 600, 3600),
            distributed: Rule::new(5, 600, 3600),
            stolen_credentials: Rule::new(1, 600, 3600),
            stolen_credentials_action: StolenCredentialAction::Alert,
            geo: Rule::new(1, 86_400, 86_400),
            intel: Rule::new(1, 86_400, 86_400),
            neighbour: Rule::new(3, 86_400, 86_400),
            scanner: Rule::new(1, 1, 86_400),
            // 200 requests/s: a phone booting with a hundred BLF subscriptions stays below it,
            // sipp or SIPVicious at full speed crosses it within a tenth of a second.
            request_flood: Rule::new(200, 1, 600),
        }
    }
}

impl Rules {
    /// The settings of one rule.
    pub fn of(&self, rule: RuleId) -> &Rule {
        match rule {
            RuleId::BruteForce => &self.brute_force,
            RuleId::Enumeration => &self.enumeration,
            RuleId::ChallengeFlood => &self.challenge_flood,
            RuleId::SlowAttack => &self.slow_attack,
            RuleId::Ami => &self.ami,
            RuleId::Distributed => &self.distributed,
            RuleId::StolenCredentials => &self.stolen_credentials,
            RuleId::Geo => &self.geo,
            RuleId::Intel => &self.intel,
            RuleId::Neighbour => &self.neighbour,
            RuleId::Scanner => &self.scanner,
            RuleId::RequestFlood => &self.request_flood,
        }
    }
}

/// The highest threshold of a rule that counts distinct things (enumeration: account names;
/// distributed: source addresses). Each distinct thing is remembered until the threshold is
/// reached, 4 bytes apiece, so the bound is also the memory per source (or account): 1 KiB.
pub const MAX_DISTINCT_THRESHOLD: u32 = 256;

/// enabled / threshold / window / ban of a counting rule's own section.
macro_rules! rule_keys {
    ($section:literal, $rule:ident) => {
        rule_keys!($section, $rule, 100_000)
    };
    ($section:literal, $rule:ident, $max:expr) => {
        [
            key!($section, "enabled", rules.$rule.enabled, parse_bool),
            key!($section, "threshold", rules.$rule.threshold, |v| parse_u32(
                v, 1, $max
            )),
            key!($section, "window", rules.$rule.window, parse_duration),
            key!($section, "ban", rules.$rule.ban, parse_duration),
        ]
    };
}

pub(super) fn keys() -> Vec<KeyDef> {
    let mut keys = vec![key!(
        "stolen_credentials",
        "action",
        rules.stolen_credentials_action,
        |v: &str| v.parse::<StolenCredentialAction>()
    )];
    keys.extend(rule_keys!("brute_force", brute_force));
    keys.extend(rule_keys!(
        "enumeration",
        enumeration,
        MAX_DISTINCT_THRESHOLD
    ));
    keys.extend(rule_keys!("challenge_flood", challenge_flood));
    keys.extend(rule_keys!("slow_attack", slow_attack));
    keys.extend(rule_keys!("ami", ami));
    keys.extend(rule_keys!(
        "distributed",
        distributed,
        MAX_DISTINCT_THRESHOLD
    ));
    keys.extend(rule_keys!("stolen_credentials", stolen_credentials));
    keys
}
