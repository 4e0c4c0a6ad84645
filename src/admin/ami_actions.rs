//! The `SecAst*` AMI actions: their names, help, privilege, and answers, as plain data. The
//! host registers [`actions`] with Asterisk's manager and renders an [`AmiAnswer`] on the
//! session; nothing here touches Asterisk.
//!
//! Header names are those of our events (`Address`, `Duration`, `Until`, `Rule`, `Offence`,
//! `Reason`). Every value is made single-line ([`ami_value`]) before it reaches the wire, so
//! no text (an account name, a reason) can start a header or an event of its own.
//!
//! Privileges. Asterisk checks an action's authority only against the session's **write**
//! permission (any one common class suffices); the read permission only filters events. So:
//! - `SecAstBan`, `SecAstUnban` need `write = security`;
//! - `SecAstShowBans`, `SecAstShowIP`, `SecAstStatus` need `write = security` or
//!   `write = reporting` (Asterisk's own query actions carry `reporting` the same way);
//! - the `SecAstBan`/`SecAstUnban`/`SecAstAlert` events need `read = security`.

use std::ffi::CStr;
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use ipnet::IpNet;

use super::ask::{ACK_WAIT, Asked, ask_for};
use super::cli_args::DEFAULT_BAN;
use super::version::VERSION;
use crate::decision::{Ban, Command};
use crate::util::duration;
use crate::util::lock::LockExt;
use crate::util::net::parse_net;
use crate::util::time::Millis;
use crate::worker::Shared;

/// Which class an action needs in the session's `write` permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmiPrivilege {
    /// `security`.
    Change,
    /// `security` or `reporting`.
    Query,
}

/// Headers of a response or a list item, in order.
pub type AmiHeaders = Vec<(&'static str, String)>;

/// How an action reads its request: a header by name ("" when absent).
pub type Header<'a> = &'a dyn Fn(&str) -> String;

/// An action's answer to a request, from the running module (None: not running).
pub type AmiRun = fn(Header, Option<&Shared>) -> AmiAnswer;

/// What an action answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmiAnswer {
    /// `Response: Success` with a message and, optionally, headers of its own.
    Success {
        message: String,
        headers: AmiHeaders,
    },
    /// `Response: Error`.
    Error(String),
    /// `Response: Success` / `EventList: start`, one `event` per item (each carrying the
    /// ActionID), then `complete` with `ListItems`.
    List {
        message: &'static str,
        event: &'static str,
        items: Vec<AmiHeaders>,
        complete: &'static str,
    },
}

pub struct AmiAction {
    pub name: &'static CStr,
    pub synopsis: &'static CStr,
    pub description: &'static CStr,
    pub privilege: AmiPrivilege,
    /// Reads the request's headers through `header` (absent: empty).
    pub run: AmiRun,
}

pub const NOT_RUNNING: &str = "res_secast is not running";

/// A value for an AMI header: one line, control characters blanked, trimmed, capped.
pub fn ami_value(v: &str) -> String {
    let mut out: String = v
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if out.len() > 900 {
        let mut end = 900;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    out.trim().to_owned()
}

/// Every action, as Asterisk registers them.
pub fn actions() -> &'static [AmiAction] {
    &ACTIONS
}

/// The action named `name` (Asterisk compares action names ignoring case).
pub fn find(name: &str) -> Option<&'static AmiAction> {
    ACTIONS.iter().find(|a| {
        a.name
            .to_str()
            .is_ok_and(|n| n.eq_ignore_ascii_case(name.trim()))
    })
}

