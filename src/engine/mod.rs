//! The Intrusion Analysis Engine: security events in, decisions out, the clock passed in.
//!
//! Plain Rust with no I/O: the worker thread feeds it events and a clock, and hands the
//! [`Action`]s it returns to the enforcer, which owns every side effect.
//!
//! - [`rules`]: what each rule counts, and the one order they are evaluated in;
//! - [`bans`]: the one place a ban is decided (whitelist, escalation, offence history, the
//!   ban cap);
//! - [`whitelist`]: who may never be banned, and why (the admin's own addresses and what the
//!   PBX depends on: resolvers, gateways, trunks, identify matches);
//! - [`housekeeping`]: ban expiry, forgetting idle sources and old offences, eviction by
//!   least value when the table is full;
//! - [`alert_limiter`]: alerts rate-limited per rule and key;
//! - [`queries`]: what the CLI and the dialplan ask (risk, reports), and [`changes`]: what
//!   the worker publishes for readers that must never wait for the engine.
//! - [`remote`]: what the other servers of a cluster report (bans, failures, offences).

pub mod alert_limiter;
mod ban_table;
mod bans;
pub mod changes;
mod counters;
pub mod device_profiles;
pub mod escalation;
mod housekeeping;
pub mod neighbourhood;
pub mod pjsip_peers;
mod profile_signal;
pub mod profile_text;
pub mod protected_sources;
mod queries;
pub mod recent_logins;
mod remote;
mod report;
pub mod risk;
mod rules;
mod sensor_findings;
pub mod source_key;
mod source_state;
pub mod whitelist;
pub mod windows;

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

pub use ban_table::BanTable;
pub use changes::{AccountPoint, Change, RiskPoint, WhitelistView};
pub use counters::EngineCounters;
pub use device_profiles::{DeviceProfile, DeviceProfiles, RegisterSeen};
pub use protected_sources::ProtectedSources;
pub use remote::LocalFailure;
pub use report::{AccountReport, IpReport, RecentEvent};
pub use sensor_findings::{SensorFinding, first_contact_denial};

use crate::config::Config;
use crate::decision::{Action, Alert, Ban, RuleId};
use crate::intake::{EventKind, SecurityEvent};
use crate::lookups::Lookups;
use crate::util::escape::for_log;
use crate::util::net::canonical_ip;
use crate::util::time::{Millis, secs};
use alert_limiter::{Admit, AlertKey, AlertLimiter};
use neighbourhood::Neighbourhood;
use rules::{Facts, Findings, Tables, window_ms};
use source_key::{source_key, source_net};
use source_state::{AccountState, SourceState};
use whitelist::Whitelist;
use windows::{WindowDistinct, hash32};

const RECENT_EVENTS: usize = 8192;
const RECENT_ALERTS: usize = 256;

/// Prefixes the neighbour rule keeps offenders for; bounded like every other table.
const NEIGHBOUR_PREFIXES: usize = 65_536;

pub struct Engine {
    cfg: Arc<Config>,
    whitelist: Whitelist,
    /// What the whitelist was last built from (host addresses, resolvers, gateways, PJSIP).
    sources: ProtectedSources,
    /// Per source key ([`source_key`]: the address, or an IPv6 source's /64).
    ips: HashMap<IpAddr, SourceState>,
    /// Distinct unknown AccountIDs per source key, for the enumeration rule.
    enumerating: HashMap<IpAddr, WindowDistinct>,
    /// By name; shared (`Arc`) so that publishing an account's change allocates nothing.
    accounts: HashMap<Arc<str>, AccountState>,
    bans: BanTable,
    /// When each network was banned before, within the history window.
    offences: HashMap<IpNet, Vec<Millis>>,
    recent: VecDeque<RecentEvent>,
    alerts: VecDeque<Alert>,
    limiter: AlertLimiter,
    lookups: Arc<Lookups>,
    neighbours: Neighbourhood,
    last_sweep: Millis,
    /// The protected set changed: bans covering a now-protected address are lifted at the
    /// next tick.
    lift_due: bool,
    /// Whether changes are recorded for the published view (see [`changes`]).
    publishing: bool,
    changes: Vec<Change>,
    /// Recent SuccessfulAuths per source: a ban soon after one removes its contacts.
    logins: recent_logins::RecentLogins,
    /// User-Agents and networks of each account's registrations.
    profiles: DeviceProfiles,
    pub counters: EngineCounters,
}

