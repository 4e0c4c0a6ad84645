//! What travels through Redis, as JSON: the live messages on the channel and the records kept
//! in keys (a record is the message that announced it). Everything read back is checked field
//! by field ([`Message::parse`] and the `to_*` conversions): another server, or whoever can
//! write to Redis, is an untrusted source like a SIP packet. A message that fails is logged
//! (escaped) and skipped; nothing in it is used.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::contact::{AddressFrom, Contact, normal_transport};
use super::device_state::{DeviceState, valid_device};
use super::identity::Eid;
use crate::config::valid_node_name;
use crate::decision::{Ban, BanOrigin, RemoteFailures};
use crate::util::escape::untrusted;
use crate::util::net::{canonical_ip, parse_net, valid_host_port};
use crate::util::time::Millis;

/// The largest message or record accepted.
pub const MAX_MESSAGE: usize = 512 << 10;
/// Most sources in one failure batch, and device states in one message.
pub const MAX_ITEMS: usize = 2_000;
/// Longest ban reason kept.
const MAX_REASON: usize = 400;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "lowercase")]
pub enum Message {
    Hello(Hello),
    Ban(BanRecord),
    Unban(Unban),
    Fail(FailBatch),
    Contact(ContactRecord),
    Uncontact(Uncontact),
    Devs(DeviceStates),
}

/// A node announcing itself (every second, and kept in its `node:` key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hello {
    pub node: String,
    pub eid: String,
    pub inst: u64,
    /// `host:port` other servers send calls to; empty when not announced.
    #[serde(default)]
    pub sip: String,
    pub ver: String,
    pub sent: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BanRecord {
    pub node: String,
    pub net: String,
    pub since: i64,
    /// None: permanent.
    pub until: Option<i64>,
    /// The rule's name, or `manual`.
    pub rule: String,
    pub reason: String,
    pub offence: u32,
    pub sent: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unban {
    pub node: String,
    pub net: String,
    pub at: i64,
    pub sent: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailEntry {
    pub ip: String,
    /// SIP (and other non-AMI) authentication failures.
    #[serde(default)]
    pub f: u32,
    /// AMI login failures.
    #[serde(default)]
    pub a: u32,
    /// Hashes of unknown AccountIDs tried.
    #[serde(default)]
    pub acc: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailBatch {
    pub node: String,
    pub src: Vec<FailEntry>,
    pub sent: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactRecord {
    pub node: String,
    pub id: String,
    pub aor: String,
    pub uri: String,
    /// Source `address:port`, when known.
    #[serde(default)]
    pub addr: String,
    #[serde(default)]
    pub tr: String,
    #[serde(default)]
    pub ua: String,
    /// When the registration ends (wall-clock ms).
    pub exp: i64,
    pub sent: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Uncontact {
    pub node: String,
    pub id: String,
    pub sent: i64,
}

/// Device states of one node: a change (a few) or a full snapshot (`full`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceStates {
    pub node: String,
    pub eid: String,
    pub states: Vec<(String, i64)>,
    #[serde(default)]
    pub full: bool,
    pub sent: i64,
}

/// The highest offence of a source, kept in the `offences` hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OffenceRecord {
    pub n: u32,
    pub at: i64,
}

fn check_node(node: &str) -> Result<(), String> {
    if valid_node_name(node) {
        Ok(())
    } else {
        Err(format!(
            "bad node name '{}'",
            untrusted(node.as_bytes(), 64)
        ))
    }
}

/// A wall-clock time that is neither before 2020 nor absurdly far ahead.
fn check_time(t: i64, what: &str) -> Result<(), String> {
    const Y2020: i64 = 1_577_836_800_000;
    const Y2200: i64 = 7_258_118_400_000;
    if (Y2020..Y2200).contains(&t) {
        Ok(())
    } else {
        Err(format!("{what} {t} is not a plausible time"))
    }
}

fn check_net(text: &str) -> Result<IpNet, String> {
    if text.len() > 64 {
        return Err("network too long".to_owned());
    }
    parse_net(text).ok_or_else(|| format!("bad network '{}'", untrusted(text.as_bytes(), 64)))
}

fn check_rule(rule: &str) -> Result<(), String> {
    let ok =
        (1..=32).contains(&rule.len()) && rule.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "bad rule name '{}'",
            untrusted(rule.as_bytes(), 40)
        ))
    }
}

/// Text shown to the admin: kept as is when it is plain printable ASCII, escaped otherwise.
fn display_text(s: &str, max: usize) -> String {
    if s.len() <= max && s.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        s.to_owned()
    } else {
        untrusted(s.as_bytes(), max)
    }
}

