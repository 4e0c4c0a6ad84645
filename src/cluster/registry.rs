//! The Extension Finder's view of the cluster: every registered contact (this server's and
//! the others'), and the nodes with what they announced. The cluster thread writes it; the
//! dialplan and the CLI read it under a read lock held for one lookup, never waiting on Redis.

use std::collections::HashMap;

use super::contact::Contact;
use super::identity::Eid;
use crate::config::{ClusterConfig, valid_endpoint_name};
use crate::util::time::Millis;

/// Contacts kept from all other servers together; beyond this, new ones are not kept
/// (counted), until registrations end.
pub const MAX_REMOTE_CONTACTS: usize = 200_000;
/// Nodes remembered.
pub const MAX_NODES: usize = 256;

/// What another node announced, and when it was last heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    pub name: String,
    pub eid: Eid,
    pub instance: u64,
    pub sip_address: Option<String>,
    pub version: String,
    /// When we last heard from it (our clock).
    pub last_heard: Millis,
    /// Our clock minus its `sent` time on its last message: transit time plus clock offset.
    pub lag_ms: i64,
}

#[derive(Debug, Default)]
pub struct Registry {
    local: HashMap<String, Contact>,
    remote: HashMap<String, HashMap<String, Contact>>,
    remote_count: usize,
    pub nodes: HashMap<String, NodeInfo>,
    pub refused: u64,
}

/// Where an AOR is registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub local: bool,
    pub contact: Contact,
}

impl Registry {
    pub fn set_local(&mut self, c: Contact) {
        self.local.insert(c.id.clone(), c);
    }

    pub fn remove_local(&mut self, id: &str) -> Option<Contact> {
        self.local.remove(id)
    }

    pub fn local(&self) -> impl Iterator<Item = &Contact> {
        self.local.values()
    }

    pub fn local_by_id(&self, id: &str) -> Option<&Contact> {
        self.local.get(id)
    }

    /// Replaces every local contact (the start-up snapshot).
    pub fn replace_local(&mut self, contacts: Vec<Contact>) {
        self.local = contacts.into_iter().map(|c| (c.id.clone(), c)).collect();
    }

    pub fn set_remote(&mut self, c: Contact) -> bool {
        let node = self.remote.entry(c.node.clone()).or_default();
        if !node.contains_key(&c.id) {
            if self.remote_count >= MAX_REMOTE_CONTACTS {
                self.refused += 1;
                return false;
            }
            self.remote_count += 1;
        }
        node.insert(c.id.clone(), c);
        true
    }

    pub fn remove_remote(&mut self, node: &str, id: &str) {
        if let Some(n) = self.remote.get_mut(node)
            && n.remove(id).is_some()
        {
            self.remote_count -= 1;
        }
    }

    /// Forgets everything another node registered (it left, or a resync replaces it).
    pub fn forget_node_contacts(&mut self, node: &str) {
        if let Some(n) = self.remote.remove(node) {
            self.remote_count -= n.len();
        }
    }

    pub fn forget_all_remote(&mut self) {
        self.remote.clear();
        self.remote_count = 0;
    }

    /// Drops registrations that have run out.
    pub fn sweep(&mut self, now: Millis) {
        self.local.retain(|_, c| c.is_live(now));
        let mut gone = 0;
        for n in self.remote.values_mut() {
            let before = n.len();
            n.retain(|_, c| c.is_live(now));
            gone += before - n.len();
        }
        self.remote.retain(|_, n| !n.is_empty());
        self.remote_count -= gone;
    }

    pub fn remote_count(&self) -> usize {
        self.remote_count
    }

    /// Where `aor` is registered: here if it is, otherwise the node where it registered or
    /// refreshed last.
    pub fn locate(&self, aor: &str, now: Millis) -> Option<Location> {
        let here = self
            .local
            .values()
            .filter(|c| c.aor == aor && c.is_live(now))
            .max_by_key(|c| c.updated);
        if let Some(c) = here {
            return Some(Location {
                local: true,
                contact: c.clone(),
            });
        }
        self.remote
            .values()
            .flat_map(|n| n.values())
            .filter(|c| c.aor == aor && c.is_live(now))
            .max_by_key(|c| (c.updated, c.expires))
            .map(|c| Location {
                local: false,
                contact: c.clone(),
            })
    }

    /// Every live registration, of one node or all, sorted by node and AOR.
    pub fn registrations(&self, node: Option<&str>, self_node: &str, now: Millis) -> Vec<Contact> {
        let mut out: Vec<Contact> = self
            .local
            .values()
            .filter(|_| node.is_none_or(|n| n == self_node))
            .chain(
                self.remote
                    .iter()
                    .filter(|(n, _)| node.is_none_or(|want| want == n.as_str()))
                    .flat_map(|(_, cs)| cs.values()),
            )
            .filter(|c| c.is_live(now))
            .cloned()
            .collect();
        out.sort_by(|a, b| (&a.node, &a.aor, &a.id).cmp(&(&b.node, &b.aor, &b.id)));
        out
    }

    pub fn note_node(&mut self, info: NodeInfo) {
        if self.nodes.len() >= MAX_NODES && !self.nodes.contains_key(&info.name) {
            return;
        }
        self.nodes.insert(info.name.clone(), info);
    }
}

