//! The Intrusion Analysis Engine: security events in, decisions out, the clock passed in.
//!
//! Plain Rust with no I/O: the worker thread feeds it events and a clock, and hands the
//! [`Action`]s it returns to the enforcer, which owns every side effect.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;

use crate::ban::{Ban, BanOrigin, BanTable};
use crate::config::{Config, ListedAction, StolenCredentialAction};
use crate::escalation;
use crate::escape::for_log;
use crate::event::{EventKind, SecurityEvent};
use crate::geo::{GeoAction, GeoVerdict};
use crate::intel::Neighbourhood;
use crate::lookups::Lookups;
use crate::rules::RuleId;
use crate::score::Risk;
use crate::stats::UNKNOWN_ACCOUNT;
use crate::whitelist::{Protection, Whitelist};
use crate::window::{Millis, RecentAccounts, Secs, WindowCount, WindowDistinct, hash32, secs};

/// What the engine asks the enforcer to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Ban(Ban),
    Unban { ban: Ban, why: UnbanReason },
    Alert(Alert),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnbanReason {
    Manual,
    Expired,
}

impl UnbanReason {
    pub fn label(self) -> &'static str {
        match self {
            UnbanReason::Manual => "manual",
            UnbanReason::Expired => "expired",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub rule: RuleId,
    pub ip: Option<IpAddr>,
    /// Escaped for display.
    pub account: Option<String>,
    pub message: String,
    pub at: Millis,
}

/// Per-source state. Kept small (under 100 bytes, times in whole seconds): a million of these
/// must fit in about 256 MB with the hash table around them. The set of unknown accounts a
/// source tried lives apart, in `Engine::enumerating`, so only enumerators pay for it.
#[derive(Debug, Clone, Default)]
struct IpState {
    last_seen: Secs,
    events: u32,
    brute: WindowCount,
    slow: WindowCount,
    ami: WindowCount,
    flood: WindowCount,
    failed_accounts: RecentAccounts,
    risk: Risk,
    /// The [`Lookups`] epoch this source was last checked against (geo, blocklists).
    checked: u8,
}

#[derive(Debug, Clone, Default)]
struct AccountState {
    last_seen: Millis,
    failures: u32,
    sources: WindowDistinct,
    risk: Risk,
}

/// One line of the recent-events ring, for `secast show ip`.
#[derive(Debug, Clone)]
pub struct RecentEvent {
    pub at: Millis,
    pub ip: IpAddr,
    pub kind: EventKind,
    pub service: String,
    /// Escaped and capped.
    pub account: String,
}

const RECENT_EVENTS: usize = 8192;
const RECENT_ALERTS: usize = 256;
/// Distinct things remembered per window beyond any threshold: enough to tell "more than".
const DISTINCT_CAP: usize = 64;

/// What `secast show ip` shows.
#[derive(Debug, Clone)]
pub struct IpReport {
    pub ip: IpAddr,
    pub risk: u8,
    pub explanation: Vec<String>,
    pub events: u32,
    pub last_seen: Option<Millis>,
    pub ban: Option<Ban>,
    pub offences: Vec<Millis>,
    pub protection: Option<Protection>,
    pub recent: Vec<RecentEvent>,
    /// Where the geo database places it and what the policy says, when geofencing is on.
    pub geo: Option<String>,
    /// The blocklist entry it matches.
    pub listed: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AccountReport {
    pub account: String,
    pub risk: u8,
    pub failures: u32,
    pub sources_in_window: usize,
    pub last_seen: Millis,
    pub explanation: Vec<String>,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct EngineCounters {
    pub bans: u64,
    pub alerts: u64,
    /// Bans a rule wanted but the whitelist refused.
    pub spared: u64,
    pub events_from_banned: u64,
    pub evicted_ips: u64,
}

pub struct Engine {
    cfg: Arc<Config>,
    whitelist: Whitelist,
    host_addresses: Vec<IpAddr>,
    ips: HashMap<IpAddr, IpState>,
    /// Distinct unknown AccountIDs per source, for the enumeration rule.
    enumerating: HashMap<IpAddr, WindowDistinct>,
    accounts: HashMap<Box<str>, AccountState>,
    bans: BanTable,
    /// When each source was banned before, within the history window.
    offences: HashMap<IpNet, Vec<Millis>>,
    recent: VecDeque<RecentEvent>,
    alerts: VecDeque<Alert>,
    lookups: Arc<Lookups>,
    neighbours: Neighbourhood,
    last_sweep: Millis,
    pub counters: EngineCounters,
}

/// How often idle sources, accounts and old offences are swept out.
const SWEEP_EVERY_MS: Millis = 60_000;

/// Prefixes the neighbour rule keeps offenders for; bounded like every other table.
const NEIGHBOUR_PREFIXES: usize = 65_536;

/// Hashes the address's octets: no text formatting or allocation on the hot path.
fn ip_hash(ip: IpAddr) -> u32 {
    match ip {
        IpAddr::V4(v4) => hash32(&v4.octets()),
        IpAddr::V6(v6) => hash32(&v6.octets()),
    }
}

/// Text from a database (a city name) for a log line: control characters out.
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(120).collect()
}

fn window_ms(d: Duration) -> Millis {
    Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX)
}

fn is_failure(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::ChallengeResponseFailed
            | EventKind::InvalidPassword
            | EventKind::InvalidAccountId
            | EventKind::FailedAcl
    )
}

