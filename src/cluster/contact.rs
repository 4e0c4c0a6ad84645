//! A registered contact of a PJSIP AOR, as the Extension Finder shares it: read from the
//! fields Asterisk's sorcery gives for a `contact` object (on this server), or from another
//! server's message (validated like any other input).
//!
//! Asterisk does not store where a REGISTER came from. The best source address is the one of
//! the SuccessfulAuth that accepted the REGISTER (joined on its Call-ID); without it, the
//! contact URI's host (which `rewrite_contact = yes` sets to the packet's source), and only then
//! the Via header's sent-by, which is what the phone claims.

use std::net::{IpAddr, SocketAddr};

use crate::config::valid_node_name;
use crate::util::escape::untrusted;
use crate::util::net::canonical_ip;
use crate::util::time::Millis;

/// Where a contact's source address was learnt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressFrom {
    /// The SuccessfulAuth event of the REGISTER: the packet's real source.
    Login,
    /// The contact URI (the packet's source when the endpoint has `rewrite_contact = yes`).
    Uri,
    /// The Via header: what the phone says.
    Via,
    /// Another server's announcement.
    Remote,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Asterisk's contact id: `<aor>;@<hash>`.
    pub id: String,
    pub aor: String,
    /// The contact URI, escaped for display.
    pub uri: String,
    pub address: Option<SocketAddr>,
    pub address_from: AddressFrom,
    /// UDP, TCP, TLS, WS, WSS or empty when unknown.
    pub transport: String,
    /// Escaped for display.
    pub user_agent: String,
    pub node: String,
    /// When the registration ends (wall-clock ms).
    pub expires: Millis,
    /// When it was last registered or refreshed (wall-clock ms).
    pub updated: Millis,
}

/// Longest contact id, AOR, URI and User-Agent kept.
pub const MAX_ID: usize = 300;
pub const MAX_AOR: usize = 128;
pub const MAX_URI: usize = 512;
pub const MAX_USER_AGENT: usize = 256;

