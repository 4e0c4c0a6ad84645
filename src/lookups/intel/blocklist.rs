//! The loaded blocklists: every entry of every list in one prefix trie per address family, so
//! that a lookup costs the same with ten entries or a million.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use prefix_trie::PrefixMap;

use super::format::{ListFormat, parse_list};
use super::parsed_list::ParsedList;
use crate::lookups::list_file::{Fingerprint, read_list};
use crate::lookups::list_issue::{ListIssue, file_label};
use crate::util::net::canonical_ip;

/// One configured list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSpec {
    /// Shown in hits and in `describe`; should be unique among the lists.
    pub name: String,
    pub path: PathBuf,
    pub format: ListFormat,
}

/// Which list an address is on, and the entry that matched it (the longest one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListHit {
    pub list: String,
    pub net: IpNet,
}

/// An immutable set of lists, shared between threads through an `Arc` and replaced whole on
/// reload, so a lookup never waits for a reload.
///
/// When two lists hold the very same prefix, a hit names the list configured first.
pub struct Blocklist {
    /// Values are indexes into `lists`.
    v4: PrefixMap<Ipv4Net, u32>,
    v6: PrefixMap<Ipv6Net, u32>,
    lists: Vec<(String, usize)>,
}

impl Default for Blocklist {
    fn default() -> Blocklist {
        Blocklist {
            v4: PrefixMap::new(),
            v6: PrefixMap::new(),
            lists: Vec::new(),
        }
    }
}

impl fmt::Debug for Blocklist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blocklist")
            .field("ipv4_prefixes", &self.v4.len())
            .field("ipv6_prefixes", &self.v6.len())
            .field("lists", &self.lists)
            .finish()
    }
}

impl Blocklist {
    /// Reads and parses every list. A list that cannot be read (missing file, no permission,
    /// not JSON) is reported and counts as empty; the other lists load all the same.
    pub fn load(specs: &[ListSpec]) -> (Blocklist, Vec<ListIssue>) {
        let mut issues = Vec::new();
        let mut parsed = Vec::with_capacity(specs.len());
        for spec in specs {
            let (result, _) = read_and_parse(spec);
            match result {
                Ok(mut list) => {
                    issues.append(&mut list.issues);
                    parsed.push(list);
                }
                Err(issue) => {
                    issues.push(issue);
                    parsed.push(ParsedList::default());
                }
            }
        }
        let blocklist = Blocklist::build(
            specs
                .iter()
                .zip(&parsed)
                .map(|(s, p)| (s.name.as_str(), p.nets.as_slice())),
        );
        (blocklist, issues)
    }

    /// Builds the tries from each list's name and entries, in configuration order.
    pub(crate) fn build<'a>(lists: impl Iterator<Item = (&'a str, &'a [IpNet])>) -> Blocklist {
        let mut b = Blocklist::default();
        for (index, (name, nets)) in lists.enumerate() {
            // Beyond u32::MAX lists the index would wrap: nobody configures that many.
            let Ok(value) = u32::try_from(index) else {
                break;
            };
            for net in nets {
                // `entry().or_insert` keeps the earlier list's claim on a shared prefix.
                match net {
                    IpNet::V4(n) => {
                        b.v4.entry(*n).or_insert(value);
                    }
                    IpNet::V6(n) => {
                        b.v6.entry(*n).or_insert(value);
                    }
                }
            }
            b.lists.push((name.to_string(), nets.len()));
        }
        b
    }

    /// The most specific entry covering `ip`. An IPv4-mapped IPv6 address (`::ffff:203.0.113.7`,
    /// as a dual-stack socket reports IPv4 peers) is looked up as the IPv4 address it carries.
    pub fn lookup(&self, ip: IpAddr) -> Option<ListHit> {
        self.lookup_ref(ip).map(|(list, net)| ListHit {
            list: list.to_string(),
            net,
        })
    }

    /// [`lookup`](Self::lookup) without allocating: the list's name is borrowed. For the hot
    /// path (every contact), where a hit's name is only needed when it is reported.
    pub fn lookup_ref(&self, ip: IpAddr) -> Option<(&str, IpNet)> {
        let (net, index) = match canonical_ip(ip) {
            IpAddr::V4(v4) => {
                let (net, index) = self.v4.get_lpm(&Ipv4Net::from(v4))?;
                (IpNet::V4(net), *index)
            }
            IpAddr::V6(v6) => {
                let (net, index) = self.v6.get_lpm(&Ipv6Net::from(v6))?;
                (IpNet::V6(net), *index)
            }
        };
        let (list, _) = self.lists.get(index as usize)?;
        Some((list.as_str(), net))
    }

    /// Distinct prefixes over all lists (a prefix on two lists counts once).
    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each list's name and how many distinct entries it contributed, in configuration order.
    pub fn describe(&self) -> Vec<(String, usize)> {
        self.lists.clone()
    }

    /// Bytes held by the two tries, as the trie library counts them (its node and value
    /// arrays), not counting the list names.
    pub fn trie_bytes(&self) -> usize {
        self.v4.mem_size() + self.v6.mem_size()
    }
}

/// Reads one list file and parses it. The fingerprint is `None` when the file could not be
/// stat'ed; the result is `Err` when the file as a whole is unusable.
pub(crate) fn read_and_parse(
    spec: &ListSpec,
) -> (Result<ParsedList, ListIssue>, Option<Fingerprint>) {
    let file = file_label(&spec.path);
    match read_list(&spec.path) {
        Ok((text, fp)) => (parse_list(spec.format, &file, &text), Some(fp)),
        Err(message) => (
            Err(ListIssue::whole_file(&file, message)),
            crate::lookups::list_file::fingerprint(&spec.path),
        ),
    }
}