/// The account name an event is about, if it names a real one.
fn named_account(ev: &SecurityEvent) -> Option<&str> {
    ev.account
        .as_deref()
        .filter(|a| !a.is_empty() && *a != UNKNOWN_ACCOUNT)
}

impl Engine {
    pub fn new(cfg: Arc<Config>, host_addresses: Vec<IpAddr>) -> Engine {
        let neighbour_window = window_ms(cfg.rules.neighbour.window);
        Engine {
            whitelist: Whitelist::new(&cfg.whitelist, &host_addresses),
            cfg,
            host_addresses,
            ips: HashMap::new(),
            enumerating: HashMap::new(),
            accounts: HashMap::new(),
            bans: BanTable::default(),
            offences: HashMap::new(),
            recent: VecDeque::new(),
            alerts: VecDeque::new(),
            lookups: Arc::new(Lookups::default()),
            neighbours: Neighbourhood::new(neighbour_window, NEIGHBOUR_PREFIXES),
            last_sweep: 0,
            counters: EngineCounters::default(),
        }
    }

    pub fn config(&self) -> &Arc<Config> {
        &self.cfg
    }

    /// Applies a reloaded configuration; state, bans and history stay.
    pub fn reconfigure(&mut self, cfg: Arc<Config>) {
        self.whitelist
            .reconfigure(&cfg.whitelist, &self.host_addresses);
        if cfg.rules.neighbour.window != self.cfg.rules.neighbour.window {
            self.neighbours =
                Neighbourhood::new(window_ms(cfg.rules.neighbour.window), NEIGHBOUR_PREFIXES);
        }
        self.cfg = cfg;
    }

    /// A new snapshot of the geo database, policy and lists; every source is checked again on
    /// its next event.
    pub fn set_lookups(&mut self, lookups: Arc<Lookups>) {
        self.lookups = lookups;
    }

    pub fn lookups(&self) -> &Arc<Lookups> {
        &self.lookups
    }

    /// Puts back what the ledger remembered: the active bans and the offence history.
    pub fn restore(&mut self, bans: Vec<Ban>, offences: Vec<(IpNet, Millis)>, now: Millis) {
        for ban in bans.into_iter().filter(|b| b.is_active(now)) {
            self.bans.insert(ban);
        }
        let keep_from = now - window_ms(self.cfg.escalation.history);
        for (net, at) in offences.into_iter().filter(|(_, at)| *at >= keep_from) {
            self.offences.entry(net).or_default().push(at);
        }
    }