impl Engine {
    pub fn new(cfg: Arc<Config>, host_addresses: Vec<IpAddr>) -> Engine {
        let neighbour_window = window_ms(cfg.rules.neighbour.window);
        let sources = ProtectedSources::host_only(host_addresses);
        Engine {
            whitelist: Whitelist::new(&cfg.whitelist, &sources),
            sources,
            cfg,
            ips: HashMap::new(),
            enumerating: HashMap::new(),
            accounts: HashMap::new(),
            bans: BanTable::default(),
            offences: HashMap::new(),
            recent: VecDeque::new(),
            alerts: VecDeque::new(),
            limiter: AlertLimiter::default(),
            lookups: Arc::new(Lookups::default()),
            neighbours: Neighbourhood::new(neighbour_window, NEIGHBOUR_PREFIXES),
            last_sweep: 0,
            lift_due: false,
            publishing: false,
            changes: Vec::new(),
            logins: recent_logins::RecentLogins::default(),
            profiles: DeviceProfiles::default(),
            counters: EngineCounters::default(),
        }
    }

    pub fn config(&self) -> &Arc<Config> {
        &self.cfg
    }

    /// Applies a reloaded configuration; state, bans and history stay. Bans that now cover
    /// a protected address are lifted at the next tick.
    pub fn reconfigure(&mut self, cfg: Arc<Config>) {
        self.whitelist.rebuild(&cfg.whitelist, &self.sources);
        if cfg.rules.neighbour.window != self.cfg.rules.neighbour.window {
            self.neighbours =
                Neighbourhood::new(window_ms(cfg.rules.neighbour.window), NEIGHBOUR_PREFIXES);
        }
        self.cfg = cfg;
        self.whitelist_changed();
    }

    /// What the PBX depends on, read again (host addresses, resolvers, gateways, PJSIP
    /// peers). Bans that now cover a protected address are lifted at the next tick.
    pub fn set_protected(&mut self, sources: ProtectedSources) {
        if sources == self.sources {
            return;
        }
        self.sources = sources;
        self.whitelist.rebuild(&self.cfg.whitelist, &self.sources);
        self.whitelist_changed();
    }

    fn whitelist_changed(&mut self) {
        self.lift_due = true;
        if self.publishing {
            let view = self.whitelist_view();
            self.changes.push(Change::Whitelist(view));
        }
    }

    /// A new snapshot of the geo database, policy and lists; every source is checked again on
    /// its next event.
    pub fn set_lookups(&mut self, lookups: Arc<Lookups>) {
        self.lookups = lookups;
    }

    pub fn lookups(&self) -> &Arc<Lookups> {
        &self.lookups
    }

    /// Starts recording [`Change`]s for the published view, beginning with everything there
    /// is to publish now (bans, risks, accounts, the whitelist).
    pub fn start_publishing(&mut self, now: Millis) {
        self.publishing = true;
        let bans: Vec<Change> = self.bans.iter().cloned().map(Change::Banned).collect();
        self.changes.extend(bans);
        let keys: Vec<IpAddr> = self.ips.keys().copied().collect();
        for key in keys {
            self.publish_source(key);
        }
        let names: Vec<Arc<str>> = self.accounts.keys().cloned().collect();
        for name in names {
            self.publish_account(&name, now);
        }
        self.whitelist_changed();
    }