/// An AOR as it may stand in a dial string: nothing Dial() or PJSIP would read as syntax
/// (`&` adds a destination, `,` an option, `/` and `@` change the meaning).
pub fn dialable_aor(aor: &str) -> bool {
    (1..=80).contains(&aor.len())
        && aor.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'+' | b'*' | b'#')
        })
}

/// The dial string that reaches `loc` from this server: `PJSIP/<aor>` when it is registered
/// here; for another node `PJSIP/<aor>@<endpoint>` through the endpoint configured for that
/// node, or `PJSIP/<trunk>/sip:<aor>@<its sip_address>`.
pub fn dial_string(
    loc: &Location,
    cfg: &ClusterConfig,
    nodes: &HashMap<String, NodeInfo>,
) -> Result<String, String> {
    let aor = &loc.contact.aor;
    if !dialable_aor(aor) {
        return Err(format!(
            "AOR '{}' holds characters a dial string cannot carry",
            crate::util::escape::for_log(aor)
        ));
    }
    if loc.local {
        return Ok(format!("PJSIP/{aor}"));
    }
    let node = &loc.contact.node;
    if let Some(endpoint) = cfg.endpoint_for(node) {
        return Ok(format!("PJSIP/{aor}@{endpoint}"));
    }
    let sip = nodes.get(node).and_then(|n| n.sip_address.as_deref());
    match sip {
        Some(addr) if valid_endpoint_name(&cfg.trunk_endpoint) => {
            Ok(format!("PJSIP/{}/sip:{aor}@{addr}", cfg.trunk_endpoint))
        }
        _ => Err(format!(
            "{aor} is registered on {node}, which announces no sip_address, and no \
             node_endpoint is configured for it"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::contact::AddressFrom;

    fn contact(node: &str, aor: &str, updated: Millis) -> Contact {
        Contact {
            id: format!("{aor};@{node}{updated}"),
            aor: aor.into(),
            uri: format!("sip:{aor}@198.51.100.12:5062"),
            address: None,
            address_from: AddressFrom::Remote,
            transport: "UDP".into(),
            user_agent: "ua".into(),
            node: node.into(),
            expires: 10_000,
            updated,
        }
    }

    fn node(name: &str, sip: Option<&str>) -> NodeInfo {
        NodeInfo {
            name: name.into(),
            eid: Eid::default(),
            instance: 1,
            sip_address: sip.map(str::to_owned),
            version: String::new(),
            last_heard: 0,
            lag_ms: 0,
        }
    }

    #[test]
    fn local_registration_wins_then_the_latest_remote_one() {
        let mut r = Registry::default();
        r.set_remote(contact("nodeB", "1001", 5));
        r.set_remote(contact("nodeC", "1001", 7));
        let loc = r.locate("1001", 100).unwrap();
        assert!(!loc.local);
        assert_eq!(loc.contact.node, "nodeC");
        r.set_local(contact("nodeA", "1001", 1));
        assert!(r.locate("1001", 100).unwrap().local);
        assert_eq!(r.locate("1001", 10_000), None, "expired");
        assert_eq!(r.locate("1002", 100), None);
        r.sweep(10_000);
        assert_eq!(r.remote_count(), 0);
    }

    #[test]
    fn dial_strings_for_here_a_configured_endpoint_and_an_announced_address() {
        let mut cfg = ClusterConfig::default();
        let mut nodes = HashMap::new();
        nodes.insert(
            "nodeB".to_owned(),
            node("nodeB", Some("198.51.100.12:5080")),
        );
        nodes.insert("nodeC".to_owned(), node("nodeC", None));
        let here = Location {
            local: true,
            contact: contact("nodeA", "1001", 1),
        };
        assert_eq!(dial_string(&here, &cfg, &nodes).unwrap(), "PJSIP/1001");
        let on_b = Location {
            local: false,
            contact: contact("nodeB", "1001", 1),
        };
        assert_eq!(
            dial_string(&on_b, &cfg, &nodes).unwrap(),
            "PJSIP/secast-cluster/sip:1001@198.51.100.12:5080"
        );
        cfg.node_endpoints.push(("nodeB".into(), "trunk-b".into()));
        assert_eq!(
            dial_string(&on_b, &cfg, &nodes).unwrap(),
            "PJSIP/1001@trunk-b"
        );
        let on_c = Location {
            local: false,
            contact: contact("nodeC", "1001", 1),
        };
        assert!(dial_string(&on_c, &cfg, &nodes).is_err());
    }

    #[test]
    fn an_aor_that_would_inject_dial_syntax_gets_no_dial_string() {
        let cfg = ClusterConfig::default();
        for aor in ["1001&PJSIP/evil", "1001,60,tT", "1001@x", "a/b"] {
            let loc = Location {
                local: true,
                contact: contact("nodeA", aor, 1),
            };
            assert!(dial_string(&loc, &cfg, &HashMap::new()).is_err(), "{aor}");
        }
    }

    #[test]
    fn the_remote_table_is_capped() {
        let mut r = Registry {
            remote_count: MAX_REMOTE_CONTACTS,
            ..Registry::default()
        };
        assert!(!r.set_remote(contact("nodeB", "1001", 1)));
        assert_eq!(r.refused, 1);
    }
}