    pub fn tracked_ips(&self) -> usize {
        self.ips.len()
    }

    pub fn bans(&self) -> &BanTable {
        &self.bans
    }

    pub fn protection(&self, ip: IpAddr) -> Option<Protection> {
        self.whitelist.protection(ip)
    }

    fn earlier_offences(&self, net: &IpNet, now: Millis) -> u32 {
        let from = now - window_ms(self.cfg.escalation.history);
        self.offences
            .get(net)
            .map_or(0, |v| v.iter().filter(|t| **t >= from).count() as u32)
    }

    /// Scores one event and returns what should happen because of it.
    pub fn on_event(&mut self, ev: &SecurityEvent, now: Millis) -> Vec<Action> {
        let ip = ev.source_ip();
        if let Some(local) = &ev.local {
            self.whitelist.note_transport(local.ip);
        }
        self.remember(ev, now);
        if self.bans.covering(ip).is_some() {
            // Already banned: the kernel drops it unless the firewall is off or failing.
            self.counters.events_from_banned += 1;
            return Vec::new();
        }

        let cfg = self.cfg.clone();
        let half_life = cfg.general.risk_half_life;
        let earlier = self.earlier_offences(&IpNet::from(ip), now);
        let threshold = |rule: RuleId| {
            escalation::threshold(rule.config(&cfg).threshold, earlier, &cfg.escalation)
        };
        let account = named_account(ev).map(str::to_owned);
        let mut actions = Vec::new();
        let mut triggered: Option<(RuleId, String)> = None;
        let mut stolen: Option<String> = None;

        if self.ips.len() >= cfg.general.max_tracked_ips && !self.ips.contains_key(&ip) {
            self.evict_idlest();
        }
        let st = self.ips.entry(ip).or_default();
        st.last_seen = secs(now);
        st.events = st.events.saturating_add(1);

        // First contact (or new lists, or a login): who is this source and where is it?
        let lookups = self.lookups.clone();
        let mut geo_alert: Option<String> = None;
        let first_contact = st.events == 1;
        if first_contact || st.checked != lookups.epoch || ev.kind == EventKind::SuccessfulAuth {
            st.checked = lookups.epoch;
            if let Some((list, net)) = lookups.blocklist.lookup_ref(ip) {
                match cfg.intel.listed {
                    ListedAction::Ban => {
                        let reason = format!("intel: listed in {} ({net})", for_log(list));
                        triggered = triggered.or(Some((RuleId::Intel, reason)));
                    }
                    ListedAction::Score => {
                        st.risk
                            .add(RuleId::Intel, cfg.intel.listed_risk as f32, now, half_life)
                    }
                }
            }
            if let Some(db) = &lookups.geo_db {
                let info = db.lookup(ip);
                let verdict = lookups
                    .geo_policy
                    .evaluate(ip, account.as_deref(), info.as_ref());
                if let GeoVerdict::Denied { action, .. } = &verdict {
                    let place = info
                        .as_ref()
                        .map(|i| printable(&i.summary()))
                        .unwrap_or_default();
                    let reason = format!("geo: {place} {verdict}");
                    match action {
                        GeoAction::Ban => {
                            triggered = triggered.or(Some((RuleId::Geo, reason.clone())))
                        }
                        GeoAction::Risk(n) => {
                            st.risk.add(RuleId::Geo, f32::from(*n), now, half_life)
                        }
                        GeoAction::Alert => geo_alert = Some(reason.clone()),
                    }
                    if ev.kind == EventKind::SuccessfulAuth {
                        geo_alert = Some(format!(
                            "successful login as \"{}\" from {ip} ({place}), a place the geo policy denies: {verdict}",
                            account.as_deref().map(for_log).unwrap_or_default()
                        ));
                    }
                }
            }
            if first_contact && cfg.rules.neighbour.enabled {
                let near = self.neighbours.offenders_near(ip, now);
                if near as u32 >= cfg.rules.neighbour.threshold {
                    st.risk.add(
                        RuleId::Neighbour,
                        cfg.intel.neighbour_risk as f32,
                        now,
                        half_life,
                    );
                }
            }
        }

        // Counts one thing for `rule`; returns a reason when the threshold is reached.
        let count = |rule: RuleId, n: u32, st_risk: &mut Risk| -> Option<(RuleId, String)> {
            let r = rule.config(&cfg);
            if !r.enabled {
                return None;
            }
            let t = threshold(rule);
            st_risk.add(rule, 100.0 / t as f32, now, half_life);
            (n >= t).then(|| {
                let reason = format!(
                    "{rule}: {n} {} within {}",
                    rule.counts(),
                    crate::duration::format(r.window)
                );
                (rule, reason)
            })
        };

        if is_failure(ev.kind) {
            // The most specific rule is checked first, so a ban names what really happened.
            if let Some(acct) = account.as_deref() {
                let h = hash32(acct.as_bytes());
                st.failed_accounts
                    .add(h, now, window_ms(cfg.rules.stolen_credentials.window));
                if ev.kind == EventKind::InvalidAccountId {
                    let w = window_ms(cfg.rules.enumeration.window);
                    let tried = self.enumerating.entry(ip).or_default();
                    let before = tried.current(now, w);
                    let n = tried.add(h, now, w, DISTINCT_CAP);
                    if n > before {
                        triggered =
                            triggered.or(count(RuleId::Enumeration, n as u32, &mut st.risk));
                    }
                }
            }
            let is_ami = ev.service.eq_ignore_ascii_case("AMI");
            let (rule, counter) = if is_ami {
                (RuleId::Ami, &mut st.ami)
            } else {
                (RuleId::BruteForce, &mut st.brute)
            };
            let n = counter.add(now, window_ms(rule.config(&cfg).window));
            triggered = triggered.or(count(rule, n, &mut st.risk));
            let n = st.slow.add(now, window_ms(cfg.rules.slow_attack.window));
            triggered = triggered.or(count(RuleId::SlowAttack, n, &mut st.risk));
        }
        match ev.kind {
            EventKind::ChallengeSent => {
                let n = st
                    .flood
                    .add(now, window_ms(cfg.rules.challenge_flood.window));
                triggered = triggered.or(count(RuleId::ChallengeFlood, n, &mut st.risk));
            }
            EventKind::SuccessfulAuth => {
                st.flood.reset();
                if let Some(acct) = account.as_deref() {
                    let w = window_ms(cfg.rules.stolen_credentials.window);
                    let h = hash32(acct.as_bytes());
                    if cfg.rules.stolen_credentials.enabled
                        && st.failed_accounts.contains_other_than(h, now, w)
                    {
                        st.risk
                            .add(RuleId::StolenCredentials, 100.0, now, half_life);
                        let message = format!(
                            "successful login as \"{}\" from {ip}, which just failed against other accounts",
                            for_log(acct)
                        );
                        if cfg.rules.stolen_credentials_action == StolenCredentialAction::Ban {
                            triggered = triggered.or(Some((
                                RuleId::StolenCredentials,
                                format!("stolen_credentials: {message}"),
                            )));
                        }
                        stolen = Some(message);
                    }
                }
            }
            _ => {}
        }

        if let Some(message) = geo_alert {
            actions.push(Action::Alert(self.alert(
                RuleId::Geo,
                Some(ip),
                account.as_deref(),
                message,
                now,
            )));
        }
        if let (Some(message), Some(acct)) = (stolen, account.as_deref()) {
            actions.push(Action::Alert(self.alert(
                RuleId::StolenCredentials,
                Some(ip),
                Some(acct),
                message,
                now,
            )));
            self.account_points(acct, RuleId::StolenCredentials, 100.0, now);
        }
        if let Some(acct) = account.as_deref()
            && matches!(
                ev.kind,
                EventKind::ChallengeResponseFailed | EventKind::InvalidPassword
            )
        {
            actions.extend(self.account_failure(acct, ip, now));
        }
        if let Some((rule, reason)) = triggered {
            actions.extend(self.ban_for_rule(ip, rule, reason, now));
        }
        actions
    }