/// A contact id or AOR: printable ASCII without spaces.
pub fn valid_name(s: &str, max: usize) -> bool {
    (1..=max).contains(&s.len()) && s.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// The transport names we accept, upper case; anything else is "unknown".
pub fn normal_transport(t: &str) -> String {
    let up = t.to_ascii_uppercase();
    match up.as_str() {
        "UDP" | "TCP" | "TLS" | "WS" | "WSS" => up,
        _ => String::new(),
    }
}

/// `host:port` of a SIP URI (`sip:1001@203.0.113.5:5061;transport=tcp`), when the host is an
/// address; the port defaults to 5060.
fn uri_address(uri: &str) -> Option<SocketAddr> {
    let rest = uri
        .trim_start_matches('<')
        .strip_prefix("sips:")
        .or_else(|| uri.trim_start_matches('<').strip_prefix("sip:"))?;
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let hostport = rest.split([';', '>', '?']).next()?;
    host_port(hostport, "")
}

/// An address with an optional port: `203.0.113.5`, `203.0.113.5:5061`, `[2001:db8::5]:5061`.
fn host_port(host: &str, port: &str) -> Option<SocketAddr> {
    let port: u16 = if port.is_empty() {
        5060
    } else {
        port.parse().ok()?
    };
    if let Ok(sa) = host.parse::<SocketAddr>() {
        return Some(SocketAddr::new(canonical_ip(sa.ip()), sa.port()));
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(canonical_ip(ip), port))
}

fn uri_transport(uri: &str) -> String {
    uri.split(';')
        .skip(1)
        .find_map(|p| p.strip_prefix("transport="))
        .map(|t| normal_transport(t.trim_end_matches('>')))
        .unwrap_or_default()
}

/// A contact of this server, from sorcery's fields; also returns the REGISTER's Call-ID for
/// the join with its SuccessfulAuth.
pub fn from_fields(
    id: &str,
    fields: &[(String, String)],
    node: &str,
    now: Millis,
) -> Result<(Contact, Option<String>), String> {
    if !valid_name(id, MAX_ID) {
        return Err(format!(
            "contact id '{}' unusable",
            untrusted(id.as_bytes(), 64)
        ));
    }
    let aor = id.split(";@").next().unwrap_or(id);
    if !valid_name(aor, MAX_AOR) {
        return Err(format!("AOR '{}' unusable", untrusted(aor.as_bytes(), 64)));
    }
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let uri = field("uri");
    let expires = field("expiration_time")
        .parse::<i64>()
        .map(|s| s.saturating_mul(1000))
        .unwrap_or(0);
    let (address, address_from) = match uri_address(uri) {
        Some(a) => (Some(a), AddressFrom::Uri),
        None => (
            host_port(field("via_addr"), field("via_port")),
            AddressFrom::Via,
        ),
    };
    let call_id = Some(field("call_id"))
        .filter(|c| !c.is_empty() && c.len() <= 256)
        .map(str::to_owned);
    Ok((
        Contact {
            id: id.to_owned(),
            aor: aor.to_owned(),
            uri: untrusted(uri.as_bytes(), MAX_URI),
            address,
            address_from,
            transport: uri_transport(uri),
            user_agent: untrusted(field("user_agent").as_bytes(), MAX_USER_AGENT),
            node: node.to_owned(),
            expires,
            updated: now,
        },
        call_id,
    ))
}

impl Contact {
    /// Whether the registration is still running at `now`.
    pub fn is_live(&self, now: Millis) -> bool {
        self.expires > now
    }

    /// Checks a contact from another server (every field, before it is stored or shown).
    pub fn check_remote(&self, now: Millis) -> Result<(), String> {
        if !valid_node_name(&self.node) {
            return Err("bad node name".to_owned());
        }
        if !valid_name(&self.id, MAX_ID) || !valid_name(&self.aor, MAX_AOR) {
            return Err("bad contact id or AOR".to_owned());
        }
        if !self.id.starts_with(&self.aor) {
            return Err("contact id does not belong to its AOR".to_owned());
        }
        if self.uri.len() > MAX_URI * 4 || self.user_agent.len() > MAX_USER_AGENT * 4 {
            return Err("contact URI or User-Agent too long".to_owned());
        }
        let year = 366 * 86_400_000;
        if self.expires <= now || self.expires > now + year {
            return Err("expiry in the past or more than a year ahead".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_registration_as_sorcery_reports_it() {
        let f = fields(&[
            ("uri", "sip:1001@127.0.0.1:5061;transport=tcp"),
            ("via_addr", "127.0.0.1"),
            ("via_port", "5062"),
            ("call_id", "1-18005@127.0.0.1"),
            ("user_agent", "phone/1.0\x1b[31m"),
            ("expiration_time", "1796189319"),
        ]);
        let (c, call) = from_fields("1001;@f59e063b", &f, "nodeB", 5).unwrap();
        assert_eq!(c.aor, "1001");
        assert_eq!(c.address, Some("127.0.0.1:5061".parse().unwrap()));
        assert_eq!(c.address_from, AddressFrom::Uri);
        assert_eq!(c.transport, "TCP");
        assert_eq!(c.user_agent, "phone/1.0\\x1b[31m");
        assert_eq!(c.expires, 1_796_189_319_000);
        assert_eq!(call.as_deref(), Some("1-18005@127.0.0.1"));
    }

    #[test]
    fn without_an_address_in_the_uri_the_via_is_used() {
        let f = fields(&[
            ("uri", "sip:1001@phone.example"),
            ("via_addr", "2001:db8::5"),
            ("via_port", "5070"),
        ]);
        let (c, _) = from_fields("1001;@x", &f, "nodeB", 0).unwrap();
        assert_eq!(c.address, Some("[2001:db8::5]:5070".parse().unwrap()));
        assert_eq!(c.address_from, AddressFrom::Via);
        assert_eq!(c.transport, "");
    }

    #[test]
    fn unusable_ids_are_refused() {
        assert!(from_fields("", &[], "n", 0).is_err());
        assert!(from_fields("10 01;@x", &[], "n", 0).is_err());
    }
}