impl Message {
    /// A message or record from Redis, parsed and checked as far as it can be without
    /// context (every field of its kind is checked again by the `to_*` conversions).
    pub fn parse(bytes: &[u8]) -> Result<Message, String> {
        if bytes.len() > MAX_MESSAGE {
            return Err(format!("{} bytes, more than {MAX_MESSAGE}", bytes.len()));
        }
        let m: Message =
            serde_json::from_slice(bytes).map_err(|e| format!("not a message: {e}"))?;
        check_node(m.node())?;
        check_time(m.sent(), "sent")?;
        Ok(m)
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub fn node(&self) -> &str {
        match self {
            Message::Hello(m) => &m.node,
            Message::Ban(m) => &m.node,
            Message::Unban(m) => &m.node,
            Message::Fail(m) => &m.node,
            Message::Contact(m) => &m.node,
            Message::Uncontact(m) => &m.node,
            Message::Devs(m) => &m.node,
        }
    }

    pub fn sent(&self) -> i64 {
        match self {
            Message::Hello(m) => m.sent,
            Message::Ban(m) => m.sent,
            Message::Unban(m) => m.sent,
            Message::Fail(m) => m.sent,
            Message::Contact(m) => m.sent,
            Message::Uncontact(m) => m.sent,
            Message::Devs(m) => m.sent,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Message::Hello(_) => "hello",
            Message::Ban(_) => "ban",
            Message::Unban(_) => "unban",
            Message::Fail(_) => "failures",
            Message::Contact(_) => "contact",
            Message::Uncontact(_) => "contact removal",
            Message::Devs(_) => "device states",
        }
    }
}

impl Hello {
    /// The node's entity ID and SIP address, checked.
    pub fn check(&self) -> Result<(Eid, Option<String>), String> {
        let eid = Eid::parse(&self.eid)
            .ok_or_else(|| format!("bad entity ID '{}'", untrusted(self.eid.as_bytes(), 32)))?;
        let sip = match self.sip.as_str() {
            "" => None,
            s if valid_host_port(s) => Some(s.to_owned()),
            s => return Err(format!("bad SIP address '{}'", untrusted(s.as_bytes(), 64))),
        };
        Ok((eid, sip))
    }
}

impl BanRecord {
    pub fn from_ban(ban: &Ban, node: &str, sent: Millis) -> BanRecord {
        BanRecord {
            node: node.to_owned(),
            net: ban.net.to_string(),
            since: ban.since,
            until: ban.until,
            rule: ban.origin.rule().to_owned(),
            reason: ban.reason.clone(),
            offence: ban.offence,
            sent,
        }
    }

    /// The ban this record describes, as a ban decided by `node`.
    pub fn to_ban(&self) -> Result<Ban, String> {
        check_node(&self.node)?;
        let net = check_net(&self.net)?;
        check_time(self.since, "since")?;
        if let Some(u) = self.until {
            check_time(u, "until")?;
            if u <= self.since {
                return Err("a ban that ends before it starts".to_owned());
            }
        }
        check_rule(&self.rule)?;
        if !(1..=1000).contains(&self.offence) {
            return Err(format!("offence {} out of range", self.offence));
        }
        Ok(Ban {
            net,
            since: self.since,
            until: self.until,
            origin: BanOrigin::Remote {
                rule: self.rule.clone(),
                node: self.node.clone(),
            },
            offence: self.offence,
            reason: display_text(&self.reason, MAX_REASON),
        })
    }
}

impl Unban {
    pub fn to_net(&self) -> Result<(IpNet, Millis), String> {
        check_node(&self.node)?;
        check_time(self.at, "at")?;
        Ok((check_net(&self.net)?, self.at))
    }
}

impl OffenceRecord {
    pub fn parse(net: &[u8], value: &[u8]) -> Result<(IpNet, u32, Millis), String> {
        let net = std::str::from_utf8(net).map_err(|_| "network not UTF-8".to_owned())?;
        let net = check_net(net)?;
        if value.len() > 256 {
            return Err("offence record too long".to_owned());
        }
        let r: OffenceRecord =
            serde_json::from_slice(value).map_err(|e| format!("bad offence record: {e}"))?;
        check_time(r.at, "at")?;
        if !(1..=1000).contains(&r.n) {
            return Err(format!("offence {} out of range", r.n));
        }
        Ok((net, r.n, r.at))
    }
}

impl FailBatch {
    pub fn to_failures(&self) -> Result<Vec<RemoteFailures>, String> {
        if self.src.len() > MAX_ITEMS {
            return Err(format!("{} sources in one batch", self.src.len()));
        }
        self.src
            .iter()
            .map(|e| {
                let ip: IpAddr =
                    e.ip.parse()
                        .map_err(|_| format!("bad address '{}'", untrusted(e.ip.as_bytes(), 64)))?;
                if e.f > 100_000 || e.a > 100_000 || e.acc.len() > 64 {
                    return Err("implausible failure counts".to_owned());
                }
                Ok(RemoteFailures {
                    ip: canonical_ip(ip),
                    failures: e.f,
                    ami_failures: e.a,
                    accounts: e.acc.clone(),
                })
            })
            .collect()
    }