    fn remember(&mut self, ev: &SecurityEvent, now: Millis) {
        if self.recent.len() >= RECENT_EVENTS {
            self.recent.pop_front();
        }
        self.recent.push_back(RecentEvent {
            at: now,
            ip: ev.source_ip(),
            kind: ev.kind,
            service: for_log(&ev.service),
            account: ev.account.as_deref().map(for_log).unwrap_or_default(),
        });
    }

    fn alert(
        &mut self,
        rule: RuleId,
        ip: Option<IpAddr>,
        account: Option<&str>,
        message: String,
        now: Millis,
    ) -> Alert {
        let a = Alert {
            rule,
            ip,
            account: account.map(for_log),
            message,
            at: now,
        };
        self.counters.alerts += 1;
        if self.alerts.len() >= RECENT_ALERTS {
            self.alerts.pop_front();
        }
        self.alerts.push_back(a.clone());
        a
    }

    fn account_points(&mut self, acct: &str, rule: RuleId, points: f32, now: Millis) {
        let half_life = self.cfg.general.risk_half_life;
        if let Some(a) = self.account_state(acct, now) {
            a.risk.add(rule, points, now, half_life);
        }
    }

    fn account_state(&mut self, acct: &str, now: Millis) -> Option<&mut AccountState> {
        if !self.accounts.contains_key(acct)
            && self.accounts.len() >= self.cfg.general.max_tracked_accounts
        {
            // Make room by forgetting the account seen longest ago.
            let oldest = self
                .accounts
                .iter()
                .min_by_key(|(_, a)| a.last_seen)
                .map(|(k, _)| k.clone())?;
            self.accounts.remove(&oldest);
        }
        let a = self.accounts.entry(acct.into()).or_default();
        a.last_seen = now;
        Some(a)
    }

