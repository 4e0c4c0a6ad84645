//! Bans, unbans and alerts told to the admin: a log line, and an AMI event in the `security`
//! class (SecAstBan, SecAstUnban, SecAstAlert) for whatever listens on the manager interface.

use std::ffi::{CStr, CString, c_int};
use std::fmt::Write;

use super::logger::host_log;
use super::sys;
use crate::ban::Ban;
use crate::duration;
use crate::enforcer::Notifier;
use crate::engine::{Alert, UnbanReason};
use crate::log::Level;

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

/// Sends one AMI event. Attacker-supplied text in the values was escaped when the ban or alert
/// was made; control characters are blanked here as well so that no CR/LF can ever split the
/// manager protocol. The format string is the constant "%s".
fn manager_event(name: &CStr, fields: &[(&str, String)]) {
    let mut body = String::new();
    for (k, v) in fields {
        let clean: String = v
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let _ = write!(body, "{k}: {clean}\r\n");
    }
    let Ok(body) = CString::new(body) else { return };
    // SAFETY: constant format with one valid string; no channels.
    unsafe {
        sys::__ast_manager_event_multichan(
            sys::secast_manager_event_flag::SECAST_EVENT_FLAG_SECURITY as c_int,
            name.as_ptr(),
            0,
            std::ptr::null_mut(),
            c"res_secast".as_ptr(),
            0,
            c"notifier".as_ptr(),
            c"%s".as_ptr(),
            body.as_ptr(),
        );
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
                ("Rule", ban.origin.label().to_owned()),
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
}
