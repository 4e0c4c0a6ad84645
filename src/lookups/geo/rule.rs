//! One geofence rule: where it applies, what happens there, and for whom.
//!
//! # Rule text
//!
//! ```text
//! [account=ID] TARGET [action=ACTION]
//!
//! TARGET  continent:CODE          continent:EU     (AF AN AS EU NA OC SA)
//!         country:CODE            country:DE       (ISO 3166-1 alpha-2)
//!         subdivision:CC-CODE     subdivision:US-CA, subdivision:DE-BY
//!                                 (region: is the same; the part after the first '-' may also
//!                                 be the subdivision's name, which is what ip-location-db
//!                                 files carry: subdivision:US-California)
//!         city:CC/NAME            city:US/San Francisco   (the English name; spaces allowed)
//! ACTION  ban | alert | risk:N    N from 1 to 100; deny rules only, default from the config
//! ```
//!
//! Whether a rule allows or denies is not part of its text: it comes from the config key the
//! text was given under. Examples, as a deny list and an allow list might hold them:
//!
//! ```text
//! deny:  continent:AS action=alert
//! deny:  country:RU
//! deny:  subdivision:US-CA action=risk:40
//! allow: city:US/San Francisco
//! allow: account=1001 country:FR          roaming user 1001 may register from France
//! ```
//!
//! Codes are compared ignoring case; names ignoring case too (Unicode-aware).

use std::fmt;

use super::continent::{CONTINENT_CODES, is_continent};
use super::info::GeoInfo;

/// Where a rule applies, from the widest to the narrowest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GeoTarget {
    /// Continent code, upper case: `EU`.
    Continent(String),
    /// ISO 3166-1 alpha-2 country code, upper case: `DE`.
    Country(String),
    /// A subdivision of a country: `code` is the ISO 3166-2 part after the country (`BY`), or
    /// the subdivision's name for databases that carry only names.
    Subdivision { country: String, code: String },
    /// A city of a country, by English name.
    City { country: String, name: String },
}

impl GeoTarget {
    /// How narrow the target is; the narrowest matching rule wins.
    pub fn specificity(&self) -> u8 {
        match self {
            GeoTarget::Continent(_) => 0,
            GeoTarget::Country(_) => 1,
            GeoTarget::Subdivision { .. } => 2,
            GeoTarget::City { .. } => 3,
        }
    }

    /// Whether the location in `info` lies in this target.
    pub fn matches(&self, info: &GeoInfo) -> bool {
        let country_is =
            |want: &str| matches!(&info.country, Some(c) if c.eq_ignore_ascii_case(want));
        match self {
            GeoTarget::Continent(code) => {
                matches!(&info.continent, Some(c) if c.eq_ignore_ascii_case(code))
            }
            GeoTarget::Country(code) => country_is(code),
            GeoTarget::Subdivision { country, code } => {
                country_is(country)
                    && [&info.subdivision, &info.subdivision_name]
                        .into_iter()
                        .flatten()
                        .any(|s| same_name(s, code))
            }
            GeoTarget::City { country, name } => {
                country_is(country) && matches!(&info.city, Some(c) if same_name(c, name))
            }
        }
    }
}

/// Case-insensitive equality that also folds non-ASCII letters (`MÜNCHEN` = `München`).
fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
        || a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
}

impl fmt::Display for GeoTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeoTarget::Continent(code) => write!(f, "continent:{code}"),
            GeoTarget::Country(code) => write!(f, "country:{code}"),
            GeoTarget::Subdivision { country, code } => write!(f, "subdivision:{country}-{code}"),
            GeoTarget::City { country, name } => write!(f, "city:{country}/{name}"),
        }
    }
}

/// What a deny rule does to a source it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeoAction {
    /// Ban the source (and refuse the authentication that revealed it).
    Ban,
    /// Add this much to the source's risk score (1–100).
    Risk(u8),
    /// Only raise an alert.
    Alert,
}

impl fmt::Display for GeoAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeoAction::Ban => f.write_str("ban"),
            GeoAction::Risk(n) => write!(f, "risk:{n}"),
            GeoAction::Alert => f.write_str("alert"),
        }
    }
}

/// `ban`, `alert` or `risk:N` (N from 1 to 100), any case.
impl std::str::FromStr for GeoAction {
    type Err = String;

    fn from_str(text: &str) -> Result<GeoAction, String> {
        let t = text.trim().to_ascii_lowercase();
        match t.as_str() {
            "ban" => return Ok(GeoAction::Ban),
            "alert" => return Ok(GeoAction::Alert),
            _ => {}
        }
        if let Some(n) = t.strip_prefix("risk:") {
            return match n.parse::<u8>() {
                Ok(n @ 1..=100) => Ok(GeoAction::Risk(n)),
                _ => Err(format!(
                    "action \"{text}\": expected risk:N with N from 1 to 100"
                )),
            };
        }
        Err(format!(
            "action \"{text}\": expected ban, alert or risk:N (N from 1 to 100)"
        ))
    }
}

