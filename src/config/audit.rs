//! `[audit]`: the configuration audit (`secast audit`): when it runs, what counts as weak, and
//! which checks and objects it leaves alone.

use std::time::Duration;

use super::keys::{KeyDef, key, list_key};
use super::values::{parse_bool, parse_count, parse_duration};
use crate::decision::AuditCheck;

/// An `ignore = CHECK:OBJECT` line: findings of `check` (every check when None, written `*`)
/// about the object named `object` (a section, endpoint, user or context name) are not shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditIgnore {
    pub check: Option<AuditCheck>,
    pub object: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditConfig {
    /// Audit once Asterisk is fully booted and after every reload (log line, AMI event).
    pub enabled: bool,
    /// Also audit this often (zero: never), for changes Asterisk does not announce
    /// (`dialplan reload`, `manager reload`); such a run reports only when the counts change.
    pub interval: Duration,
    /// Passwords and secrets shorter than this are weak.
    pub min_password_length: usize,
    /// A certificate that ends within this is reported before it expires.
    pub certificate_warning: Duration,
    /// Per check, whether it runs (indexed by [`AuditCheck::index`]).
    pub checks: [bool; AuditCheck::COUNT],
    pub ignore: Vec<AuditIgnore>,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            enabled: true,
            interval: Duration::from_secs(3600),
            min_password_length: 12,
            certificate_warning: Duration::from_secs(30 * 86_400),
            checks: [true; AuditCheck::COUNT],
            ignore: Vec::new(),
        }
    }
}

impl AuditConfig {
    pub fn runs(&self, check: AuditCheck) -> bool {
        self.checks[check.index()]
    }

    /// Whether an `ignore` line covers findings of `check` about `object` (any case).
    pub fn ignores(&self, check: AuditCheck, object: &str) -> bool {
        self.ignore.iter().any(|i| {
            i.check.is_none_or(|c| c == check) && i.object.eq_ignore_ascii_case(object.trim())
        })
    }
}

/// `0` or `off` switches the periodic audit off; otherwise a duration.
fn parse_interval(v: &str) -> Result<Duration, String> {
    match v.to_ascii_lowercase().as_str() {
        "0" | "off" | "no" => Ok(Duration::ZERO),
        _ => parse_duration(v).map_err(|e| format!("0 (off) or {e}")),
    }
}

fn parse_ignore(v: &str) -> Result<AuditIgnore, String> {
    const EXPECTED: &str = "CHECK:OBJECT, e.g. pjsip_weak_password:1001 or *:monitor";
    let (check, object) = v.split_once(':').ok_or(EXPECTED)?;
    let object = object.trim();
    if object.is_empty() {
        return Err(EXPECTED.to_owned());
    }
    let check = match check.trim() {
        "*" => None,
        name => Some(
            name.parse::<AuditCheck>()
                .map_err(|e| format!("{EXPECTED} ({e})"))?,
        ),
    };
    Ok(AuditIgnore {
        check,
        object: object.to_owned(),
    })
}

fn set_check<const I: usize>(c: &mut super::Config, v: &str) -> Result<(), String> {
    c.audit.checks[I] = parse_bool(v)?;
    Ok(())
}

fn keep_check<const I: usize>(c: &mut super::Config, prev: &super::Config) -> String {
    c.audit.checks[I] = prev.audit.checks[I];
    super::values::ShowValue::show(&prev.audit.checks[I])
}

/// One `CHECK = yes|no` key per check, named after it.
macro_rules! check_keys {
    ($($i:literal),+ $(,)?) => {
        vec![$(KeyDef {
            section: "audit",
            name: AuditCheck::ALL[$i].name(),
            set: $crate::config::keys::Set::Plain(set_check::<$i>),
            keep: $crate::config::keys::Keep::Plain(keep_check::<$i>),
            secret: false,
        }),+]
    };
}

pub(super) fn keys() -> Vec<KeyDef> {
    let mut keys = vec![
        key!("audit", "enabled", audit.enabled, parse_bool),
        key!("audit", "interval", audit.interval, parse_interval),
        key!(
            "audit",
            "min_password_length",
            audit.min_password_length,
            |v| parse_count(v, 1, 128)
        ),
        key!(
            "audit",
            "certificate_warning",
            audit.certificate_warning,
            parse_duration
        ),
        list_key("audit", "ignore", |c, v| {
            let ignore = parse_ignore(v)?;
            c.audit.ignore.push(ignore);
            Ok(())
        }),
    ];
    let checks = check_keys!(
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23
    );
    debug_assert_eq!(checks.len(), AuditCheck::COUNT);
    keys.extend(checks);
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, ConfigEntry};

    #[test]
    fn every_check_has_a_switch_and_ignores_name_check_and_object() {
        let entries = [
            ConfigEntry::new("audit", "ami_security_reader", "no"),
            ConfigEntry::new("audit", "secast_handlers", "no"),
            ConfigEntry::new("audit", "ignore", "pjsip_weak_password:1001"),
            ConfigEntry::new("audit", "ignore", "*:monitor"),
            ConfigEntry::new("audit", "ignore", "no_such_check:x"),
            ConfigEntry::new("audit", "interval", "off"),
        ];
        let (cfg, issues) = Config::from_entries(&entries, &Config::default());
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert!(issues[0].to_string().contains("unknown audit check"));
        let a = &cfg.audit;
        assert!(!a.runs(AuditCheck::AmiSecurityReader));
        assert!(!a.runs(AuditCheck::SecastHandlers));
        assert!(a.runs(AuditCheck::AmiWeakSecret));
        assert!(a.ignores(AuditCheck::PjsipWeakPassword, "1001"));
        assert!(!a.ignores(AuditCheck::PjsipWeakPassword, "1002"));
        assert!(a.ignores(AuditCheck::AmiWeakSecret, "MONITOR"));
        assert_eq!(a.interval, Duration::ZERO);
        let names = keys();
        for c in AuditCheck::ALL {
            assert!(names.iter().any(|k| k.name == c.name()), "{c}");
        }
    }
}
