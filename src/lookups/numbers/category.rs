//! What kind of number a fraud-list prefix leads to.

use std::fmt;

/// The category of a listed prefix. The toll-fraud guard decides what each one means (refuse,
/// score, alert); `Other` carries a category named in the configuration that this module does
/// not know.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NumberCategory {
    /// Premium-rate numbers: the caller pays a surcharge that goes to the number's owner.
    Premium,
    /// Shared-cost numbers: cheaper to reach than premium, still revenue-sharing.
    SharedCost,
    /// Destinations seen in fraud (IRSF ranges, hijacked satellite and small-island prefixes).
    KnownFraud,
    Other(String),
}

impl NumberCategory {
    /// `premium`, `shared_cost` or `known_fraud` (any case, `-` for `_`); `None` for anything
    /// else. This is what a `category=` override in a list file accepts, so that a typo there
    /// is reported instead of becoming a category of its own.
    pub fn parse_known(name: &str) -> Option<NumberCategory> {
        let name = name.trim();
        let is = |want: &str| {
            name.len() == want.len()
                && name
                    .bytes()
                    .zip(want.bytes())
                    .all(|(a, b)| a.to_ascii_lowercase() == b || (a == b'-' && b == b'_'))
        };
        if is("premium") {
            Some(NumberCategory::Premium)
        } else if is("shared_cost") {
            Some(NumberCategory::SharedCost)
        } else if is("known_fraud") {
            Some(NumberCategory::KnownFraud)
        } else {
            None
        }
    }

    pub fn name(&self) -> &str {
        match self {
            NumberCategory::Premium => "premium",
            NumberCategory::SharedCost => "shared_cost",
            NumberCategory::KnownFraud => "known_fraud",
            NumberCategory::Other(name) => name,
        }
    }
}

impl fmt::Display for NumberCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A known name as [`NumberCategory::parse_known`] reads it, anything else as `Other` (trimmed):
/// for the configuration, where a site may name categories of its own.
impl std::str::FromStr for NumberCategory {
    type Err = std::convert::Infallible;

    fn from_str(name: &str) -> Result<NumberCategory, Self::Err> {
        Ok(NumberCategory::parse_known(name)
            .unwrap_or_else(|| NumberCategory::Other(name.trim().to_string())))
    }
}