    pub fn from_failures(node: &str, batch: &[RemoteFailures], sent: Millis) -> FailBatch {
        FailBatch {
            node: node.to_owned(),
            src: batch
                .iter()
                .map(|f| FailEntry {
                    ip: f.ip.to_string(),
                    f: f.failures,
                    a: f.ami_failures,
                    acc: f.accounts.clone(),
                })
                .collect(),
            sent,
        }
    }
}

impl ContactRecord {
    pub fn from_contact(c: &Contact, sent: Millis) -> ContactRecord {
        ContactRecord {
            node: c.node.clone(),
            id: c.id.clone(),
            aor: c.aor.clone(),
            uri: c.uri.clone(),
            addr: c.address.map(|a| a.to_string()).unwrap_or_default(),
            tr: c.transport.clone(),
            ua: c.user_agent.clone(),
            exp: c.expires,
            sent,
        }
    }

    pub fn to_contact(&self, now: Millis) -> Result<Contact, String> {
        let address = match self.addr.as_str() {
            "" => None,
            a => Some(
                a.parse::<SocketAddr>()
                    .map_err(|_| format!("bad address '{}'", untrusted(a.as_bytes(), 64)))?,
            ),
        };
        let c = Contact {
            id: self.id.clone(),
            aor: self.aor.clone(),
            uri: display_text(&self.uri, super::contact::MAX_URI),
            address,
            address_from: AddressFrom::Remote,
            transport: normal_transport(&self.tr),
            user_agent: display_text(&self.ua, super::contact::MAX_USER_AGENT),
            node: self.node.clone(),
            expires: self.exp,
            updated: self.sent,
        };
        c.check_remote(now)?;
        Ok(c)
    }
}

impl DeviceStates {
    /// The entity ID and the states, each checked (an unusable one fails the message).
    pub fn check(&self) -> Result<(Eid, Vec<(String, DeviceState)>), String> {
        let eid = Eid::parse(&self.eid)
            .filter(|e| !e.is_empty())
            .ok_or_else(|| format!("bad entity ID '{}'", untrusted(self.eid.as_bytes(), 32)))?;
        if self.states.len() > MAX_ITEMS {
            return Err(format!(
                "{} device states in one message",
                self.states.len()
            ));
        }
        let states = self
            .states
            .iter()
            .map(|(device, code)| {
                if !valid_device(device) {
                    return Err(format!(
                        "bad device name '{}'",
                        untrusted(device.as_bytes(), 64)
                    ));
                }
                let state = DeviceState::from_code(*code)
                    .ok_or_else(|| format!("device state {code} is not 0 to 8"))?;
                Ok((device.clone(), state))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok((eid, states))
    }
}

/// One device state as kept in a node's `devstate:` hash.
pub fn parse_device_entry(device: &[u8], state: &[u8]) -> Result<(String, DeviceState), String> {
    let device = std::str::from_utf8(device)
        .ok()
        .filter(|d| valid_device(d))
        .ok_or_else(|| format!("bad device name '{}'", untrusted(device, 64)))?;
    let state = std::str::from_utf8(state)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(DeviceState::from_code)
        .ok_or_else(|| format!("device state '{}' is not 0 to 8", untrusted(state, 16)))?;
    Ok((device.to_owned(), state))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_800_000_000_000;

    fn ban_json(extra: &str) -> String {
        format!(
            r#"{{"t":"ban","node":"nodeA","net":"203.0.113.5/32","since":{T},"until":{},"rule":"brute_force","reason":"5 failures","offence":2,"sent":{T}{extra}}}"#,
            T + 3_600_000
        )
    }

    #[test]
    fn a_ban_round_trips_and_becomes_a_remote_ban() {
        let m = Message::parse(ban_json("").as_bytes()).unwrap();
        let Message::Ban(b) = &m else { panic!("{m:?}") };
        let ban = b.to_ban().unwrap();
        assert_eq!(ban.net, "203.0.113.5/32".parse::<IpNet>().unwrap());
        assert_eq!(ban.offence, 2);
        assert_eq!(ban.origin.label(), "brute_force@nodeA");
        let again = BanRecord::from_ban(&ban, "nodeA", T);
        assert_eq!(&again, b);
        assert_eq!(Message::parse(&m.to_json()).unwrap(), m);
    }

    #[test]
    fn unknown_fields_are_ignored_but_bad_values_are_refused() {
        assert!(Message::parse(ban_json(r#","future":1"#).as_bytes()).is_ok());
        let bad = [
            ban_json("").replace("nodeA", "node A"),
            ban_json("").replace("203.0.113.5/32", "203.0.113.5/99"),
            ban_json("").replace("brute_force", "Brute Force"),
            ban_json("").replace("\"offence\":2", "\"offence\":0"),
            ban_json("").replace(&format!("\"since\":{T}"), "\"since\":5"),
            ban_json("").replace(
                &format!("\"until\":{}", T + 3_600_000),
                &format!("\"until\":{T}"),
            ),
        ];
        for b in bad {
            let parsed = Message::parse(b.as_bytes());
            let refused = match parsed {
                Err(_) => true,
                Ok(Message::Ban(r)) => r.to_ban().is_err(),
                Ok(_) => false,
            };
            assert!(refused, "{b}");
        }
        for junk in [
            &b"{"[..],
            b"[]",
            b"{\"t\":\"nuke\"}",
            b"\xff\xfe",
            &[b' '; MAX_MESSAGE + 1],
        ] {
            assert!(Message::parse(junk).is_err());
        }
    }

    #[test]
    fn a_hostile_reason_is_escaped() {
        let json = ban_json("").replace("5 failures", "x\\u001b[2J\\ny");
        let Message::Ban(b) = Message::parse(json.as_bytes()).unwrap() else {
            panic!()
        };
        let ban = b.to_ban().unwrap();
        assert_eq!(ban.reason, "x\\x1b[2J\\x0ay");
    }

    #[test]
    fn device_states_outside_0_to_8_or_with_bad_names_are_refused() {
        let ok = DeviceStates {
            node: "nodeB".into(),
            eid: "02:00:00:00:5e:0b".into(),
            states: vec![("PJSIP/1001".into(), 2)],
            full: false,
            sent: T,
        };
        assert_eq!(ok.check().unwrap().1[0].1, DeviceState::InUse);
        for states in [vec![("PJSIP/1001".into(), 9)], vec![(String::new(), 1)]] {
            let m = DeviceStates {
                states,
                ..ok.clone()
            };
            assert!(m.check().is_err());
        }
        let zero = DeviceStates {
            eid: "00:00:00:00:00:00".into(),
            ..ok
        };
        assert!(zero.check().is_err());
        assert!(parse_device_entry(b"PJSIP/1001", b"17").is_err());
        assert!(parse_device_entry(b"PJSIP/1001", b"1").is_ok());
    }

    #[test]
    fn contacts_from_elsewhere_are_checked() {
        let r = ContactRecord {
            node: "nodeB".into(),
            id: "1001;@abc".into(),
            aor: "1001".into(),
            uri: "sip:1001@198.51.100.12:5062".into(),
            addr: "198.51.100.12:5062".into(),
            tr: "udp".into(),
            ua: "phone\u{7}".into(),
            exp: T + 60_000,
            sent: T,
        };
        let c = r.to_contact(T).unwrap();
        assert_eq!(c.transport, "UDP");
        assert_eq!(c.user_agent, "phone\\x07");
        assert!(r.to_contact(T + 61_000).is_err(), "expired");
        let wrong = ContactRecord {
            id: "1002;@abc".into(),
            ..r.clone()
        };
        assert!(wrong.to_contact(T).is_err());
        let bad_addr = ContactRecord {
            addr: "here".into(),
            ..r
        };
        assert!(bad_addr.to_contact(T).is_err());
    }

    #[test]
    fn failure_batches_are_bounded() {
        let b = FailBatch {
            node: "nodeC".into(),
            src: vec![FailEntry {
                ip: "::ffff:203.0.113.9".into(),
                f: 2,
                a: 0,
                acc: vec![1, 2],
            }],
            sent: T,
        };
        let f = b.to_failures().unwrap();
        assert_eq!(f[0].ip, "203.0.113.9".parse::<IpAddr>().unwrap());
        let huge = FailBatch {
            src: vec![b.src[0].clone(); MAX_ITEMS + 1],
            ..b.clone()
        };
        assert!(huge.to_failures().is_err());
        let mut silly = b;
        silly.src[0].f = 1_000_000;
        assert!(silly.to_failures().is_err());
    }
}
