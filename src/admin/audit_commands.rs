//! `secast audit [json]`: runs the configuration audit now and prints its findings, as text
//! or as JSON for monitoring tools. The audit itself runs on the module's audit thread; the
//! command waits for it a bounded time and otherwise shows the last report.

use std::time::Duration;

use super::{CliCommand, NOT_RUNNING};
use crate::audit::Report;
use crate::worker::Shared;

/// How long `secast audit` waits for a fresh run before showing the last report.
pub const AUDIT_WAIT: Duration = Duration::from_secs(10);

/// The audit's commands, in `help secast` order.
pub const AUDIT_COMMANDS: [CliCommand; 1] = [CliCommand {
    words: c"secast audit",
    summary: c"Check the PBX's configuration against what attackers exploit",
    usage: c"Usage: secast audit [json]\n       Audits the configuration Asterisk has loaded (PJSIP, dialplan, AMI, HTTP/ARI, IAX2,\n       res_secast itself) and lists the findings worst first: severity, check, file, section,\n       key and line, what is wrong and what to change. Passwords are never shown, only the\n       rule they break. `json` prints the same for monitoring tools. Checks are switched\n       off and objects ignored in the [audit] section of secast.conf.\n",
    extra: (0, 1),
    run: audit,
    complete: Some(|_, pos| if pos == 2 { vec!["json".to_owned()] } else { Vec::new() }),
}];

/// How the report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Text,
    Json,
}

impl Form {
    pub fn parse(args: &[String]) -> Option<Form> {
        match args.first().map(|a| a.to_ascii_lowercase()) {
            None => Some(Form::Text),
            Some(a) if a == "json" => Some(Form::Json),
            Some(_) => None,
        }
    }
}

fn audit(args: &[String], shared: Option<&Shared>) -> Option<String> {
    let form = Form::parse(args)?;
    let Some(shared) = shared else {
        return Some(NOT_RUNNING.to_owned());
    };
    let Some(desk) = shared.audit.as_ref() else {
        return Some("the configuration audit is not available in this module\n".to_owned());
    };
    Some(match desk.fresh(AUDIT_WAIT) {
        Some(report) => show(&report, form, None),
        None => match desk.last() {
            Some(report) => show(
                &report,
                form,
                Some("the audit did not finish in time; this is the last report"),
            ),
            None => "the audit did not finish in time and has no report yet\n".to_owned(),
        },
    })
}

fn show(report: &Report, form: Form, note: Option<&str>) -> String {
    match (form, note) {
        (Form::Text, None) => report.text(),
        (Form::Text, Some(n)) => format!("({n})\n{}", report.text()),
        // Monitoring tools parse this: the note would break the JSON, and `at` says how old.
        (Form::Json, _) => report.json(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn audit_takes_nothing_or_json() {
        assert_eq!(Form::parse(&[]), Some(Form::Text));
        assert_eq!(Form::parse(&words("JSON")), Some(Form::Json));
        assert_eq!(Form::parse(&words("xml")), None);
        assert_eq!(audit(&words("xml"), None), None);
        assert_eq!(audit(&[], None).as_deref(), Some(NOT_RUNNING));
    }
}
