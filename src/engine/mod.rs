//! The Intrusion Analysis Engine: security events in, decisions out, the clock passed in.
//!
//! Plain Rust with no I/O: the worker thread feeds it events and a clock, and hands the
//! [`Action`]s it returns to the enforcer, which owns every side effect.
//!
//! - [`rules`]: what each rule counts, and the one order they are evaluated in;
//! - [`bans`]: the one place a ban is decided (whitelist, escalation, offence history);
//! - [`housekeeping`]: ban expiry, forgetting idle sources and old offences;
//! - [`queries`]: what the CLI and the dialplan ask (risk, reports).

mod ban_table;
mod bans;
mod counters;
pub mod escalation;
mod housekeeping;
pub mod neighbourhood;
mod queries;
mod report;
pub mod risk;
mod rules;
mod source_state;
pub mod whitelist;
pub mod windows;

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

pub use ban_table::BanTable;
pub use counters::EngineCounters;
pub use report::{AccountReport, IpReport, RecentEvent};

use crate::config::Config;
use crate::decision::{Action, Alert, Ban, RuleId};
use crate::intake::{EventKind, SecurityEvent};
use crate::lookups::Lookups;
use crate::util::escape::for_log;
use crate::util::time::{Millis, secs};
use neighbourhood::Neighbourhood;
use rules::{Facts, Findings, Tables, window_ms};
use source_state::{AccountState, SourceState};
use whitelist::Whitelist;
use windows::WindowDistinct;

const RECENT_EVENTS: usize = 8192;
const RECENT_ALERTS: usize = 256;

/// Prefixes the neighbour rule keeps offenders for; bounded like every other table.
const NEIGHBOUR_PREFIXES: usize = 65_536;

pub struct Engine {
    cfg: Arc<Config>,
    whitelist: Whitelist,
    host_addresses: Vec<IpAddr>,
    ips: HashMap<IpAddr, SourceState>,
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

    /// Forgets an account's risk and failures (`secast clear account`); whether it was tracked.
    pub fn clear_account(&mut self, account: &str) -> bool {
        self.accounts.remove(account).is_some()
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
        let account = ev.named_account();
        let earlier_offences = self.earlier_offences(&IpNet::from(ip), now);
        if self.ips.len() >= cfg.general.max_tracked_ips && !self.ips.contains_key(&ip) {
            self.evict_idlest();
        }
        let lookups = self.lookups.clone();
        let st = self.ips.entry(ip).or_default();
        st.last_seen = secs(now);
        st.events = st.events.saturating_add(1);
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
            account,
            now,
            earlier_offences,
            first_contact,
            look_up,
        };
        let tables = Tables {
            lookups: &lookups,
            neighbours: &self.neighbours,
            enumerating: &mut self.enumerating,
        };
        let mut findings = Findings::default();
        let triggered = rules::evaluate(&facts, st, tables, &mut findings);

        let mut actions = Vec::new();
        for (rule, message) in findings.alerts {
            actions.push(Action::Alert(self.alert(
                rule,
                Some(ip),
                account,
                message,
                now,
            )));
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
        if let Some(trigger) = triggered {
            actions.extend(self.ban_for_rule(ip, trigger.rule, trigger.reason, now));
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

    /// A failure against a real account: the `distributed` rule counts the distinct sources.
    fn account_failure(&mut self, acct: &str, ip: IpAddr, now: Millis) -> Vec<Action> {
        let cfg = self.cfg.clone();
        let Some(a) = self.account_state(acct, now) else {
            return Vec::new();
        };
        match rules::distributed::evaluate(&cfg, acct, ip, now, a) {
            Some(message) => vec![Action::Alert(self.alert(
                RuleId::Distributed,
                Some(ip),
                Some(acct),
                message,
                now,
            ))],
            None => Vec::new(),
        }
    }
}
