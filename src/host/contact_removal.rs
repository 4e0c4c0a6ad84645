//! The engine's `RemoveContacts`: a source banned shortly after it logged in as an account
//! loses the contacts that login registered, at once, instead of holding the account's
//! `max_contacts` slot (and the real phone's calls) until the registration expires.
//!
//! Which contacts: those of the account's endpoint whose address is the banned source, by the
//! contact URI's host (what the client registered, rewritten to the packet's source with
//! `rewrite_contact`) or the Via address the registrar recorded. A contact registered from
//! another address (the real phone) is never touched. Runs on the enforcer's thread; the
//! deletes themselves on a PJSIP servant thread.

use std::net::IpAddr;
use std::sync::Mutex;

use super::ffi::{pjsip_task, sorcery};
use crate::util::net::canonical_ip;

/// The host of a SIP URI (`sip:1001@127.0.0.20:5060;transport=udp`, `<sips:[2001:db8::1]>`).
pub fn uri_host(uri: &str) -> Option<IpAddr> {
    let uri = uri.trim().trim_start_matches('<');
    let rest = uri
        .strip_prefix("sip:")
        .or_else(|| uri.strip_prefix("sips:"))?;
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    if let Some(v6) = rest.strip_prefix('[') {
        return v6.split(']').next()?.parse().ok();
    }
    rest.split([':', ';', '>', '?']).next()?.parse().ok()
}

fn same_address(text: &str, source: IpAddr) -> bool {
    text.trim()
        .trim_matches(['[', ']'])
        .parse::<IpAddr>()
        .is_ok_and(|ip| canonical_ip(ip) == canonical_ip(source))
}

/// Removes `account`'s contacts registered from `source`; the ids removed.
pub fn remove(account: &str, source: IpAddr) -> Result<Vec<String>, String> {
    let removed: Mutex<Result<Vec<String>, String>> = Mutex::new(Ok(Vec::new()));
    pjsip_task::on_pjsip_thread(|| {
        let keep = |f: &str| matches!(f, "endpoint" | "uri" | "via_addr");
        let outcome = match sorcery::pjsip_objects(c"contact", &keep) {
            None | Some(None) => Err("PJSIP's contacts cannot be read".to_owned()),
            Some(Some(contacts)) => Ok(contacts
                .into_iter()
                .filter(|c| {
                    let field = |name: &str| {
                        c.fields
                            .iter()
                            .find(|(n, _)| n == name)
                            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
                            .unwrap_or_default()
                    };
                    field("endpoint") == account
                        && (uri_host(&field("uri"))
                            .is_some_and(|h| canonical_ip(h) == canonical_ip(source))
                            || same_address(&field("via_addr"), source))
                })
                .filter(|c| sorcery::delete_pjsip_object(c"contact", &c.id))
                .map(|c| c.id)
                .collect()),
        };
        if let Ok(mut slot) = removed.lock() {
            *slot = outcome;
        }
    })?;
    removed
        .into_inner()
        .unwrap_or_else(|_| Err("contact removal failed".to_owned()))
}
