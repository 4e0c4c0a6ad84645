//! What one run of a handler's program gets: its argv (each `argument =` line one element,
//! placeholders filled in), its environment (`SECAST_*`, PATH and the handler's own
//! `environment =` lines; nothing of Asterisk's), and one JSON document on stdin.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde_json::{Map, Value, json};

use super::event::{BanFacts, HandlerEvent};
use crate::config::{DecisionField, HandlerConfig};
use crate::os::process::Spawn;
use crate::util::time::Millis;

/// The program's PATH: the usual system directories, nothing from Asterisk's environment.
pub const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// Bytes of stdout and of stderr kept per run (for the log).
pub const CAPTURE: usize = 4096;

/// One ban in force, as a sync run lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncEntry {
    pub net: IpNet,
    pub until: Option<Millis>,
    pub rule: String,
}

/// What a run is for.
pub enum Subject<'a> {
    Event(&'a HandlerEvent),
    Sync {
        file: &'a Path,
        bans: &'a [SyncEntry],
    },
}

/// Seconds left at `now`, rounded up (a ban with 0.2 s left still has 1 s), or None when it
/// has ended.
fn seconds_left(until: Millis, now: Millis) -> Option<i64> {
    let left = until - now;
    (left > 0).then(|| (left + 999) / 1000)
}

fn family(net: &IpNet) -> &'static str {
    match net {
        IpNet::V4(_) => "ipv4",
        IpNet::V6(_) => "ipv6",
    }
}

/// The host address of a host network (`203.0.113.5` for /32), none for a wider network.
fn host_of(net: &IpNet) -> Option<String> {
    (net.prefix_len() == net.max_prefix_len()).then(|| net.addr().to_string())
}

/// Every field's value for one run, as text (empty when the decision has no such fact).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Fields {
    values: Vec<(DecisionField, String)>,
}

