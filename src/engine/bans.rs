//! The one place a ban is decided: whether a source may be banned at all (the whitelist), how
//! long (escalation over the offence history), and what is remembered of it.

use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;

use super::Engine;
use super::escalation;
use super::rules::window_ms;
use crate::decision::{Action, Ban, BanOrigin, RuleId};
use crate::util::escape::for_log;
use crate::util::time::Millis;

impl Engine {
    /// Earlier bans of `net` within the history window.
    pub(super) fn earlier_offences(&self, net: &IpNet, now: Millis) -> u32 {
        let from = now - window_ms(self.cfg.escalation.history);
        self.offences
            .get(net)
            .map_or(0, |v| v.iter().filter(|t| **t >= from).count() as u32)
    }

    /// A rule triggered for `ip`: the ban it earns, or an alert if the source is protected.
    pub(super) fn ban_for_rule(
        &mut self,
        ip: IpAddr,
        rule: RuleId,
        reason: String,
        now: Millis,
    ) -> Vec<Action> {
        // Start the next round from zero, whether or not the ban happens: the failures that
        // earned this ban must not earn another one through a second rule.
        if let Some(st) = self.ips.get_mut(&ip) {
            st.brute.reset();
            st.ami.reset();
            st.flood.reset();
            st.slow.reset();
        }
        self.enumerating.remove(&ip);
        if let Some(p) = self.whitelist.protection(ip) {
            self.counters.spared += 1;
            let message = format!("{ip} would be banned ({reason}) but is {p}; not banned");
            return vec![Action::Alert(self.alert(
                rule,
                Some(ip),
                None,
                message,
                now,
            ))];
        }
        let base = self.cfg.rules.of(rule).ban;
        let ban = self.make_ban(
            IpNet::from(ip),
            Some(base),
            BanOrigin::Rule(rule.name().to_owned()),
            reason,
            now,
            true,
        );
        vec![Action::Ban(ban)]
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
        self.offences.entry(net).or_default().push(now);
        if net.prefix_len() == net.max_prefix_len() {
            self.neighbours.record_offender(net.addr(), now);
        }
        self.bans.insert(ban.clone());
        self.counters.bans += 1;
        ban
    }

    /// `secast ban`: refuses to cover a protected address.
    pub fn manual_ban(
        &mut self,
        net: IpNet,
        length: Option<Duration>,
        reason: &str,
        now: Millis,
    ) -> Result<Ban, String> {
        if net.prefix_len() == 0 {
            return Err(format!("refusing to ban {net}: that is every address"));
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
        let ban = self.bans.remove(net)?;
        if net.prefix_len() == net.max_prefix_len()
            && let Some(st) = self.ips.get_mut(&net.addr())
        {
            *st = st.cleared();
        }
        self.enumerating.remove(&net.addr());
        Some(ban)
    }
}