    /// Takes the changes recorded since the last call, in order.
    pub fn drain_changes(&mut self) -> std::vec::Drain<'_, Change> {
        // A sweep can leave a long list behind; do not keep its memory for ever.
        if self.changes.is_empty() && self.changes.capacity() > 65_536 {
            self.changes = Vec::new();
        }
        self.changes.drain(..)
    }

    /// Puts back what the ledger remembered: the active bans and the offence history.
    /// Returns what must be undone: a ban no firewall can apply, or one covering a protected
    /// address (loopback, this host, a configured network), is lifted (recorded as ended and
    /// removed from the kernel) instead of restored.
    pub fn restore(
        &mut self,
        bans: Vec<Ban>,
        offences: Vec<(IpNet, Millis)>,
        now: Millis,
    ) -> Vec<Action> {
        let mut undo = Vec::new();
        for mut ban in bans.into_iter().filter(|b| b.is_active(now)) {
            ban.net = crate::util::net::canonical_net(ban.net);
            if crate::util::net::unbannable(&ban.net).is_some()
                || self.whitelist.protection_within(&ban.net).is_some()
            {
                self.counters.refused_restored += 1;
                undo.push(Action::Unban {
                    ban,
                    why: crate::decision::UnbanReason::Refused,
                });
                continue;
            }
            self.insert_ban(ban);
        }
        let keep_from = now.saturating_sub(window_ms(self.cfg.escalation.history));
        for (net, at) in offences.into_iter().filter(|(_, at)| *at >= keep_from) {
            self.record_offence(crate::util::net::canonical_net(net), at);
        }
        undo
    }

    /// The key a source's state is kept under (its address, or its IPv6 prefix).
    pub fn source_key(&self, ip: IpAddr) -> IpAddr {
        source_key(ip, self.cfg.general.ipv6_prefix)
    }

    /// Forgets an account's risk and failures (`secast clear account`); whether it was tracked.
    pub fn clear_account(&mut self, account: &str) -> bool {
        self.accounts.remove(account).is_some()
    }

    /// Scores one event and returns what should happen because of it.
    pub fn on_event(&mut self, ev: &SecurityEvent, now: Millis) -> Vec<Action> {
        let ip = canonical_ip(ev.source_ip());
        if let Some(local) = &ev.local
            && self.whitelist.note_transport(local.ip)
        {
            self.whitelist_changed();
        }
        self.remember(ev, now);
        if self.bans.covering(ip).is_some() {
            // Already banned: the kernel drops it unless the firewall is off or failing.
            self.counters.events_from_banned += 1;
            return Vec::new();
        }
        let cfg = self.cfg.clone();
        let key = source_key(ip, cfg.general.ipv6_prefix);
        let account = ev.named_account();
        let earlier_offences =
            self.earlier_offences(&source_net(key, cfg.general.ipv6_prefix), now);
        if self.ips.len() >= cfg.general.max_tracked_ips && !self.ips.contains_key(&key) {
            self.evict_least_valuable(now);
        }
        let lookups = self.lookups.clone();
        let st = self.ips.entry(key).or_default();
        st.last_seen = secs(now);
        st.events = st.events.saturating_add(1);
        if ev.kind == EventKind::SuccessfulAuth {
            st.last_auth = secs(now).max(1);
            if let Some(acct) = account
                && !cfg.sensor.remove_contacts_within.is_zero()
            {
                self.logins.record(
                    key,
                    recent_logins::Login {
                        account: acct.into(),
                        ip,
                        at: now,
                    },
                );
            }
        }
        let st = self.ips.entry(key).or_default();
        let registered = st.is_registered(
            secs(now),
            u32::try_from(cfg.general.registered_lifetime.as_secs()).unwrap_or(u32::MAX),
        );
        let first_contact = st.events == 1;
        let look_up =
            first_contact || st.checked != lookups.epoch || ev.kind == EventKind::SuccessfulAuth;
        if look_up {
            st.checked = lookups.epoch;
        }
        let facts = Facts {
            cfg: &cfg,
            ev,
            ip,
            key,
            account,
            now,
            earlier_offences,
            first_contact,
            look_up,
            registered,
        };
        let tables = Tables {
            lookups: &lookups,
            neighbours: &self.neighbours,
            enumerating: &mut self.enumerating,
        };
        let mut findings = Findings::default();
        let triggered = rules::evaluate(&facts, st, tables, &mut findings);
        let room = self
            .publishing
            .then(|| rules::failure_room(&facts, st))
            .flatten();

        if ev.kind == EventKind::SuccessfulAuth
            && let Some(acct) = account
        {
            self.profile_login(acct, ip, ev.remote.port, now, &mut findings);
        }
        let mut actions = Vec::new();
        for (rule, message) in findings.alerts {
            if let Some(a) = self.alert(AlertKey::Source(rule, ip), ip, account, message, now) {
                actions.push(Action::Alert(a));
            }
            if rule == RuleId::StolenCredentials
                && let Some(acct) = account
            {
                self.account_points(acct, RuleId::StolenCredentials, 100.0, now);
            }
        }
        if let Some(acct) = account
            && matches!(
                ev.kind,
                EventKind::ChallengeResponseFailed | EventKind::InvalidPassword
            )
        {
            actions.extend(self.account_failure(acct, ip, now));
        }
        let banning = triggered.is_some();
        if let Some(trigger) = triggered {
            actions.extend(self.ban_for_rule(ip, key, trigger.rule, trigger.reason, now));
        }
        if let Some((room, until)) = room {
            // A ban starts the counts again: no failures are counted after it.
            self.changes.push(Change::FailureRoom {
                key,
                room: (!banning).then_some(room),
                until,
            });
        }
        self.publish_source(key);
        actions
    }

    fn remember(&mut self, ev: &SecurityEvent, now: Millis) {
        if self.recent.len() >= RECENT_EVENTS {
            self.recent.pop_front();
        }
        self.recent.push_back(RecentEvent {
            at: now,
            ip: canonical_ip(ev.source_ip()),
            kind: ev.kind,
            service: for_log(&ev.service),
            account: ev.account.as_deref().map(for_log).unwrap_or_default(),
        });
    }

    /// An alert, if the limiter lets it through (one per key and `[general]
    /// alert_interval`; the next to pass says how many were held back).
    fn alert(
        &mut self,
        key: AlertKey,
        ip: IpAddr,
        account: Option<&str>,
        message: String,
        now: Millis,
    ) -> Option<Alert> {
        let rule = match key {
            AlertKey::Source(r, _) | AlertKey::Account(r, _) | AlertKey::TableFull(r) => r,
        };
        let interval = window_ms(self.cfg.general.alert_interval);
        let message = match self.limiter.admit(key, now, interval) {
            Admit::Suppress => {
                self.counters.alerts_suppressed += 1;
                return None;
            }
            Admit::Pass {
                suppressed_before: 0,
            } => message,
            Admit::Pass { suppressed_before } => {
                format!("{message} ({suppressed_before} more like this were suppressed)")
            }
        };
        Some(self.record_alert(Alert {
            rule,
            ip: Some(ip),
            account: account.map(for_log),
            message,
            at: now,
        }))
    }

    fn record_alert(&mut self, a: Alert) -> Alert {
        self.counters.alerts += 1;
        if self.alerts.len() >= RECENT_ALERTS {
            self.alerts.pop_front();
        }
        self.alerts.push_back(a.clone());
        a
    }

    fn account_points(&mut self, acct: &str, rule: RuleId, points: f32, now: Millis) {
        let half_life = self.cfg.general.risk_half_life;
        let w = window_ms(self.cfg.rules.distributed.window);
        let publishing = self.publishing;
        let Some(a) = self.account_state(acct, now) else {
            return;
        };
        a.risk.add(rule, points, now, half_life);
        if let Some(change) = publishing.then(|| account_change(a, now, w)) {
            self.changes.push(change);
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
            if let Some(gone) = self.accounts.remove(&oldest)
                && gone.published
                && self.publishing
            {
                self.changes.push(Change::AccountGone(oldest));
            }
        }
        // Looked up first: an account seen before costs no allocation.
        if !self.accounts.contains_key(acct) {
            let name: Arc<str> = acct.into();
            let state = AccountState {
                name: name.clone(),
                ..AccountState::default()
            };
            self.accounts.insert(name, state);
        }
        let a = self.accounts.get_mut(acct)?;
        a.last_seen = now;
        Some(a)
    }

    /// A failure against a real account: the `distributed` rule counts the distinct sources.
    fn account_failure(&mut self, acct: &str, ip: IpAddr, now: Millis) -> Vec<Action> {
        let cfg = self.cfg.clone();
        let publishing = self.publishing;
        let Some(a) = self.account_state(acct, now) else {
            return Vec::new();
        };
        let found = rules::distributed::evaluate(&cfg, acct, ip, now, a);
        let w = window_ms(cfg.rules.distributed.window);
        if let Some(change) = publishing.then(|| account_change(a, now, w)) {
            self.changes.push(change);
        }
        let Some(message) = found else {
            return Vec::new();
        };
        let key = AlertKey::Account(RuleId::Distributed, hash32(acct.as_bytes()));
        self.alert(key, ip, Some(acct), message, now)
            .map(Action::Alert)
            .into_iter()
            .collect()
    }

    /// Tells the published view a source key's risk (or that it has none).
    fn publish_source(&mut self, key: IpAddr) {
        if !self.publishing {
            return;
        }
        let Some(st) = self.ips.get_mut(&key) else {
            return;
        };
        let (peak, at) = st.risk.peak();
        if peak > 0.0 {
            st.published = true;
            self.changes.push(Change::SourceRisk {
                key,
                risk: RiskPoint { peak, at },
            });
        } else if std::mem::take(&mut st.published) {
            self.changes.push(Change::SourceGone(key));
        }
    }

    fn publish_account(&mut self, acct: &str, now: Millis) {
        if !self.publishing {
            return;
        }
        let w = window_ms(self.cfg.rules.distributed.window);
        if let Some(a) = self.accounts.get_mut(acct) {
            let change = account_change(a, now, w);
            self.changes.push(change);
        }
    }
}

/// An account as the published view holds it (and marks it published).
fn account_change(a: &mut AccountState, now: Millis, window: Millis) -> Change {
    let (peak, at) = a.risk.peak();
    a.published = true;
    Change::AccountRisk {
        account: a.name.clone(),
        point: AccountPoint {
            risk: RiskPoint { peak, at },
            failures: a.failures,
            sources: a.sources.current(now, window) as u32,
            last_seen: a.last_seen,
        },
    }
}