static ACTIONS: [AmiAction; 5] = [
    AmiAction {
        name: c"SecAstBan",
        synopsis: c"Ban an address or network (res_secast)",
        description: c"Bans Address (an IP address or a network such as 203.0.113.0/24) for Duration\n(30m, 12h, 7d, 1w, seconds, or permanent; default 1h) with an optional Reason.\nAnswers once the ban is on disk. Refuses loopback, this host's addresses and\nwhitelisted networks. Needs write=security.\n",
        privilege: AmiPrivilege::Change,
        run: ban,
    },
    AmiAction {
        name: c"SecAstUnban",
        synopsis: c"Lift a ban (res_secast)",
        description: c"Lifts the ban on exactly Address (an IP address or network) and forgets its\ncounters. Answers once the unban is on disk. Needs write=security.\n",
        privilege: AmiPrivilege::Change,
        run: unban,
    },
    AmiAction {
        name: c"SecAstShowBans",
        synopsis: c"List the bans in force (res_secast)",
        description: c"Lists the bans in force as SecAstBanEntry events (Address, Duration, Until,\nRemaining, Since, Rule, Offence, Reason), then SecAstShowBansComplete. With\nAddress, only the bans within or covering it. Needs write=security or\nwrite=reporting.\n",
        privilege: AmiPrivilege::Query,
        run: show_bans,
    },
    AmiAction {
        name: c"SecAstShowIP",
        synopsis: c"Show the risk of an address and why (res_secast)",
        description: c"For Address: one SecAstIP event (Risk, Events, LastSeen, Banned and the ban,\nProtected, Location, Blocklisted), one SecAstIPExplanation event per reason,\nthen SecAstShowIPComplete. Needs write=security or write=reporting.\n",
        privilege: AmiPrivilege::Query,
        run: show_ip,
    },
    AmiAction {
        name: c"SecAstStatus",
        synopsis: c"Show res_secast's counters (res_secast)",
        description: c"Events received, processed and dropped, queue depth, bans in force, firewall\nand event-handler state, as headers of the response. Needs write=security or\nwrite=reporting.\n",
        privilege: AmiPrivilege::Query,
        run: status,
    },
];

fn running(shared: Option<&Shared>, f: impl FnOnce(&Shared) -> AmiAnswer) -> AmiAnswer {
    shared.map_or_else(|| AmiAnswer::Error(NOT_RUNNING.to_owned()), f)
}

fn address_header(header: Header) -> Result<IpNet, AmiAnswer> {
    let text = header("Address");
    if text.trim().is_empty() {
        return Err(AmiAnswer::Error("Address is required".to_owned()));
    }
    parse_net(&text).ok_or_else(|| {
        AmiAnswer::Error(format!(
            "Address '{}' is not an IP address or network",
            ami_value(&crate::util::escape::for_log(&text))
        ))
    })
}

/// `Duration`: empty gives the default hour, `permanent` none.
fn duration_header(text: &str) -> Result<Option<Duration>, AmiAnswer> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Some(DEFAULT_BAN));
    }
    if t.eq_ignore_ascii_case("permanent") {
        return Ok(None);
    }
    match duration::parse(t) {
        Some(d) if d >= Duration::from_secs(1) => Ok(Some(d)),
        _ => Err(AmiAnswer::Error(format!(
            "Duration '{}' is not a duration (30m, 12h, 7d, 1w, seconds) or permanent",
            ami_value(&crate::util::escape::for_log(t))
        ))),
    }
}

fn answer_of(a: Asked) -> AmiAnswer {
    match a {
        Asked::Done(text) => AmiAnswer::Success {
            message: ami_value(&text),
            headers: vec![("Durable", "yes".to_owned())],
        },
        // Done all the same (enforced from memory): a success that says it is not on disk.
        Asked::NotDurable(text) => AmiAnswer::Success {
            message: ami_value(&text),
            headers: vec![("Durable", "no".to_owned())],
        },
        Asked::Refused(why) => AmiAnswer::Error(ami_value(&why)),
        Asked::NotRunning => AmiAnswer::Error(NOT_RUNNING.to_owned()),
        Asked::NotConfirmed => AmiAnswer::Error(format!(
            "not confirmed within {}; it may still be applied (see SecAstShowBans)",
            duration::format(ACK_WAIT)
        )),
    }
}

fn ban(header: Header, shared: Option<&Shared>) -> AmiAnswer {
    let net = match address_header(header) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let length = match duration_header(&header("Duration")) {
        Ok(l) => l,
        Err(e) => return e,
    };
    let reason = ami_value(&header("Reason"));
    running(shared, |s| {
        answer_of(ask_for(
            s,
            |ack| Command::Ban {
                net,
                length,
                reason,
                ack,
            },
            ACK_WAIT,
        ))
    })
}

fn unban(header: Header, shared: Option<&Shared>) -> AmiAnswer {
    let net = match address_header(header) {
        Ok(n) => n,
        Err(e) => return e,
    };
    running(shared, |s| {
        answer_of(ask_for(s, |ack| Command::Unban { net, ack }, ACK_WAIT))
    })
}

