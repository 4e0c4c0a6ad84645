//! Device profiles: for each account, the User-Agents and source networks (/24 for IPv4, /64
//! for IPv6) of its successful registrations. The PJSIP sensor notes each REGISTER (source
//! address and port, From user, User-Agent) before authentication; the SuccessfulAuth from
//! the same source joins it to the account. A login from a User-Agent AND a network both new
//! to an account that has a profile is the sign of a password used elsewhere: it feeds the
//! `stolen_credentials` signal.
//!
//! Bounded: `[sensor] profile_accounts` accounts (the one seen longest ago goes first),
//! `profile_entries` User-Agents and networks each per account (likewise), User-Agents cut at
//! 128 bytes: at the defaults at most 10,000 accounts × 8 × ((128 + 40) bytes a User-Agent,
//! plus 32 bytes a network), about 16 MiB with the tables around them.
//!
//! REGISTERs waiting for their login: [`MAX_PENDING`], for [`PENDING_FOR_MS`].
//!
//! Saved as text (`profile_file`), one entry a line, each field percent-encoded.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;

use crate::util::net::canonical_ip;
use crate::util::time::Millis;

/// REGISTERs remembered while their SuccessfulAuth is awaited.
pub const MAX_PENDING: usize = 4096;
/// How long a REGISTER waits for its SuccessfulAuth (a challenge round trip, with margin).
pub const PENDING_FOR_MS: Millis = 60_000;

/// A REGISTER as the sensor saw it before authentication. Text as received (lossy UTF-8, cut
/// to 128 bytes): escape before showing.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterSeen {
    pub source: SocketAddr,
    pub from_user: String,
    pub user_agent: String,
    pub at: Millis,
}

/// One account's profile: what it registered with, and when each was last seen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceProfile {
    pub agents: Vec<(String, Millis)>,
    pub networks: Vec<(IpNet, Millis)>,
    pub last_seen: Millis,
}

impl DeviceProfile {
    pub fn is_empty(&self) -> bool {
        self.agents.is_empty() && self.networks.is_empty()
    }
}

/// A login the profile had not seen the like of.
#[derive(Debug, Clone, PartialEq)]
pub struct Stranger {
    pub user_agent: String,
    pub network: IpNet,
}

/// The network a source's registrations are remembered by: its /24 or /64.
pub fn profile_network(ip: IpAddr) -> IpNet {
    let ip = canonical_ip(ip);
    let prefix = if ip.is_ipv4() { 24 } else { 64 };
    IpNet::new(ip, prefix)
        .map(|n| n.trunc())
        .unwrap_or_else(|_| IpNet::from(ip))
}

/// Updates `(item, last seen)` entries: refreshes a known one or adds it, pushing out the one
/// seen longest ago beyond `cap`. Whether it was known.
fn touch<T: PartialEq>(list: &mut Vec<(T, Millis)>, item: T, now: Millis, cap: usize) -> bool {
    if let Some(e) = list.iter_mut().find(|(v, _)| *v == item) {
        e.1 = e.1.max(now);
        return true;
    }
    if list.len() >= cap.max(1)
        && let Some(oldest) = list
            .iter()
            .enumerate()
            .min_by_key(|(_, (_, at))| *at)
            .map(|(i, _)| i)
    {
        list.remove(oldest);
    }
    list.push((item, now));
    false
}

#[derive(Debug, Default)]
pub struct DeviceProfiles {
    accounts: HashMap<Arc<str>, DeviceProfile>,
    pending: HashMap<SocketAddr, RegisterSeen>,
    /// Changed since the last save.
    dirty: bool,
}

impl DeviceProfiles {
    /// A REGISTER seen by the sensor, waiting for its login.
    pub fn note_register(&mut self, seen: RegisterSeen, now: Millis) {
        if self.pending.len() >= MAX_PENDING && !self.pending.contains_key(&seen.source) {
            self.pending
                .retain(|_, p| now.saturating_sub(p.at) <= PENDING_FOR_MS);
            if self.pending.len() >= MAX_PENDING {
                return;
            }
        }
        self.pending.insert(seen.source, seen);
    }