impl Fields {
    pub fn get(&self, f: DecisionField) -> String {
        self.values
            .iter()
            .find(|(k, _)| *k == f)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn set(&mut self, f: DecisionField, v: impl Into<String>) {
        self.values.retain(|(k, _)| *k != f);
        self.values.push((f, v.into()));
    }

    fn set_opt(&mut self, f: DecisionField, v: Option<impl ToString>) {
        if let Some(v) = v {
            self.set(f, v.to_string());
        }
    }

    fn set_net(&mut self, net: &IpNet) {
        self.set(DecisionField::Cidr, net.trunc().to_string());
        self.set(DecisionField::Family, family(net));
        self.set_opt(DecisionField::Ip, host_of(net));
    }

    fn set_ban(&mut self, b: &BanFacts, now: Millis, with_time: bool) {
        self.set_net(&b.net);
        if with_time {
            match b.until {
                None => {
                    self.set(DecisionField::Duration, "permanent");
                    self.set(DecisionField::Until, "permanent");
                }
                Some(u) => {
                    self.set_opt(DecisionField::Duration, seconds_left(u, now));
                    self.set(DecisionField::Until, (u / 1000).to_string());
                }
            }
        }
        self.set(DecisionField::Rule, b.rule.clone());
        self.set(DecisionField::Offence, b.offence.to_string());
        self.set_opt(DecisionField::Risk, b.risk);
        self.set_opt(DecisionField::Country, b.country.clone());
    }
}

/// The fields of a run about `subject` at `now` on `node`.
pub fn fields(subject: &Subject, now: Millis, node: &str) -> Fields {
    let mut f = Fields::default();
    f.set(DecisionField::Node, node);
    match subject {
        Subject::Sync { file, .. } => {
            f.set(DecisionField::Action, "sync");
            f.set(DecisionField::SyncFile, file.to_string_lossy().into_owned());
        }
        Subject::Event(ev) => {
            f.set(DecisionField::Action, ev.action().name());
            match ev {
                HandlerEvent::Ban(b) => {
                    f.set_ban(b, now, true);
                    f.set(DecisionField::Reason, b.reason.clone());
                }
                HandlerEvent::Unban { ban, why } => {
                    f.set_ban(ban, now, false);
                    f.set(DecisionField::Reason, why.text());
                }
                HandlerEvent::Alert(a) => {
                    if let Some(ip) = a.ip {
                        f.set_net(&IpNet::from(ip));
                    }
                    f.set(DecisionField::Rule, a.rule.clone());
                    f.set(DecisionField::Reason, a.message.clone());
                    f.set_opt(DecisionField::Account, a.account.clone());
                    f.set_opt(DecisionField::Risk, a.risk);
                    f.set_opt(DecisionField::Country, a.country.clone());
                }
                HandlerEvent::Fraud(x) => {
                    if let Some(ip) = x.ip {
                        f.set_net(&IpNet::from(ip));
                    }
                    f.set(DecisionField::Rule, x.rule.clone());
                    f.set(
                        DecisionField::Reason,
                        format!(
                            "{} reached {} ({}) calling {}",
                            x.counter, x.value, x.level, x.destination
                        ),
                    );
                    f.set(DecisionField::Account, x.account.clone());
                    f.set_opt(DecisionField::Risk, x.risk);
                    f.set_opt(DecisionField::Country, x.country.clone());
                }
                HandlerEvent::Audit(a) => {
                    f.set(DecisionField::Rule, "audit");
                    f.set(
                        DecisionField::Reason,
                        format!(
                            "configuration audit: {} critical, {} warnings, {} notes",
                            a.critical, a.warning, a.info
                        ),
                    );
                }
            }
        }
    }
    f
}

fn text_or_null(f: &Fields, field: DecisionField) -> Value {
    let v = f.get(field);
    if v.is_empty() {
        Value::Null
    } else {
        Value::String(v)
    }
}

fn number_or_null(f: &Fields, field: DecisionField) -> Value {
    f.get(field).parse::<i64>().map_or(Value::Null, Value::from)
}

/// The JSON document on the program's stdin: the same facts as the environment, typed, plus
/// what only some decisions have (why a ban ended, a fraud finding's counter, the sync list).
pub fn stdin_document(subject: &Subject, f: &Fields) -> Vec<u8> {
    let permanent = f.get(DecisionField::Duration) == "permanent";
    let mut doc = Map::new();
    doc.insert("action".into(), json!(f.get(DecisionField::Action)));
    doc.insert("node".into(), json!(f.get(DecisionField::Node)));
    for (key, field) in [
        ("ip", DecisionField::Ip),
        ("cidr", DecisionField::Cidr),
        ("family", DecisionField::Family),
    ] {
        doc.insert(key.into(), text_or_null(f, field));
    }
    doc.insert(
        "duration".into(),
        number_or_null(f, DecisionField::Duration),
    );
    doc.insert("permanent".into(), json!(permanent));
    doc.insert("until".into(), number_or_null(f, DecisionField::Until));
    doc.insert("rule".into(), text_or_null(f, DecisionField::Rule));
    doc.insert("reason".into(), text_or_null(f, DecisionField::Reason));
    doc.insert("risk".into(), number_or_null(f, DecisionField::Risk));
    doc.insert("account".into(), text_or_null(f, DecisionField::Account));
    doc.insert("country".into(), text_or_null(f, DecisionField::Country));
    doc.insert("offence".into(), number_or_null(f, DecisionField::Offence));
    match subject {
        Subject::Event(HandlerEvent::Ban(b)) => {
            doc.insert("since".into(), json!(b.since / 1000));
        }
        Subject::Event(HandlerEvent::Unban { ban, why }) => {
            doc.insert("since".into(), json!(ban.since / 1000));
            doc.insert("why".into(), json!(why.label()));
        }
        Subject::Event(HandlerEvent::Alert(a)) => {
            doc.insert("at".into(), json!(a.at / 1000));
        }
        Subject::Event(HandlerEvent::Fraud(x)) => {
            doc.insert("at".into(), json!(x.at / 1000));
            doc.insert("destination".into(), json!(x.destination));
            doc.insert("e164".into(), json!(x.e164));
            doc.insert("destination_country".into(), json!(x.destination_country));
            doc.insert("class".into(), json!(x.class));
            doc.insert("counter".into(), json!(x.counter));
            doc.insert("value".into(), json!(x.value));
            doc.insert("level".into(), json!(x.level));
        }
        Subject::Event(HandlerEvent::Audit(a)) => {
            doc.insert("at".into(), json!(a.at / 1000));
            doc.insert("critical".into(), json!(a.critical));
            doc.insert("warning".into(), json!(a.warning));
            doc.insert("info".into(), json!(a.info));
        }
        Subject::Sync { file, bans } => {
            doc.insert("file".into(), json!(file.to_string_lossy()));
            doc.insert("count".into(), json!(bans.len()));
            let list: Vec<Value> = bans
                .iter()
                .map(|b| {
                    json!({
                        "cidr": b.net.to_string(),
                        "until": b.until.map(|u| u / 1000),
                        "rule": b.rule,
                    })
                })
                .collect();
            doc.insert("bans".into(), Value::Array(list));
        }
    }
    let mut bytes = serde_json::to_vec(&Value::Object(doc)).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The run as the OS layer starts it.
pub fn spawn(
    h: &HandlerConfig,
    ids: (Option<u32>, Option<u32>),
    subject: &Subject,
    now: Millis,
    node: &str,
) -> Spawn {
    let f = fields(subject, now, node);
    let args = h
        .arguments
        .iter()
        .map(|a| OsString::from(a.render(|field| f.get(field))))
        .collect();
    let mut env: Vec<(OsString, OsString)> = vec![("PATH".into(), PATH.into())];
    for (k, v) in &h.environment {
        env.push((k.into(), v.into()));
    }
    for field in DecisionField::ALL {
        if field == DecisionField::SyncFile && !matches!(subject, Subject::Sync { .. }) {
            continue;
        }
        env.push((field.env_name().into(), f.get(field).into()));
    }
    Spawn {
        program: PathBuf::from(&h.program),
        args,
        env,
        uid: ids.0,
        gid: ids.1,
        stdin: stdin_document(subject, &f),
        timeout: h.timeout,
        capture: CAPTURE,
    }
}