    /// A failure against a real account: counts the distinct sources doing it.
    fn account_failure(&mut self, acct: &str, ip: IpAddr, now: Millis) -> Vec<Action> {
        let cfg = self.cfg.clone();
        let rule = &cfg.rules.distributed;
        let half_life = cfg.general.risk_half_life;
        let Some(a) = self.account_state(acct, now) else {
            return Vec::new();
        };
        a.failures = a.failures.saturating_add(1);
        if !rule.enabled {
            return Vec::new();
        }
        let w = window_ms(rule.window);
        let before = a.sources.current(now, w);
        let n = a.sources.add(ip_hash(ip), now, w, DISTINCT_CAP);
        if n == before {
            return Vec::new();
        }
        a.risk.add(
            RuleId::Distributed,
            100.0 / rule.threshold as f32,
            now,
            half_life,
        );
        if n as u32 != rule.threshold {
            return Vec::new();
        }
        let message = format!(
            "account \"{}\" failed from {n} different sources within {}",
            for_log(acct),
            crate::duration::format(rule.window)
        );
        vec![Action::Alert(self.alert(
            RuleId::Distributed,
            Some(ip),
            Some(acct),
            message,
            now,
        ))]
    }

    fn ban_for_rule(
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
        let base = rule.config(&self.cfg).ban;
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
            *st = IpState {
                last_seen: st.last_seen,
                events: st.events,
                ..IpState::default()
            };
        }
        self.enumerating.remove(&net.addr());
        Some(ban)
    }

    /// Housekeeping on the clock: ended bans, forgotten history, idle sources.
    pub fn tick(&mut self, now: Millis) -> Vec<Action> {
        let actions: Vec<Action> = self
            .bans
            .take_expired(now)
            .into_iter()
            .map(|ban| Action::Unban {
                ban,
                why: UnbanReason::Expired,
            })
            .collect();
        // The sweep below visits every tracked source: once a minute, not on every tick.
        if now - self.last_sweep < SWEEP_EVERY_MS {
            return actions;
        }
        self.last_sweep = now;
        let from = now - window_ms(self.cfg.escalation.history);
        self.offences.retain(|_, v| {
            v.retain(|t| *t >= from);
            !v.is_empty()
        });
        // A source idle for longer than every window has nothing left to count.
        let longest = RuleId::ALL
            .iter()
            .map(|r| window_ms(r.config(&self.cfg).window))
            .max()
            .unwrap_or(0)
            .max(window_ms(self.cfg.general.risk_half_life) * 8);
        let before = self.ips.len();
        self.ips
            .retain(|_, st| now - Millis::from(st.last_seen) * 1000 < longest);
        let ips = &self.ips;
        self.enumerating.retain(|ip, _| ips.contains_key(ip));
        self.counters.evicted_ips += (before - self.ips.len()) as u64;
        self.accounts.retain(|_, a| now - a.last_seen < longest);
        actions
    }

    /// Over the memory limit: forget the tenth of sources seen longest ago (amortised, so one
    /// new source does not cost a scan each).
    fn evict_idlest(&mut self) {
        let mut ages: Vec<(Secs, IpAddr)> =
            self.ips.iter().map(|(ip, s)| (s.last_seen, *ip)).collect();
        let drop = (ages.len() / 10).max(1);
        ages.select_nth_unstable(drop - 1);
        for (_, ip) in ages.iter().take(drop) {
            self.ips.remove(ip);
            self.enumerating.remove(ip);
        }
        self.counters.evicted_ips += drop as u64;
    }

    pub fn risk_of(&self, ip: IpAddr, now: Millis) -> u8 {
        if self.bans.covering(ip).is_some() {
            return 100;
        }
        self.ips
            .get(&ip)
            .map_or(0, |s| s.risk.score(now, self.cfg.general.risk_half_life))
    }

    pub fn ip_report(&self, ip: IpAddr, now: Millis, recent: usize) -> IpReport {
        let half_life = self.cfg.general.risk_half_life;
        let st = self.ips.get(&ip);
        let mut explanation = Vec::new();
        if let Some(st) = st {
            for (rule, points) in st.risk.breakdown(now, half_life) {
                explanation.push(format!("{rule}: +{points:.0}"));
            }
            let counters = [
                (
                    RuleId::BruteForce,
                    st.brute
                        .current(now, window_ms(self.cfg.rules.brute_force.window)),
                ),
                (
                    RuleId::Ami,
                    st.ami.current(now, window_ms(self.cfg.rules.ami.window)),
                ),
                (
                    RuleId::SlowAttack,
                    st.slow
                        .current(now, window_ms(self.cfg.rules.slow_attack.window)),
                ),
                (
                    RuleId::ChallengeFlood,
                    st.flood
                        .current(now, window_ms(self.cfg.rules.challenge_flood.window)),
                ),
                (
                    RuleId::Enumeration,
                    self.enumerating.get(&ip).map_or(0, |t| {
                        t.current(now, window_ms(self.cfg.rules.enumeration.window)) as u32
                    }),
                ),
            ];
            let earlier = self.earlier_offences(&IpNet::from(ip), now);
            for (rule, n) in counters.into_iter().filter(|(_, n)| *n > 0) {
                let r = rule.config(&self.cfg);
                let t = escalation::threshold(r.threshold, earlier, &self.cfg.escalation);
                explanation.push(format!(
                    "{rule}: {n} of {t} {} within {}",
                    rule.counts(),
                    crate::duration::format(r.window)
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
            risk: self.risk_of(ip, now),
            explanation,
            events: st.map_or(0, |s| s.events),
            last_seen: st.map(|s| Millis::from(s.last_seen) * 1000),
            ban,
            offences: self
                .offences
                .get(&IpNet::from(ip))
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
