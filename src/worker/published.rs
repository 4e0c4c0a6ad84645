//! The state the engine publishes for readers that must never wait for it: dialplan
//! functions on channel threads, the CLI, and the PJSIP sensor on PJSIP's single monitor
//! thread.
//!
//! The engine sits behind one mutex its worker holds while it scores an event, and for a
//! sweep or an eviction of a full table (O(n): tens of milliseconds at a million sources).
//! Readers do not touch it. After every event, command and tick the worker applies the
//! engine's [`Change`]s here, into sharded maps ([`ShardedMap`]) whose locks are held for one
//! lookup or one insert. A read is a hash, one shard read lock, a lookup: O(1), no
//! allocation, never behind a sweep. Measured in `benches/published.rs`.
//!
//! What readers get:
//! - [`Published::is_banned`]: a ban in force covers the address (a host ban, or any wider
//!   network: one lookup per prefix length in use, a handful);
//! - [`Published::risk_of`]: the source's risk now (100 while banned), decayed on read from
//!   the last change, so it needs no update to age;
//! - [`Published::risk_of_account`]: an account's risk now;
//! - the ban list, accounts, whitelist and counters the CLI shows.
//!
//! It is as fresh as the engine's last finished item: an event being scored is not in it
//! yet. Memory: about 40 bytes per source with risk and per ban beyond the ban itself.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use ipnet::IpNet;

use super::sharded_map::{ShardOf, ShardedMap};
use crate::decision::Ban;
use crate::engine::risk::score_at;
use crate::engine::source_key::source_key;
use crate::engine::{AccountPoint, Change, EngineCounters, RiskPoint, WhitelistView};
use crate::util::lock::{LockExt, RwLockExt};
use crate::util::net::canonical_ip;
use crate::util::time::{Millis, Secs, secs};

/// A network in one 128-bit space: IPv4 as its IPv4-mapped IPv6 network (`a.b.c.0/24` is
/// `::ffff:a.b.c.0/120`). Canonical bans never cover the mapped space as IPv6 (see
/// `util::net::unbannable`), so the two families cannot collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct NetKey {
    network: u128,
    prefix: u8,
}

impl ShardOf for NetKey {
    fn shard_of(&self) -> usize {
        self.network.shard_of() ^ usize::from(self.prefix)
    }
}

