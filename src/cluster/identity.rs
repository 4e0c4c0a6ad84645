//! Who this server is in the cluster: its node name, Asterisk's entity ID (what distributed
//! device state is keyed by) and an instance number that changes at every start, so that two
//! servers configured with the same name are noticed.

use std::fmt;
use std::hash::{BuildHasher, Hasher};

use crate::config::valid_node_name;

/// Asterisk's entity ID (`[options] entityid`): six bytes, written `02:00:00:00:5e:0a`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Eid(pub [u8; 6]);

impl Eid {
    /// All zero: Asterisk found no ethernet address and none is configured.
    pub fn is_empty(&self) -> bool {
        self.0 == [0; 6]
    }

    pub fn parse(text: &str) -> Option<Eid> {
        let mut out = [0u8; 6];
        let mut parts = text.split(':');
        for byte in &mut out {
            let p = parts.next()?;
            if p.len() != 2 {
                return None;
            }
            *byte = u8::from_str_radix(p, 16).ok()?;
        }
        parts.next().is_none().then_some(Eid(out))
    }
}

impl fmt::Display for Eid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub node: String,
    pub eid: Eid,
    /// Random at every start.
    pub instance: u64,
}

impl Identity {
    /// The node name: the configured one, else Asterisk's `systemname`, else the entity ID.
    pub fn resolve(configured: &str, systemname: &str, eid: Eid) -> Result<Identity, String> {
        let node = if !configured.is_empty() {
            configured.to_owned()
        } else if !systemname.is_empty() {
            if !valid_node_name(systemname) {
                return Err(format!(
                    "Asterisk's systemname '{}' cannot be a node name (letters, digits, _ . : -); \
                     set [cluster] node",
                    crate::util::escape::for_log(systemname)
                ));
            }
            systemname.to_owned()
        } else if !eid.is_empty() {
            eid.to_string()
        } else {
            return Err(
                "no node name: set [cluster] node, or systemname or entityid in \
                        asterisk.conf"
                    .to_owned(),
            );
        };
        Ok(Identity {
            node,
            eid,
            instance: random_u64(),
        })
    }
}

/// 64 random bits from the standard library's per-process hash keys (seeded by the OS).
fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_ids_read_and_print_like_asterisk_writes_them() {
        let e = Eid::parse("02:00:00:00:5e:0a").unwrap();
        assert_eq!(e.to_string(), "02:00:00:00:5e:0a");
        assert!(!e.is_empty());
        assert!(Eid::default().is_empty());
        for bad in [
            "02:00:00:00:5e",
            "02:00:00:00:5e:0a:01",
            "2:00:00:00:5e:0a",
            "zz:00:00:00:5e:0a",
        ] {
            assert_eq!(Eid::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn node_name_comes_from_config_then_systemname_then_entity_id() {
        let eid = Eid([2, 0, 0, 0, 0x5e, 0x0a]);
        assert_eq!(Identity::resolve("a", "b", eid).unwrap().node, "a");
        assert_eq!(Identity::resolve("", "b", eid).unwrap().node, "b");
        assert_eq!(
            Identity::resolve("", "", eid).unwrap().node,
            "02:00:00:00:5e:0a"
        );
        assert!(Identity::resolve("", "", Eid::default()).is_err());
        assert!(Identity::resolve("", "pbx one", eid).is_err());
        assert_ne!(
            Identity::resolve("a", "", eid).unwrap().instance,
            Identity::resolve("a", "", eid).unwrap().instance
        );
    }
}
