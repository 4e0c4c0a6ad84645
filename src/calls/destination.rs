//! A dialled number understood: its E.164 form, where it rings, whether that is abroad, and its
//! class from the number lists.

use super::countries::{self, Region};
use super::dialling::{Dialling, Number};
use crate::lookups::numbers::NumberLists;
use crate::util::escape::for_log;

/// Classes the restriction of a flagged account covers besides international calls: numbers
/// that pay their owner per call.
pub const HIGH_RISK_CLASSES: [&str; 3] = ["premium", "known_fraud", "high_risk"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// As dialled, escaped for display.
    pub shown: String,
    pub number: Option<Number>,
    pub region: Option<Region>,
    pub international: bool,
    /// The number list's category (premium, known_fraud, high_risk, …) when listed; otherwise
    /// `international`, `domestic`, or `unknown` for something that is no number.
    pub class: String,
    /// The list and prefix it is listed under, escaped.
    pub listed: Option<String>,
}

impl Destination {
    pub fn classify(dialled: &str, dialling: &Dialling, lists: &NumberLists) -> Destination {
        let number = dialling.read(dialled);
        let region = number.as_ref().and_then(|n| n.region);
        let international = match (&number, region, dialling.home()) {
            (Some(n), Some(to), Some(home)) if n.e164 => !countries::same_country(home, to),
            // An E.164 number and no home country, or a code that is no country: abroad.
            (Some(n), _, _) => n.e164,
            (None, _, _) => false,
        };
        let hit = number.as_ref().and_then(|n| lists.lookup_digits(&n.digits));
        let class = match (&hit, &number) {
            (Some(h), _) => h.category.name().to_owned(),
            (None, Some(_)) if international => "international".to_owned(),
            (None, Some(_)) => "domestic".to_owned(),
            (None, None) => "unknown".to_owned(),
        };
        Destination {
            shown: for_log(truncated(dialled)),
            listed: hit.map(|h| format!("{} in {}", h.prefix, for_log(&h.list))),
            number,
            region,
            international,
            class,
        }
    }

    /// E.164 digits (without `+`), when the number could be placed.
    pub fn e164(&self) -> Option<&str> {
        self.number
            .as_ref()
            .filter(|n| n.e164)
            .map(|n| n.digits.as_str())
    }

    /// International, or on a premium/fraud/high-risk list: what a restricted account may not
    /// call.
    pub fn is_restricted_kind(&self) -> bool {
        self.international || HIGH_RISK_CLASSES.contains(&self.class.as_str())
    }

    /// The country (ISO) or non-geographic code (+882), for reports.
    pub fn country(&self) -> Option<String> {
        self.region.map(|r| r.to_string())
    }
}

/// At most 64 bytes of a dialled string are kept for display (on a character boundary).
fn truncated(s: &str) -> &str {
    let mut end = s.len().min(64);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The number part of what Dial() was given, as a stasis Dial message carries it
/// (`011442071234567@carrier`, `carrier/sip:+44207…@host;user=phone`, `1002`).
pub fn number_in_dialstring(dialstring: &str) -> &str {
    let mut s = dialstring;
    if let Some((_, uri)) = s.split_once('/') {
        s = uri;
    }
    for scheme in ["sip:", "sips:", "tel:"] {
        if let Some(rest) = s.strip_prefix(scheme) {
            s = rest;
        }
    }
    let s = s.split(['@', ';', '?', ',']).next().unwrap_or("");
    s.trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_number_is_read_out_of_a_dial_string() {
        assert_eq!(
            number_in_dialstring("011442071234567@carrier"),
            "011442071234567"
        );
        assert_eq!(
            number_in_dialstring("carrier/sip:+442071234567@198.51.100.1;user=phone"),
            "+442071234567"
        );
        assert_eq!(number_in_dialstring("1002"), "1002");
        assert_eq!(
            number_in_dialstring("trunk/tel:+18765551234"),
            "+18765551234"
        );
    }

    #[test]
    fn destinations_are_classified() {
        let us = Dialling::new(Region::country("US"), None, None);
        let lists = NumberLists::default();
        let jm = Destination::classify("1 876 555 1234", &us, &lists);
        assert!(jm.international);
        assert_eq!(jm.class, "international");
        assert_eq!(jm.country().as_deref(), Some("JM"));
        let ny = Destination::classify("212 555 1234", &us, &lists);
        assert!(!ny.international);
        assert_eq!(ny.class, "domestic");
        let odd = Destination::classify("*98\x1b", &us, &lists);
        assert_eq!(odd.class, "unknown");
        assert_eq!(odd.shown, "*98\\x1b");
    }
}