    /// A SuccessfulAuth as `account` from `source`: joined with the REGISTER the sensor saw
    /// from the same address and port (nothing to learn without one: a call's login, or a
    /// host without the sensor). Returns the stranger when the profile had entries and knew
    /// neither the User-Agent nor the network.
    pub fn on_login(
        &mut self,
        account: &str,
        source: SocketAddr,
        now: Millis,
        max_accounts: usize,
        max_entries: usize,
    ) -> Option<Stranger> {
        let seen = self.pending.remove(&source)?;
        if now.saturating_sub(seen.at) > PENDING_FOR_MS || max_accounts == 0 {
            return None;
        }
        if !self.accounts.contains_key(account) && self.accounts.len() >= max_accounts {
            let oldest = self
                .accounts
                .iter()
                .min_by_key(|(_, p)| p.last_seen)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                self.accounts.remove(&k);
            }
        }
        let profile = self.accounts.entry(Arc::from(account)).or_default();
        let had_entries = !profile.is_empty();
        let network = profile_network(source.ip());
        let ua_known = touch(
            &mut profile.agents,
            seen.user_agent.clone(),
            now,
            max_entries,
        );
        let net_known = touch(&mut profile.networks, network, now, max_entries);
        profile.last_seen = now;
        self.dirty = true;
        (had_entries && !ua_known && !net_known).then_some(Stranger {
            user_agent: seen.user_agent,
            network,
        })
    }

    pub fn profile(&self, account: &str) -> Option<&DeviceProfile> {
        self.accounts.get(account)
    }

    pub fn accounts(&self) -> impl Iterator<Item = (&Arc<str>, &DeviceProfile)> {
        self.accounts.iter()
    }

    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// Puts back a saved profile (at load).
    pub fn restore(&mut self, account: &str, profile: DeviceProfile) {
        self.accounts.insert(Arc::from(account), profile);
    }

    /// Whether anything changed since the last call (the worker then saves).
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// Forgets REGISTERs whose login never came.
    pub fn sweep(&mut self, now: Millis) {
        self.pending
            .retain(|_, p| now.saturating_sub(p.at) <= PENDING_FOR_MS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(src: &str, user: &str, ua: &str, at: Millis) -> RegisterSeen {
        RegisterSeen {
            source: src.parse().unwrap(),
            from_user: user.into(),
            user_agent: ua.into(),
            at,
        }
    }

    #[test]
    fn a_new_agent_from_a_new_network_is_a_stranger_once_a_profile_exists() {
        let mut p = DeviceProfiles::default();
        p.note_register(seen("127.0.0.20:5060", "1001", "Yealink A", 1_000), 1_000);
        assert_eq!(
            p.on_login("1001", "127.0.0.20:5060".parse().unwrap(), 1_100, 10, 8),
            None,
            "the first entry is learnt, not suspected"
        );
        // Same UA from a new network, new UA from the known network: not strangers.
        p.note_register(seen("198.51.100.9:5060", "1001", "Yealink A", 2_000), 2_000);
        assert_eq!(
            p.on_login("1001", "198.51.100.9:5060".parse().unwrap(), 2_100, 10, 8),
            None
        );
        p.note_register(seen("127.0.0.21:5062", "1001", "Zoiper B", 3_000), 3_000);
        assert_eq!(
            p.on_login("1001", "127.0.0.21:5062".parse().unwrap(), 3_100, 10, 8),
            None
        );
        p.note_register(seen("203.0.113.7:5060", "1001", "Evil C", 4_000), 4_000);
        let s = p
            .on_login("1001", "203.0.113.7:5060".parse().unwrap(), 4_100, 10, 8)
            .expect("stranger");
        assert_eq!(s.user_agent, "Evil C");
        assert_eq!(s.network, "203.0.113.0/24".parse::<IpNet>().unwrap());
        let prof = p.profile("1001").unwrap();
        assert_eq!(prof.agents.len(), 3);
        assert_eq!(prof.networks.len(), 3);
        assert!(p.take_dirty());
    }

    #[test]
    fn a_login_without_its_register_or_too_late_teaches_nothing() {
        let mut p = DeviceProfiles::default();
        assert_eq!(
            p.on_login("1001", "127.0.0.20:5060".parse().unwrap(), 1, 10, 8),
            None
        );
        p.note_register(seen("127.0.0.20:5060", "1001", "A", 0), 0);
        p.on_login(
            "1001",
            "127.0.0.20:5060".parse().unwrap(),
            PENDING_FOR_MS + 1,
            10,
            8,
        );
        assert!(p.is_empty());
    }

    #[test]
    fn bounded_per_account_and_in_accounts() {
        let mut p = DeviceProfiles::default();
        for i in 0..20u16 {
            let src = format!("[2001:db8:{i:x}::1]:5060");
            p.note_register(seen(&src, "1001", &format!("UA {i}"), i.into()), i.into());
            p.on_login("1001", src.parse().unwrap(), i.into(), 3, 4);
        }
        let prof = p.profile("1001").unwrap();
        assert_eq!(prof.agents.len(), 4);
        assert_eq!(prof.networks.len(), 4);
        assert_eq!(prof.agents.last().unwrap().0, "UA 19", "the newest stay");
        for a in 0..10 {
            let src = format!("127.0.0.{a}:5060");
            p.note_register(seen(&src, "x", "UA", 100 + a), 100 + a);
            p.on_login(&format!("acct{a}"), src.parse().unwrap(), 100 + a, 3, 4);
        }
        assert_eq!(p.len(), 3);
        for n in 0..(MAX_PENDING as u32 + 10) {
            let src = SocketAddr::new(IpAddr::from(n.to_be_bytes()), 5060);
            p.note_register(seen(&src.to_string(), "x", "UA", 200), 200);
        }
        assert_eq!(p.pending.len(), MAX_PENDING);
    }

    #[test]
    fn networks_are_slash_24_and_slash_64() {
        assert_eq!(
            profile_network("198.51.100.77".parse().unwrap()),
            "198.51.100.0/24".parse::<IpNet>().unwrap()
        );
        assert_eq!(
            profile_network("2001:db8:1:2:3::9".parse().unwrap()),
            "2001:db8:1:2::/64".parse::<IpNet>().unwrap()
        );
        assert_eq!(
            profile_network("::ffff:10.1.2.3".parse().unwrap()),
            "10.1.2.0/24".parse::<IpNet>().unwrap()
        );
    }
}
