//! The detection rules by name, in the order their risk points are kept. Bans, alerts, the
//! CLI and secast.conf sections all name a rule this way.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleId {
    BruteForce,
    Enumeration,
    ChallengeFlood,
    SlowAttack,
    Ami,
    Distributed,
    StolenCredentials,
    Geo,
    Intel,
    Neighbour,
    Scanner,
    RequestFlood,
}

impl RuleId {
    pub const COUNT: usize = 12;

    pub const ALL: [RuleId; Self::COUNT] = [
        RuleId::BruteForce,
        RuleId::Enumeration,
        RuleId::ChallengeFlood,
        RuleId::SlowAttack,
        RuleId::Ami,
        RuleId::Distributed,
        RuleId::StolenCredentials,
        RuleId::Geo,
        RuleId::Intel,
        RuleId::Neighbour,
        RuleId::Scanner,
        RuleId::RequestFlood,
    ];

    /// The rule's secast.conf section, also its name in bans, alerts and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            RuleId::BruteForce => "brute_force",
            RuleId::Enumeration => "enumeration",
            RuleId::ChallengeFlood => "challenge_flood",
            RuleId::SlowAttack => "slow_attack",
            RuleId::Ami => "ami",
            RuleId::Distributed => "distributed",
            RuleId::StolenCredentials => "stolen_credentials",
            RuleId::Geo => "geo",
            RuleId::Intel => "intel",
            RuleId::Neighbour => "neighbour",
            RuleId::Scanner => "scanner",
            RuleId::RequestFlood => "request_flood",
        }
    }

    /// What the rule counts, for explanations ("4 of 5 failures in 10m").
    pub fn counts(self) -> &'static str {
        match self {
            RuleId::BruteForce => "authentication failures",
            RuleId::Enumeration => "distinct unknown accounts",
            RuleId::ChallengeFlood => "unanswered challenges",
            RuleId::SlowAttack => "failures",
            RuleId::Ami => "failed AMI logins",
            RuleId::Distributed => "distinct failing sources",
            RuleId::StolenCredentials => "logins after failing other accounts",
            RuleId::Geo => "contacts from a denied location",
            RuleId::Intel => "contacts from a listed source",
            RuleId::Neighbour => "recent offenders in the same /24 or /48",
            RuleId::Scanner => "requests with a scanner's User-Agent",
            RuleId::RequestFlood => "requests per second",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for RuleId {
    type Err = String;

    fn from_str(s: &str) -> Result<RuleId, String> {
        RuleId::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown rule '{}'", crate::util::escape::for_log(s)))
    }
}
