//! The one place a ban is decided: whether a source may be banned at all (the whitelist),
//! what it covers (its address, or its IPv6 prefix), how long (escalation over the offence
//! history), whether there is room (`[general] max_bans`), and what is remembered of it.

use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;

use super::Engine;
use super::alert_limiter::AlertKey;
use super::changes::Change;
use super::escalation;
use super::rules::window_ms;
use super::source_key::{source_key, source_net};
use crate::decision::{Action, Ban, BanOrigin, RuleId, UnbanReason};
use crate::util::escape::for_log;
use crate::util::net::{canonical_net, unbannable};
use crate::util::time::Millis;

/// Earlier bans remembered per network: enough for any `permanent_after` that makes sense.
pub const MAX_OFFENCES_PER_NET: usize = 64;

impl Engine {
    /// Earlier bans of `net` within the history window.
    pub(super) fn earlier_offences(&self, net: &IpNet, now: Millis) -> u32 {
        let from = now.saturating_sub(window_ms(self.cfg.escalation.history));
        self.offences
            .get(net)
            .map_or(0, |v| v.iter().filter(|t| **t >= from).count() as u32)
    }

    /// Networks the offence history keeps: twice the ban cap (bans end, their history stays
    /// for `[escalation] history`).
    fn max_offence_nets(&self) -> usize {
        self.cfg.general.max_bans.saturating_mul(2)
    }

    /// Remembers a ban of `net` at `at`, within bounds: [`MAX_OFFENCES_PER_NET`] per network
    /// and `2 × max_bans` networks (the tenth with the oldest last offence goes first,
    /// amortised like the source table's eviction).
    pub(super) fn record_offence(&mut self, net: IpNet, at: Millis) {
        if !self.offences.contains_key(&net) && self.offences.len() >= self.max_offence_nets() {
            let mut ages: Vec<(Millis, IpNet)> = self
                .offences
                .iter()
                .map(|(n, v)| (v.iter().copied().max().unwrap_or(0), *n))
                .collect();
            let drop = (ages.len() / 10).max(1);
            ages.select_nth_unstable(drop - 1);
            for (_, n) in ages.iter().take(drop) {
                self.offences.remove(n);
            }
        }
        let v = self.offences.entry(net).or_default();
        if v.len() >= MAX_OFFENCES_PER_NET {
            v.remove(0);
        }
        v.push(at);
    }

    /// A rule triggered for `ip` (state kept under `key`): the ban it earns, or a
    /// rate-limited alert when the source is protected or the ban table is full.
    pub(super) fn ban_for_rule(
        &mut self,
        ip: IpAddr,
        key: IpAddr,
        rule: RuleId,
        reason: String,
        now: Millis,
    ) -> Vec<Action> {
        // Start the next round from zero, whether or not the ban happens: the failures that
        // earned this ban must not earn another one through a second rule.
        if let Some(st) = self.ips.get_mut(&key) {
            st.brute.reset();
            st.ami.reset();
            st.flood.reset();
            st.slow.reset();
        }
        self.enumerating.remove(&key);
        if let Some(p) = self.whitelist.protection(ip) {
            self.counters.spared += 1;
            let message = format!("{ip} would be banned ({reason}) but is {p}; not banned");
            let alert = self.alert(AlertKey::Source(rule, ip), ip, None, message, now);
            return alert.map(Action::Alert).into_iter().collect();
        }
        // An IPv6 source is banned with its prefix, unless that would cover something
        // protected (a gateway in the same /64): then only the address.
        let mut net = source_net(key, self.cfg.general.ipv6_prefix);
        if net.prefix_len() < net.max_prefix_len()
            && self.whitelist.protection_within(&net).is_some()
        {
            net = IpNet::from(ip);
        }
        if self.bans.len() >= self.cfg.general.max_bans {
            self.counters.refused_at_cap += 1;
            let message = format!(
                "ban table full ({} bans in force, [general] max_bans): {ip} not banned ({reason})",
                self.bans.len()
            );
            let alert = self.alert(AlertKey::TableFull(rule), ip, None, message, now);
            return alert.map(Action::Alert).into_iter().collect();
        }
        let base = self.cfg.rules.of(rule).ban;
        let ban = self.make_ban(
            net,
            Some(base),
            BanOrigin::Rule(rule.name().to_owned()),
            reason,
            now,
            true,
        );
        let mut actions = vec![Action::Ban(ban)];
        actions.extend(self.contacts_to_remove(key, &net, now));
        actions
    }

    /// Logins from inside `net` within `[sensor] remove_contacts_within` before its ban: the
    /// contacts they registered are removed (the host does it).
    pub(super) fn contacts_to_remove(
        &mut self,
        key: IpAddr,
        net: &IpNet,
        now: Millis,
    ) -> Vec<Action> {
        let within = window_ms(self.cfg.sensor.remove_contacts_within);
        if within == 0 {
            return Vec::new();
        }
        self.logins
            .take_within(key, net, now, within)
            .into_iter()
            .map(|l| Action::RemoveContacts {
                account: l.account,
                source: l.ip,
            })
            .collect()
    }

