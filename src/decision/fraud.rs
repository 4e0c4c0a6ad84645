//! A toll-fraud finding about a call: what the call guard tells the admin (AMI `SecAstFraud`,
//! the log, event handlers) when a call counter reaches a warning or critical level.

use std::net::IpAddr;

use crate::util::time::Millis;

/// How serious a call counter's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FraudLevel {
    Warning,
    Critical,
}

impl std::fmt::Display for FraudLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FraudLevel::Warning => "warning",
            FraudLevel::Critical => "critical",
        })
    }
}

/// Every text field that came from a caller or a dialplan is already escaped.
#[derive(Debug, Clone, PartialEq)]
pub struct FraudAlert {
    /// The calling account (endpoint).
    pub account: String,
    /// Where the call came from, when known.
    pub address: Option<IpAddr>,
    /// The number as dialled.
    pub destination: String,
    /// The number in E.164, without `+`, when it could be normalised.
    pub e164: Option<String>,
    /// ISO country of the destination, when known.
    pub country: Option<String>,
    /// Class of the destination (premium, shared_cost, known_fraud, international, …).
    pub class: Option<String>,
    /// Which counter reached its level (calls_per_minute, concurrent, …).
    pub counter: String,
    pub value: u64,
    pub level: FraudLevel,
    /// The call-guard rule (its secast.conf section) whose limit this is.
    pub rule: String,
    pub at: Millis,
    /// Live channels to hang up because of it (the rule says `hangup = yes`).
    pub hang_up: Vec<String>,
}

impl FraudAlert {
    /// One line saying what was reached and why: SECAST_REASON on the channel, `Reason` in the
    /// AMI event and the log, word for word.
    pub fn reason(&self) -> String {
        match self.counter.as_str() {
            "restricted" => {
                let risk = if self.value > 0 {
                    format!(" (risk {})", self.value)
                } else {
                    String::new()
                };
                format!(
                    "restricted by {}{risk}: international and high-risk calls refused",
                    self.rule
                )
            }
            "new_country" => format!(
                "{}: first call to {} from this account",
                self.rule,
                self.country.as_deref().unwrap_or("this country")
            ),
            "duration" => format!(
                "{}: call up {}s, above the {} level",
                self.rule, self.value, self.level
            ),
            counter => format!(
                "{}: {counter} {} above the {} level",
                self.rule, self.value, self.level
            ),
        }
    }
}
