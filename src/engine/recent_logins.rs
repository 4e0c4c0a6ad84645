//! Who logged in from where, recently: when a source is banned shortly after a SuccessfulAuth
//! from it, the contacts that login registered are removed (`Action::RemoveContacts`), so a
//! stolen password's registration does not keep displacing the real phone's until it
//! expires. Bounded: [`MAX_SOURCES`] source keys, [`MAX_PER_SOURCE`] logins each.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use crate::util::time::Millis;

pub const MAX_SOURCES: usize = 65_536;
pub const MAX_PER_SOURCE: usize = 4;

#[derive(Debug, Clone, PartialEq)]
pub struct Login {
    pub account: Arc<str>,
    pub ip: IpAddr,
    pub at: Millis,
}

#[derive(Debug, Default)]
pub struct RecentLogins {
    /// By source key (the address, or an IPv6 source's prefix).
    by_key: HashMap<IpAddr, Vec<Login>>,
}

impl RecentLogins {
    /// Remembers a login; the oldest of the source's logins, or of the whole table, makes room.
    pub fn record(&mut self, key: IpAddr, login: Login) {
        if !self.by_key.contains_key(&key) && self.by_key.len() >= MAX_SOURCES {
            let oldest = self
                .by_key
                .iter()
                .min_by_key(|(_, v)| v.iter().map(|l| l.at).max().unwrap_or(0))
                .map(|(k, _)| *k);
            if let Some(k) = oldest {
                self.by_key.remove(&k);
            }
        }
        let v = self.by_key.entry(key).or_default();
        v.retain(|l| !(l.account == login.account && l.ip == login.ip));
        if v.len() >= MAX_PER_SOURCE {
            v.remove(0);
        }
        v.push(login);
    }

    /// Takes the logins under `key` inside `net` made within `within` ms before `now`.
    pub fn take_within(
        &mut self,
        key: IpAddr,
        net: &IpNet,
        now: Millis,
        within: Millis,
    ) -> Vec<Login> {
        let Some(v) = self.by_key.get_mut(&key) else {
            return Vec::new();
        };
        let (taken, kept): (Vec<Login>, Vec<Login>) = std::mem::take(v)
            .into_iter()
            .partition(|l| net.contains(&l.ip) && now.saturating_sub(l.at) <= within);
        if kept.is_empty() {
            self.by_key.remove(&key);
        } else {
            *v = kept;
        }
        taken
    }

    /// Takes the logins from inside `net`, whatever their source key (a manual ban of a
    /// network): one pass over the table.
    pub fn take_in_net(&mut self, net: &IpNet, now: Millis, within: Millis) -> Vec<Login> {
        let keys: Vec<IpAddr> = self
            .by_key
            .iter()
            .filter(|(_, v)| v.iter().any(|l| net.contains(&l.ip)))
            .map(|(k, _)| *k)
            .collect();
        keys.into_iter()
            .flat_map(|k| self.take_within(k, net, now, within))
            .collect()
    }

    /// Forgets logins older than `within` (the engine's tick).
    pub fn sweep(&mut self, now: Millis, within: Millis) {
        self.by_key.retain(|_, v| {
            v.retain(|l| now.saturating_sub(l.at) <= within);
            !v.is_empty()
        });
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(account: &str, ip: &str, at: Millis) -> Login {
        Login {
            account: account.into(),
            ip: ip.parse().unwrap(),
            at,
        }
    }

    #[test]
    fn only_recent_logins_inside_the_banned_network_are_taken() {
        let mut r = RecentLogins::default();
        let key: IpAddr = "203.0.113.7".parse().unwrap();
        r.record(key, login("1001", "203.0.113.7", 1_000));
        r.record(key, login("1002", "203.0.113.7", 500_000));
        let net: IpNet = "203.0.113.7/32".parse().unwrap();
        let taken = r.take_within(key, &net, 600_000, 300_000);
        assert_eq!(taken, vec![login("1002", "203.0.113.7", 500_000)]);
        assert_eq!(r.len(), 1, "the old login stays until swept");
        r.sweep(600_000, 300_000);
        assert!(r.is_empty());
        r.record(key, login("1003", "203.0.113.7", 700_000));
        let wide: IpNet = "203.0.113.0/24".parse().unwrap();
        assert_eq!(r.take_in_net(&wide, 700_001, 300_000).len(), 1);
        assert!(r.is_empty());
    }

    #[test]
    fn bounded_per_source() {
        let mut r = RecentLogins::default();
        let key: IpAddr = "198.51.100.1".parse().unwrap();
        for i in 0..10 {
            r.record(key, login(&format!("a{i}"), "198.51.100.1", i));
        }
        let net: IpNet = "198.51.100.0/24".parse().unwrap();
        assert_eq!(r.take_within(key, &net, 10, 100).len(), MAX_PER_SOURCE);
    }
}
