//! What the CLI and the dialplan ask the engine: risk scores, reports, the tables' sizes.

use std::net::IpAddr;

use ipnet::IpNet;

use super::changes::WhitelistView;
use super::report::{AccountReport, IpReport};
use super::rules::window_ms;
use super::source_key::source_net;
use super::whitelist::Protection;
use super::{BanTable, Engine, escalation};
use crate::decision::{Alert, RuleId};
use crate::util::escape::for_log;
use crate::util::time::Millis;

/// Text from a database (a city name) for a report: control characters out.
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(120).collect()
}

impl Engine {
    pub fn tracked_ips(&self) -> usize {
        self.ips.len()
    }

    pub fn bans(&self) -> &BanTable {
        &self.bans
    }

    pub fn protection(&self, ip: IpAddr) -> Option<Protection> {
        self.whitelist.protection(ip)
    }

    /// What is protected and why, for `secast show whitelist`.
    pub fn whitelist_view(&self) -> WhitelistView {
        WhitelistView {
            entries: self.whitelist.entries(),
            unresolved: self.whitelist.unresolved().to_vec(),
        }
    }

    pub fn risk_of(&self, ip: IpAddr, now: Millis) -> u8 {
        let ip = crate::util::net::canonical_ip(ip);
        if self.bans.covering(ip).is_some() {
            return 100;
        }
        self.ips
            .get(&self.source_key(ip))
            .map_or(0, |s| s.risk.score(now, self.cfg.general.risk_half_life))
    }

    /// An account's risk, 0 to 100 (0 when not tracked).
    pub fn account_risk(&self, account: &str, now: Millis) -> u8 {
        self.accounts
            .get(account)
            .map_or(0, |a| a.risk.score(now, self.cfg.general.risk_half_life))
    }

    pub fn ip_report(&self, ip: IpAddr, now: Millis, recent: usize) -> IpReport {
        let ip = crate::util::net::canonical_ip(ip);
        let cfg = &self.cfg;
        let half_life = cfg.general.risk_half_life;
        let key = self.source_key(ip);
        let net = source_net(key, cfg.general.ipv6_prefix);
        let st = self.ips.get(&key);
        let mut explanation = Vec::new();
        if let Some(st) = st {
            for (rule, points) in st.risk.breakdown(now, half_life) {
                explanation.push(format!("{rule}: +{points:.0}"));
            }
            let window = |rule: RuleId| window_ms(cfg.rules.of(rule).window);
            let counters = [
                (
                    RuleId::BruteForce,
                    st.brute.current(now, window(RuleId::BruteForce)),
                ),
                (RuleId::Ami, st.ami.current(now, window(RuleId::Ami))),
                (
                    RuleId::SlowAttack,
                    st.slow.current(now, window(RuleId::SlowAttack)),
                ),
                (
                    RuleId::ChallengeFlood,
                    st.flood.current(now, window(RuleId::ChallengeFlood)),
                ),
                (
                    RuleId::Enumeration,
                    self.enumerating
                        .get(&key)
                        .map_or(0, |t| t.current(now, window(RuleId::Enumeration)) as u32),
                ),
            ];
            let earlier = self.earlier_offences(&net, now);
            for (rule, n) in counters.into_iter().filter(|(_, n)| *n > 0) {
                let r = cfg.rules.of(rule);
                let t = escalation::threshold(r.threshold, earlier, &cfg.escalation);
                explanation.push(format!(
                    "{rule}: {n} of {t} {} within {}",
                    rule.counts(),
                    crate::util::duration::format(r.window)
                ));
            }
        }
        let geo = self.lookups.geo_db.as_ref().map(|db| {
            let info = db.lookup(ip);
            let place = info
                .as_ref()
                .map(|i| printable(&i.summary()))
                .unwrap_or_else(|| "not in the database".to_owned());
            // A report only: evaluate without counting a hit.
            format!(
                "{place}; {}",
                self.lookups
                    .geo_policy
                    .evaluate_quietly(ip, None, info.as_ref())
            )
        });
        let listed = self
            .lookups
            .blocklist
            .lookup_ref(ip)
            .map(|(list, net)| format!("{} ({net})", for_log(list)));
        let ban = self.bans.covering(ip).cloned();
        if let Some(b) = &ban {
            explanation.insert(0, format!("banned: {}", b.reason));
        }
        IpReport {
            ip,
            counted_as: (net.prefix_len() < net.max_prefix_len()).then_some(net),
            risk: self.risk_of(ip, now),
            explanation,
            events: st.map_or(0, |s| s.events),
            last_seen: st.map(|s| Millis::from(s.last_seen) * 1000),
            ban,
            offences: self
                .offences
                .get(&net)
                .or_else(|| self.offences.get(&IpNet::from(ip)))
                .cloned()
                .unwrap_or_default(),
            protection: self.whitelist.protection(ip),
            recent: self
                .recent
                .iter()
                .rev()
                .filter(|e| e.ip == ip)
                .take(recent)
                .cloned()
                .collect(),
            geo,
            listed,
        }
    }

    pub fn accounts_report(&self, now: Millis, limit: usize) -> Vec<AccountReport> {
        let half_life = self.cfg.general.risk_half_life;
        let w = window_ms(self.cfg.rules.distributed.window);
        let mut all: Vec<AccountReport> = self
            .accounts
            .iter()
            .map(|(name, a)| AccountReport {
                account: for_log(name),
                risk: a.risk.score(now, half_life),
                failures: a.failures,
                sources_in_window: a.sources.current(now, w),
                last_seen: a.last_seen,
                explanation: a
                    .risk
                    .breakdown(now, half_life)
                    .into_iter()
                    .map(|(r, p)| format!("{r}: +{p:.0}"))
                    .collect(),
            })
            .collect();
        all.sort_by(|a, b| {
            b.risk
                .cmp(&a.risk)
                .then(b.failures.cmp(&a.failures))
                .then(a.account.cmp(&b.account))
        });
        all.truncate(limit);
        all
    }

    pub fn recent_alerts(&self) -> impl Iterator<Item = &Alert> {
        self.alerts.iter()
    }
}
