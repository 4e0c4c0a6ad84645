//! Bans, unbans, alerts, toll-fraud findings and audit results told to the admin: a log line,
//! and an AMI event in the `security` class (SecAstBan, SecAstUnban, SecAstAlert, SecAstFraud,
//! SecAstAudit) for whatever listens on the manager interface. Toll-fraud findings that ask for
//! it hang the offending channels up from here: the enforcer's own thread, never one of
//! Asterisk's that something waits for.

use super::ffi::channel;
use super::ffi::log::host_log;
use super::ffi::manager::manager_event;
use crate::decision::{Alert, AuditSummary, Ban, FraudAlert, FraudLevel, UnbanReason};
use crate::enforce::Notifier;
use crate::util::duration;
use crate::util::log::Level;

pub struct AsteriskNotifier;

fn until_text(ban: &Ban) -> String {
    match ban.until {
        None => "permanent".to_owned(),
        Some(u) => format!("{}", u / 1000),
    }
}

fn length_text(ban: &Ban) -> String {
    match ban.until {
        None => "permanent".to_owned(),
        Some(u) => duration::format(std::time::Duration::from_secs(
            ((u - ban.since).max(0) / 1000) as u64,
        )),
    }
}

impl AsteriskNotifier {
    /// The log line and the `SecAstBan` event; `Durable: no` when the ledger has not got it
    /// yet (it is enforced all the same).
    fn ban_told(ban: &Ban, durable: bool) {
        host_log!(
            Level::Notice,
            "banned {} for {} ({}), offence {}",
            ban.net,
            length_text(ban),
            ban.reason,
            ban.offence
        );
        manager_event(
            c"SecAstBan",
            &[
                ("Address", ban.net.to_string()),
                ("Duration", length_text(ban)),
                ("Until", until_text(ban)),
                ("Rule", ban.origin.label()),
                ("Offence", ban.offence.to_string()),
                ("Reason", ban.reason.clone()),
                ("Durable", if durable { "yes" } else { "no" }.to_owned()),
            ],
        );
    }
}

impl Notifier for AsteriskNotifier {
    fn banned(&self, ban: &Ban) {
        AsteriskNotifier::ban_told(ban, true);
    }

    fn banned_not_durable(&self, ban: &Ban) {
        AsteriskNotifier::ban_told(ban, false);
    }

    fn unbanned(&self, ban: &Ban, why: UnbanReason) {
        host_log!(Level::Notice, "unbanned {} ({})", ban.net, why.label());
        manager_event(
            c"SecAstUnban",
            &[
                ("Address", ban.net.to_string()),
                ("Why", why.label().to_owned()),
            ],
        );
    }

    fn alert(&self, alert: &Alert) {
        host_log!(Level::Warning, "alert ({}): {}", alert.rule, alert.message);
        let mut fields = vec![
            ("Rule", alert.rule.name().to_owned()),
            ("Message", alert.message.clone()),
        ];
        if let Some(ip) = alert.ip {
            fields.push(("Address", ip.to_string()));
        }
        if let Some(a) = &alert.account {
            fields.push(("Account", a.clone()));
        }
        manager_event(c"SecAstAlert", &fields);
    }

    fn audit(&self, summary: &AuditSummary) {
        let level = if summary.critical > 0 {
            Level::Warning
        } else {
            Level::Notice
        };
        host_log!(
            level,
            "configuration audit: {} critical, {} warning, {} info; `secast audit` lists them",
            summary.critical,
            summary.warning,
            summary.info
        );
        manager_event(
            c"SecAstAudit",
            &[
                ("Critical", summary.critical.to_string()),
                ("Warning", summary.warning.to_string()),
                ("Info", summary.info.to_string()),
                ("At", (summary.at / 1000).to_string()),
            ],
        );
    }

    fn remove_contacts(&self, account: &str, source: std::net::IpAddr) {
        let who = crate::util::escape::untrusted(account.as_bytes(), 80);
        match super::contact_removal::remove(account, source) {
            Ok(ids) if ids.is_empty() => host_log!(
                Level::Notice,
                "no PJSIP contact of account \"{who}\" registered from banned {source} to remove"
            ),
            Ok(ids) => host_log!(
                Level::Notice,
                "removed {} PJSIP contact(s) of account \"{who}\" registered from banned {source}: {}",
                ids.len(),
                crate::util::escape::untrusted(ids.join(", ").as_bytes(), 400)
            ),
            Err(why) => host_log!(
                Level::Warning,
                "cannot remove the PJSIP contacts of account \"{who}\" registered from banned {source}: {why}"
            ),
        }
    }

    fn fraud(&self, f: &FraudAlert) {
        let reason = f.reason();
        let level = match f.level {
            FraudLevel::Critical => Level::Warning,
            FraudLevel::Warning => Level::Notice,
        };
        host_log!(
            level,
            "toll fraud ({}): account \"{}\"{} calling {}: {reason}",
            f.level,
            f.account,
            f.address.map(|a| format!(" from {a}")).unwrap_or_default(),
            f.destination,
        );
        let mut fields = vec![
            ("Account", f.account.clone()),
            ("Destination", f.destination.clone()),
            (
                "E164",
                f.e164
                    .as_deref()
                    .map(|e| format!("+{e}"))
                    .unwrap_or_default(),
            ),
            ("Country", f.country.clone().unwrap_or_default()),
            ("Class", f.class.clone().unwrap_or_default()),
            ("Counter", f.counter.clone()),
            ("Value", f.value.to_string()),
            ("Level", f.level.to_string()),
            ("Rule", f.rule.clone()),
            ("Reason", reason.clone()),
            (
                "HangUp",
                if f.hang_up.is_empty() { "no" } else { "yes" }.to_owned(),
            ),
        ];
        if let Some(ip) = f.address {
            fields.insert(1, ("Address", ip.to_string()));
        }
        manager_event(c"SecAstFraud", &fields);
        for uniqueid in &f.hang_up {
            if channel::hang_up(uniqueid) {
                host_log!(
                    Level::Warning,
                    "hung up channel {} of account \"{}\": {reason}",
                    crate::util::escape::for_log(uniqueid),
                    f.account
                );
            }
        }
    }
}