fn until_text(b: &Ban) -> String {
    b.until
        .map_or_else(|| "permanent".to_owned(), |u| (u / 1000).to_string())
}

fn length_text(b: &Ban) -> String {
    b.until.map_or_else(
        || "permanent".to_owned(),
        |u| duration::format(Duration::from_secs(((u - b.since).max(0) / 1000) as u64)),
    )
}

/// The headers of one ban, as SecAstBan events and SecAstBanEntry items carry them.
fn ban_headers(b: &Ban, now: Millis) -> AmiHeaders {
    let remaining = b.until.map_or_else(
        || "permanent".to_owned(),
        |u| (((u - now).max(0) + 999) / 1000).to_string(),
    );
    vec![
        ("Address", b.net.to_string()),
        ("Duration", length_text(b)),
        ("Until", until_text(b)),
        ("Remaining", remaining),
        ("Since", (b.since / 1000).to_string()),
        ("Rule", ami_value(&b.origin.label())),
        ("Offence", b.offence.to_string()),
        ("Reason", ami_value(&b.reason)),
    ]
}

fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

fn show_bans(header: Header, shared: Option<&Shared>) -> AmiAnswer {
    let filter = if header("Address").trim().is_empty() {
        None
    } else {
        match address_header(header) {
            Ok(n) => Some(n),
            Err(e) => return e,
        }
    };
    running(shared, |s| {
        let now = s.now();
        let engine = s.engine();
        let mut bans: Vec<&Ban> = engine
            .bans()
            .iter()
            .filter(|b| filter.is_none_or(|f| overlaps(&f, &b.net)))
            .collect();
        bans.sort_by(|a, b| a.since.cmp(&b.since).then(a.net.cmp(&b.net)));
        AmiAnswer::List {
            message: "Bans will follow",
            event: "SecAstBanEntry",
            items: bans.into_iter().map(|b| ban_headers(b, now)).collect(),
            complete: "SecAstShowBansComplete",
        }
    })
}

fn show_ip(header: Header, shared: Option<&Shared>) -> AmiAnswer {
    let text = header("Address");
    let Some(ip) = crate::util::net::parse_host_address(&text) else {
        return AmiAnswer::Error(if text.trim().is_empty() {
            "Address is required".to_owned()
        } else {
            format!(
                "Address '{}' is not an IP address",
                ami_value(&crate::util::escape::for_log(&text))
            )
        });
    };
    running(shared, |s| ip_answer(s, ip))
}

fn ip_answer(s: &Shared, ip: IpAddr) -> AmiAnswer {
    let now = s.now();
    let report = s.engine().ip_report(ip, now, 0);
    let mut item: AmiHeaders = vec![
        ("Address", ip.to_string()),
        ("Risk", report.risk.to_string()),
        ("Events", report.events.to_string()),
        (
            "LastSeen",
            report
                .last_seen
                .map_or_else(String::new, |t| (t / 1000).to_string()),
        ),
        (
            "Banned",
            if report.ban.is_some() { "yes" } else { "no" }.to_owned(),
        ),
    ];
    if let Some(b) = &report.ban {
        item.extend(
            ban_headers(b, now)
                .into_iter()
                .filter(|(k, _)| *k != "Address"),
        );
        item.push(("BanNetwork", b.net.to_string()));
    }
    item.push((
        "Protected",
        report
            .protection
            .map_or_else(|| "no".to_owned(), |p| ami_value(&p.to_string())),
    ));
    if let Some(geo) = &report.geo {
        item.push(("Location", ami_value(geo)));
    }
    if let Some(listed) = &report.listed {
        item.push(("Blocklisted", ami_value(listed)));
    }
    item.push(("Offences", report.offences.len().to_string()));
    let mut items = vec![item];
    for line in &report.explanation {
        items.push(vec![
            ("Address", ip.to_string()),
            ("Explanation", ami_value(line)),
        ]);
    }
    AmiAnswer::List {
        message: "Address details will follow",
        event: "SecAstIP",
        items,
        complete: "SecAstShowIPComplete",
    }
}