fn wide(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn mask(prefix: u8) -> u128 {
    u128::MAX.checked_shl(u32::from(128 - prefix)).unwrap_or(0)
}

impl NetKey {
    fn of(net: &IpNet) -> NetKey {
        let prefix = match net {
            IpNet::V4(n) => n.prefix_len() + 96,
            IpNet::V6(n) => n.prefix_len(),
        };
        NetKey {
            network: wide(net.network()) & mask(prefix),
            prefix,
        }
    }
}

/// Which prefix lengths (0..=128, in the 128-bit space) have bans: bit `p` of the 129-bit
/// set. Readers load it; the writer keeps the count per length behind it.
#[derive(Default)]
struct PrefixesInUse {
    bits: [AtomicU64; 3],
    counts: Mutex<Vec<u32>>,
}

impl PrefixesInUse {
    fn change(&self, prefix: u8, added: bool) {
        let mut counts = self.counts.locked();
        if counts.is_empty() {
            counts.resize(129, 0);
        }
        let c = &mut counts[usize::from(prefix)];
        *c = if added {
            c.saturating_add(1)
        } else {
            c.saturating_sub(1)
        };
        let (word, bit) = (usize::from(prefix) / 64, prefix % 64);
        if *c > 0 {
            self.bits[word].fetch_or(1 << bit, Ordering::Release);
        } else {
            self.bits[word].fetch_and(!(1 << bit), Ordering::Release);
        }
    }

    /// Calls `f` with each prefix length in use, longest first, until it returns true.
    fn any(&self, mut f: impl FnMut(u8) -> bool) -> bool {
        for word in (0..3).rev() {
            let mut w = self.bits[word].load(Ordering::Acquire);
            while w != 0 {
                let bit = 63 - w.leading_zeros();
                w &= !(1u64 << bit);
                if f((word * 64) as u8 + bit as u8) {
                    return true;
                }
            }
        }
        false
    }
}

/// The engine's counters as of its last finished item.
#[derive(Default)]
pub struct PublishedCounters {
    pub bans_in_force: AtomicU64,
    pub tracked_ips: AtomicU64,
    pub bans: AtomicU64,
    pub alerts: AtomicU64,
    pub alerts_suppressed: AtomicU64,
    pub spared: AtomicU64,
    pub refused_at_cap: AtomicU64,
    pub refused_restored: AtomicU64,
    pub lifted_protected: AtomicU64,
    pub events_from_banned: AtomicU64,
    pub evicted_ips: AtomicU64,
}

pub struct Published {
    bans: ShardedMap<NetKey, Arc<Ban>>,
    prefixes: PrefixesInUse,
    risks: ShardedMap<u128, RiskPoint>,
    /// Failures left before `brute_force` bans, per source key, and until when (second).
    rooms: ShardedMap<u128, (u32, Secs)>,
    accounts: ShardedMap<Arc<str>, AccountPoint>,
    whitelist: RwLock<Arc<WhitelistView>>,
    half_life_ms: AtomicU64,
    ipv6_prefix: AtomicU8,
    pub counters: PublishedCounters,
}

impl Published {
    pub fn new(half_life: Duration, ipv6_prefix: u8) -> Published {
        let p = Published {
            bans: ShardedMap::default(),
            prefixes: PrefixesInUse::default(),
            risks: ShardedMap::default(),
            rooms: ShardedMap::default(),
            accounts: ShardedMap::default(),
            whitelist: RwLock::new(Arc::new(WhitelistView::default())),
            half_life_ms: AtomicU64::new(0),
            ipv6_prefix: AtomicU8::new(64),
            counters: PublishedCounters::default(),
        };
        p.configure(half_life, ipv6_prefix);
        p
    }

    /// The settings reads depend on (from the running configuration).
    pub fn configure(&self, half_life: Duration, ipv6_prefix: u8) {
        let ms = u64::try_from(half_life.as_millis()).unwrap_or(u64::MAX);
        self.half_life_ms.store(ms, Ordering::Relaxed);
        self.ipv6_prefix.store(ipv6_prefix, Ordering::Relaxed);
    }

    // ---- readers: any thread, never waiting for the engine ------------------------------

    /// Whether a ban in force at `now` covers `ip`.
    pub fn is_banned(&self, ip: IpAddr, now: Millis) -> bool {
        let ip = canonical_ip(ip);
        let a = wide(ip);
        // An IPv4 address lies in ::ffff:0:0/96, which no canonical IPv6 ban shorter than /96
        // covers: only the lengths from 96 can hold its ban.
        let shortest = if ip.is_ipv4() { 96 } else { 0 };
        self.prefixes.any(|prefix| {
            if prefix < shortest {
                return false;
            }
            let key = NetKey {
                network: a & mask(prefix),
                prefix,
            };
            self.bans
                .get_with(&key, |b| b.is_active(now))
                .unwrap_or(false)
        })
    }

    /// Whether `ip` may never be banned (loopback, this host, whitelisted networks, what the
    /// PBX depends on), as the engine last published it. A scan of the protected entries (a
    /// few dozen) under a read lock held for the scan: for the sensor before a drop, not on
    /// its pass path.
    pub fn is_protected(&self, ip: IpAddr) -> bool {
        let ip = canonical_ip(ip);
        self.whitelist
            .read_locked()
            .entries
            .iter()
            .any(|e| e.net.contains(&ip))
    }

    /// The ban in force covering `ip`, the narrowest first.
    pub fn ban_covering(&self, ip: IpAddr, now: Millis) -> Option<Arc<Ban>> {
        let a = wide(canonical_ip(ip));
        let mut found = None;
        self.prefixes.any(|prefix| {
            let key = NetKey {
                network: a & mask(prefix),
                prefix,
            };
            found = self
                .bans
                .get_with(&key, |b| b.is_active(now).then(|| b.clone()))
                .flatten();
            found.is_some()
        });
        found
    }

    /// The source's risk at `now`, 0 to 100 (100 while banned).
    pub fn risk_of(&self, ip: IpAddr, now: Millis) -> u8 {
        if self.is_banned(ip, now) {
            return 100;
        }
        let key = wide(source_key(ip, self.ipv6_prefix.load(Ordering::Relaxed)));
        self.risks
            .get_with(&key, |r| score_at(r.peak, r.at, now, self.half_life()))
            .unwrap_or(0)
    }

    /// How many more SIP authentication failures the source may have before `brute_force`
    /// bans it; None while it has none counted. O(1), like [`Published::is_banned`].
    pub fn failure_room(&self, ip: IpAddr, now: Millis) -> Option<u32> {
        let key = wide(source_key(ip, self.ipv6_prefix.load(Ordering::Relaxed)));
        let now = secs(now);
        self.rooms
            .get_with(&key, |(room, until)| (now < *until).then_some(*room))
            .flatten()
    }

    /// The account's risk at `now`, 0 to 100 (0 for an account never attacked).
    pub fn risk_of_account(&self, account: &str, now: Millis) -> u8 {
        self.accounts
            .get_with(account, |a| {
                score_at(a.risk.peak, a.risk.at, now, self.half_life())
            })
            .unwrap_or(0)
    }

    fn half_life(&self) -> Duration {
        Duration::from_millis(self.half_life_ms.load(Ordering::Relaxed))
    }

    /// Every ban in force (order not defined).
    pub fn bans(&self) -> Vec<Arc<Ban>> {
        let mut out = Vec::with_capacity(self.bans.len());
        self.bans.for_each(|_, b| out.push(b.clone()));
        out
    }

    pub fn ban_count(&self) -> usize {
        self.bans.len()
    }

    /// Every account with risk or failures: (name, risk now, its record).
    pub fn accounts(&self, now: Millis) -> Vec<(Arc<str>, u8, AccountPoint)> {
        let mut out = Vec::new();
        self.accounts.for_each(|name, a| {
            let risk = score_at(a.risk.peak, a.risk.at, now, self.half_life());
            out.push((name.clone(), risk, *a));
        });
        out
    }

    pub fn whitelist(&self) -> Arc<WhitelistView> {
        self.whitelist.read_locked().clone()
    }

    // ---- the writer: the engine worker only ---------------------------------------------

    /// Applies one engine change.
    pub fn apply(&self, change: Change) {
        match change {
            Change::SourceRisk { key, risk } => self.risks.insert(wide(key), risk),
            Change::SourceGone(key) => {
                self.risks.remove(&wide(key));
                self.rooms.remove(&wide(key));
            }
            Change::FailureRoom { key, room, until } => match room {
                Some(room) => self.rooms.insert(wide(key), (room, until)),
                None => {
                    self.rooms.remove(&wide(key));
                }
            },
            Change::AccountRisk { account, point } => self.accounts.insert(account, point),
            Change::AccountGone(account) => {
                self.accounts.remove(&account);
            }
            Change::Banned(ban) => {
                let key = NetKey::of(&ban.net);
                let new = !self.bans.contains(&key);
                self.bans.insert(key, Arc::new(ban));
                if new {
                    self.prefixes.change(key.prefix, true);
                }
            }
            Change::Unbanned(net) => {
                let key = NetKey::of(&net);
                if self.bans.remove(&key).is_some() {
                    self.prefixes.change(key.prefix, false);
                }
            }
            Change::Whitelist(view) => *self.whitelist.write_locked() = Arc::new(view),
        }
    }

    /// The engine's counters after its last item.
    pub fn set_counters(&self, c: &EngineCounters, bans_in_force: usize, tracked_ips: usize) {
        let p = &self.counters;
        let set = |a: &AtomicU64, v: u64| a.store(v, Ordering::Relaxed);
        set(&p.bans_in_force, bans_in_force as u64);
        set(&p.tracked_ips, tracked_ips as u64);
        set(&p.bans, c.bans);
        set(&p.alerts, c.alerts);
        set(&p.alerts_suppressed, c.alerts_suppressed);
        set(&p.spared, c.spared);
        set(&p.refused_at_cap, c.refused_at_cap);
        set(&p.refused_restored, c.refused_restored);
        set(&p.lifted_protected, c.lifted_protected);
        set(&p.events_from_banned, c.events_from_banned);
        set(&p.evicted_ips, c.evicted_ips);
    }
}

/// The PJSIP sensor reads bans and protection from here.
impl crate::sensor::BanView for Published {
    fn is_banned(&self, ip: IpAddr, now: Millis) -> bool {
        Published::is_banned(self, ip, now)
    }

    fn is_protected(&self, ip: IpAddr) -> bool {
        Published::is_protected(self, ip)
    }

    fn failure_room(&self, ip: IpAddr, now: Millis) -> Option<u32> {
        Published::failure_room(self, ip, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::BanOrigin;

    fn ban(net: &str, until: Option<Millis>) -> Ban {
        Ban {
            net: net.parse().unwrap(),
            since: 0,
            until,
            origin: BanOrigin::Manual,
            offence: 1,
            reason: String::new(),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn host_bans_and_wider_networks_of_both_families_are_seen() {
        let p = Published::new(Duration::from_secs(600), 64);
        p.apply(Change::Banned(ban("203.0.113.9/32", None)));
        p.apply(Change::Banned(ban("198.51.100.0/24", Some(10_000))));
        p.apply(Change::Banned(ban("2001:db8:1:2::/64", None)));
        assert!(p.is_banned(ip("203.0.113.9"), 5));
        assert!(p.is_banned(ip("::ffff:203.0.113.9"), 5));
        assert!(!p.is_banned(ip("203.0.113.10"), 5));
        assert!(p.is_banned(ip("198.51.100.200"), 5));
        assert!(!p.is_banned(ip("198.51.100.200"), 10_000), "ended");
        assert!(p.is_banned(ip("2001:db8:1:2::77"), 5));
        assert!(!p.is_banned(ip("2001:db8:1:3::77"), 5));
        // An IPv6 address whose bits look like a banned IPv4 network is not banned.
        assert!(!p.is_banned(ip("::c633:6400"), 5));
        assert_eq!(p.risk_of(ip("198.51.100.1"), 5), 100);
        p.apply(Change::Unbanned("198.51.100.0/24".parse().unwrap()));
        assert!(!p.is_banned(ip("198.51.100.200"), 5));
        assert_eq!(p.ban_count(), 2);
    }

    #[test]
    fn risk_decays_on_read_and_ipv6_sources_share_their_prefix() {
        let p = Published::new(Duration::from_secs(600), 64);
        let t = 1_800_000_000_000i64;
        let at = crate::util::time::secs(t);
        p.apply(Change::SourceRisk {
            key: ip("2001:db8:1:2::"),
            risk: RiskPoint { peak: 80.0, at },
        });
        assert_eq!(p.risk_of(ip("2001:db8:1:2::5"), t), 80);
        assert_eq!(p.risk_of(ip("2001:db8:1:2:ffff::1"), t + 600_000), 40);
        p.apply(Change::SourceGone(ip("2001:db8:1:2::")));
        assert_eq!(p.risk_of(ip("2001:db8:1:2::5"), t), 0);
        p.apply(Change::AccountRisk {
            account: "1001".into(),
            point: AccountPoint {
                risk: RiskPoint { peak: 60.0, at },
                failures: 3,
                sources: 3,
                last_seen: t,
            },
        });
        assert_eq!(p.risk_of_account("1001", t), 60);
        assert_eq!(p.risk_of_account("1002", t), 0);
    }
}