    /// Records a ban in the table and the offence history. `escalate` applies the doubling and
    /// the permanent-after-N rule to `length`.
    fn make_ban(
        &mut self,
        net: IpNet,
        length: Option<Duration>,
        origin: BanOrigin,
        reason: String,
        now: Millis,
        escalate: bool,
    ) -> Ban {
        let earlier = self.earlier_offences(&net, now);
        let length = match (escalate, length) {
            (true, Some(base)) => escalation::ban_length(base, earlier, &self.cfg.escalation),
            (_, l) => l,
        };
        let ban = Ban {
            net,
            since: now,
            until: length.map(|l| now.saturating_add(window_ms(l))),
            origin,
            offence: earlier + 1,
            reason,
        };
        self.record_offence(net, now);
        // Hosts, and IPv6 prefixes at least as long as the neighbour rule's /48.
        let neighbourly = match net {
            IpNet::V4(n) => n.prefix_len() == 32,
            IpNet::V6(n) => n.prefix_len() >= 48,
        };
        if neighbourly {
            self.neighbours.record_offender(net.addr(), now);
        }
        self.insert_ban(ban.clone());
        self.counters.bans += 1;
        ban
    }

    /// Puts a ban in force in the table, and tells the published view.
    pub(super) fn insert_ban(&mut self, ban: Ban) {
        if self.publishing {
            self.changes.push(Change::Banned(ban.clone()));
        }
        self.bans.insert(ban);
    }

    /// The contacts to remove for a manual ban of `net`: logins from inside it within
    /// `[sensor] remove_contacts_within`.
    pub fn contacts_removed_by(&mut self, net: &IpNet, now: Millis) -> Vec<Action> {
        let within = window_ms(self.cfg.sensor.remove_contacts_within);
        if within == 0 {
            return Vec::new();
        }
        self.logins
            .take_in_net(net, now, within)
            .into_iter()
            .map(|l| Action::RemoveContacts {
                account: l.account,
                source: l.ip,
            })
            .collect()
    }

    /// `secast ban`: refuses a network no firewall can apply and one covering a protected
    /// address, whatever spelling it came in (`::ffff:127.0.0.1/128` is loopback). Not
    /// subject to `max_bans`: the admin is always heard.
    pub fn manual_ban(
        &mut self,
        net: IpNet,
        length: Option<Duration>,
        reason: &str,
        now: Millis,
    ) -> Result<Ban, String> {
        let net = canonical_net(net);
        if let Some(why) = unbannable(&net) {
            return Err(format!("refusing to ban {net}: {why}"));
        }
        if let Some(p) = self.whitelist.protection_within(&net) {
            return Err(format!("refusing to ban {net}: it covers {p}"));
        }
        let reason = if reason.is_empty() {
            "banned by the administrator".to_owned()
        } else {
            for_log(reason)
        };
        Ok(self.make_ban(net, length, BanOrigin::Manual, reason, now, false))
    }

    /// `secast unban`: lifts the ban on exactly `net` and forgets the source's counters.
    pub fn manual_unban(&mut self, net: &IpNet) -> Option<Ban> {
        let net = canonical_net(*net);
        let ban = self.bans.remove(&net)?;
        if self.publishing {
            self.changes.push(Change::Unbanned(net));
        }
        let prefix = self.cfg.general.ipv6_prefix;
        let key = source_key(net.addr(), prefix);
        if (net.prefix_len() == net.max_prefix_len() || source_net(key, prefix) == net)
            && let Some(st) = self.ips.get_mut(&key)
        {
            *st = st.cleared();
        }
        self.enumerating.remove(&key);
        if self.publishing {
            self.changes.push(Change::FailureRoom {
                key,
                room: None,
                until: 0,
            });
        }
        self.publish_source(key);
        Some(ban)
    }

    /// Lifts every ban that covers a protected address: run when the protected set changed
    /// (a new trunk, resolver, gateway or whitelisted network; a ban restored from the
    /// ledger). Costs one protection check per ban in force.
    pub(super) fn lift_protected_bans(&mut self) -> Vec<Action> {
        let covering: Vec<IpNet> = self
            .bans
            .iter()
            .filter(|b| self.whitelist.protection_within(&b.net).is_some())
            .map(|b| b.net)
            .collect();
        let mut actions = Vec::new();
        for net in covering {
            if let Some(ban) = self.bans.remove(&net) {
                self.counters.lifted_protected += 1;
                if self.publishing {
                    self.changes.push(Change::Unbanned(net));
                }
                actions.push(Action::Unban {
                    ban,
                    why: UnbanReason::Refused,
                });
            }
        }
        actions
    }
}
