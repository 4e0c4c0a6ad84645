//! Bans, unbans, alerts and audit results told to the admin: a log line, and an AMI event in
//! the `security` class (SecAstBan, SecAstUnban, SecAstAlert, SecAstAudit) for whatever
//! listens on the manager interface.

use super::ffi::log::host_log;
use super::ffi::manager::manager_event;
use crate::decision::{Alert, AuditSummary, Ban, UnbanReason};
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

impl Notifier for AsteriskNotifier {
    fn banned(&self, ban: &Ban) {
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
            ],
        );
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
}