/// One allow or deny rule, optionally limited to one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeoRule {
    /// Allow rule (true) or deny rule (false).
    pub allow: bool,
    pub target: GeoTarget,
    /// What a deny rule does; carried but unused by allow rules.
    pub action: GeoAction,
    /// The account this rule is limited to (an exception for a roaming user), or None for
    /// every source.
    pub account: Option<String>,
}

impl fmt::Display for GeoRule {
    /// `deny account=1001 country:FR action=ban`: the verdict, then the rule in the syntax
    /// [`parse_rule`] reads, with the resolved action of a deny rule.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.allow { "allow " } else { "deny " })?;
        if let Some(account) = &self.account {
            write!(f, "account={account} ")?;
        }
        write!(f, "{}", self.target)?;
        if !self.allow {
            write!(f, " action={}", self.action)?;
        }
        Ok(())
    }
}

/// Parses one rule's text (the module documentation shows the syntax). A deny rule without
/// `action=` takes `default_action`; an allow rule must not name an action.
pub fn parse_rule(allow: bool, text: &str, default_action: GeoAction) -> Result<GeoRule, String> {
    let mut rest = text.trim();
    let mut account = None;
    if let Some(after) = strip_prefix_ignore_case(rest, "account=") {
        let (id, tail) = after.split_once(char::is_whitespace).unwrap_or((after, ""));
        if id.is_empty() {
            return Err(format!(
                "\"{text}\": expected an account name after account="
            ));
        }
        account = Some(id.to_owned());
        rest = tail.trim_start();
    }
    let mut action = None;
    if let Some((head, last)) = rest.rsplit_once(char::is_whitespace)
        && let Some(value) = strip_prefix_ignore_case(last, "action=")
    {
        if allow {
            return Err(format!(
                "\"{text}\": an allow rule takes no action= (actions belong to deny rules)"
            ));
        }
        action = Some(value.parse::<GeoAction>()?);
        rest = head.trim_end();
    }
    if rest.is_empty() {
        return Err(format!(
            "\"{text}\": expected a target: continent:, country:, subdivision: or city:"
        ));
    }
    Ok(GeoRule {
        allow,
        target: parse_target(rest)?,
        action: action.unwrap_or(default_action),
        account,
    })
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn parse_target(text: &str) -> Result<GeoTarget, String> {
    let Some((kind, value)) = text.split_once(':') else {
        return Err(format!(
            "\"{text}\": expected continent:CODE, country:CODE, subdivision:CC-CODE or city:CC/NAME"
        ));
    };
    let value = value.trim();
    match kind.trim().to_ascii_lowercase().as_str() {
        "continent" => {
            if is_continent(value) {
                Ok(GeoTarget::Continent(value.to_ascii_uppercase()))
            } else {
                Err(format!(
                    "continent \"{value}\": expected one of {}",
                    CONTINENT_CODES.join(" ")
                ))
            }
        }
        "country" => Ok(GeoTarget::Country(country_code(value, "country", value)?)),
        "subdivision" | "region" => {
            let (country, code) = value.split_once('-').unwrap_or((value, ""));
            let code = collapse_spaces(code);
            if code.is_empty() {
                return Err(format!(
                    "subdivision \"{value}\": expected COUNTRY-CODE such as US-CA or DE-BY"
                ));
            }
            Ok(GeoTarget::Subdivision {
                country: country_code(country, "subdivision", value)?,
                // ISO 3166-2 codes are one to three letters or digits; anything else is a name
                // and keeps its spelling for display.
                code: if code.len() <= 3 && code.chars().all(|c| c.is_ascii_alphanumeric()) {
                    code.to_ascii_uppercase()
                } else {
                    code
                },
            })
        }
        "city" => {
            let (country, name) = value.split_once('/').unwrap_or((value, ""));
            let name = collapse_spaces(name);
            if name.is_empty() {
                return Err(format!(
                    "city \"{value}\": expected COUNTRY/NAME such as US/San Francisco"
                ));
            }
            Ok(GeoTarget::City {
                country: country_code(country, "city", value)?,
                name,
            })
        }
        other => Err(format!(
            "\"{other}:\": expected continent:, country:, subdivision: (or region:) or city:"
        )),
    }
}

/// A two-letter country code, upper-cased; `what`/`whole` name the rule part in the error.
fn country_code(code: &str, what: &str, whole: &str) -> Result<String, String> {
    let code = code.trim();
    if code.eq_ignore_ascii_case("UK") {
        // The one code admins reach for that no database uses.
        return Err(format!(
            "{what} \"{whole}\": UK is not an ISO 3166-1 code; the United Kingdom is GB"
        ));
    }
    if code.len() == 2 && code.chars().all(|c| c.is_ascii_alphabetic()) {
        Ok(code.to_ascii_uppercase())
    } else {
        Err(format!(
            "{what} \"{whole}\": expected a two-letter ISO 3166-1 country code such as DE, got \"{code}\""
        ))
    }
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