fn status(_: Header, shared: Option<&Shared>) -> AmiAnswer {
    running(shared, |s| {
        let ing = &s.ingress;
        let (bans_in_force, counters) = {
            let engine = s.engine();
            (engine.bans().len(), engine.counters)
        };
        let processed = s.event_counters().processed;
        let mut headers: AmiHeaders = vec![
            ("Version", VERSION.to_owned()),
            ("Uptime", s.uptime().as_secs().to_string()),
            (
                "EventsReceived",
                ing.submitted.load(Ordering::Relaxed).to_string(),
            ),
            ("EventsProcessed", processed.to_string()),
            (
                "EventsDropped",
                ing.dropped.load(Ordering::Relaxed).to_string(),
            ),
            ("QueueDepth", s.queue_depth().to_string()),
            ("BansInForce", bans_in_force.to_string()),
            ("BansDecided", counters.bans.to_string()),
            ("Alerts", counters.alerts.to_string()),
        ];
        if let Some(e) = &s.enforcement {
            let backend = e.backend.locked().clone();
            headers.push((
                "FirewallBackend",
                if backend.is_empty() {
                    "none".to_owned()
                } else {
                    backend
                },
            ));
            headers.push((
                "FirewallPending",
                e.pending_ops.load(Ordering::Relaxed).to_string(),
            ));
            headers.push((
                "FirewallErrors",
                e.firewall_errors.load(Ordering::Relaxed).to_string(),
            ));
            if let Some(err) = e.last_error.locked().as_deref() {
                headers.push(("LastError", ami_value(err)));
            }
        }
        if let Some(board) = &s.handlers {
            let rows = board.rows();
            let sum = |f: fn(&crate::enforce::handlers::HandlerStatus) -> u64| -> String {
                rows.iter().map(f).sum::<u64>().to_string()
            };
            headers.push(("Handlers", rows.len().to_string()));
            headers.push(("HandlerRuns", sum(|h| h.runs)));
            headers.push(("HandlerFailures", sum(|h| h.failures)));
            headers.push(("HandlerQueued", sum(|h| h.queued as u64)));
            headers.push(("HandlerGivenUp", sum(|h| h.given_up)));
        }
        AmiAnswer::Success {
            message: "res_secast status".to_owned(),
            headers,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> impl Fn(&str) -> String {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name: &str| {
            owned
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        }
    }

    #[test]
    fn a_ban_answer_says_whether_it_is_durable() {
        let durable = answer_of(Asked::Done("banned 203.0.113.5/32 for 1h".into()));
        assert!(
            matches!(&durable, AmiAnswer::Success { headers, .. } if headers == &vec![("Durable", "yes".to_owned())]),
            "{durable:?}"
        );
        let not = answer_of(Asked::NotDurable(
            "banned 203.0.113.5/32 for 1h; not yet durable: the ledger cannot be written (No space left on device), written once it can".into(),
        ));
        let AmiAnswer::Success { message, headers } = not else {
            panic!("{not:?}: enforced all the same, so a success")
        };
        assert_eq!(headers, vec![("Durable", "no".to_owned())]);
        assert!(message.contains("not yet durable"), "{message}");
    }

    #[test]
    fn requests_without_a_valid_address_or_duration_are_refused_with_a_reason() {
        let ban = find("secastban").expect("found ignoring case");
        let answer = (ban.run)(&headers(&[]), None);
        assert_eq!(answer, AmiAnswer::Error("Address is required".to_owned()));
        let answer = (ban.run)(&headers(&[("Address", "attacker\r\nEvent: Forged")]), None);
        let AmiAnswer::Error(text) = answer else {
            panic!("{answer:?}")
        };
        assert!(!text.contains('\r') && !text.contains('\n'), "{text}");
        let answer = (ban.run)(
            &headers(&[("Address", "203.0.113.5"), ("Duration", "forever")]),
            None,
        );
        assert!(matches!(answer, AmiAnswer::Error(t) if t.contains("Duration 'forever'")));
        let answer = (ban.run)(&headers(&[("Address", "203.0.113.5")]), None);
        assert_eq!(answer, AmiAnswer::Error(NOT_RUNNING.to_owned()));
    }

    #[test]
    fn values_never_hold_a_line_break() {
        assert_eq!(ami_value("a\r\nEvent: x\n"), "a  Event: x");
    }
}
