//! The PJSIP sensor's decisions: every SIP request is shown to [`Sensor::inspect`] on PJSIP's
//! monitor thread, before the distributor and any digest work. Pure Rust, no FFI: the host
//! (`host::sensor`) reads the request and carries out the verdict.
//!
//! In order, for each request:
//! 1. **banned**: a ban in force covers the source (the published view, updated by the
//!    worker as soon as the engine decides, before the kernel set) → dropped;
//! 2. **request flood**: more than `[request_flood] threshold` requests from the source within
//!    the second, whatever they are ([`flood_table`]) → dropped, and the engine told;
//! 3. **scanner**: the User-Agent holds a `[scanner]` pattern → dropped, the engine told;
//! 4. **first contact**: a source not checked since the lists last changed is looked up in the
//!    blocklists and the geo policy; a verdict that bans → dropped, the engine told;
//! 5. **answers in flight**: a request carrying Authorization from a source with failures
//!    counted is held back when the answers already in flight would take it past its
//!    `brute_force` threshold ([`in_flight`]): exactly the threshold is processed;
//! 6. a REGISTER not noted in the last [`REGISTER_NOTE_EVERY`] seconds is noted for the
//!    device profiles.
//!
//! The engine decides every ban (`engine::bans`); the sensor only drops early. A protected
//! source (whitelist, loopback, what the PBX depends on) is never dropped by 2–5; only a ban,
//! which for a protected source can only be the administrator's, drops it.
//!
//! Costs: the pass path reads one settings `Arc`, one published-view lookup, two atomic
//! counters, a scan of the User-Agent and one fingerprint slot; it allocates nothing (a
//! REGISTER note allocates, once per source, account and User-Agent per
//! [`REGISTER_NOTE_EVERY`]). Measured in `benches/sensor.rs`.

mod address_hash;
mod counters;
mod drop_table;
mod fingerprint_table;
mod flood_table;
mod in_flight;
mod note;
mod request;
mod scanner_match;
mod settings;
mod tables;
mod view;

pub use counters::{SensorCounters, SensorTotals};
pub use note::{MAX_NOTE_TEXT, RegisterSeen, SensorNote, bounded_text};
pub use request::{SeenRequest, SipTransport};
pub use scanner_match::ScannerMatch;
pub use settings::SensorSettings;
pub use view::BanView;

use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crossbeam_channel::{Receiver, Sender, unbounded};

use crate::config::Config;
use crate::engine::source_key::source_key;
use crate::engine::{SensorFinding, first_contact_denial};
use crate::lookups::Lookups;
use crate::util::lock::{LockExt, RwLockExt};
use crate::util::net::canonical_ip;
use crate::util::time::Millis;
use address_hash::{AddressHasher, wide};
use tables::SensorTables;

/// Notes waiting for the worker; more are dropped and counted (`notes_lost`). The queue is a
/// growable channel held to this length by a counter, not a channel of this capacity: a
/// preallocated 4096-slot buffer (about half a megabyte) made anew at every `module load` left
/// Asterisk's RSS a few hundred kilobytes higher after each unload/load cycle.
pub const NOTE_QUEUE: usize = 4096;

/// A REGISTER with the same source, From user and User-Agent is noted again after this many
/// seconds (a brute force with one User-Agent costs one note per period).
pub const REGISTER_NOTE_EVERY: u32 = 30;

/// What the host does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Hand it on to PJSIP.
    Pass,
    /// Drop it before the distributor (silently on UDP; on a stream, as res_pjsip_acl does).
    Drop(DropReason),
}

/// Why a request was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// A ban in force covers the source.
    Banned,
    /// The User-Agent matches a `[scanner]` pattern.
    Scanner,
    /// The source crossed `[request_flood]`.
    Flood,
    /// The source's first request is denied by geofence or blocklist.
    FirstContact,
    /// An answered challenge from a failing source, held back: with the answers already in
    /// flight it would take the source past its `brute_force` threshold.
    InFlight,
}

impl DropReason {
    pub fn label(self) -> &'static str {
        match self {
            DropReason::Banned => "banned",
            DropReason::Scanner => "scanner",
            DropReason::Flood => "request flood",
            DropReason::FirstContact => "first contact (geo/blocklist)",
            DropReason::InFlight => "answers in flight at the threshold",
        }
    }
}

/// Whether the host's PJSIP service runs, for `secast show status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SensorState {
    On { pj_version: String, priority: i32 },
    Off { why: String },
}

/// The sensor: shared by the worker (which owns it) and PJSIP's monitor thread.
pub struct Sensor {
    state: Mutex<SensorState>,
    view: Arc<dyn BanView>,
    settings: RwLock<Arc<SensorSettings>>,
    generation: AtomicU32,
    hasher: AddressHasher,
    /// Flood counts, answers in flight, sources checked, REGISTERs noted, drops.
    tables: Arc<SensorTables>,
    notes: Sender<SensorNote>,
    /// Notes sent and not yet taken by the worker (see [`NOTE_QUEUE`]).
    notes_queued: AtomicUsize,
    pub counters: SensorCounters,
}

impl Sensor {
    /// A sensor reading bans from `view`, judging with `config` and `lookups`; the receiver
    /// is the worker's end of the notes queue.
    pub fn new(
        view: Arc<dyn BanView>,
        config: Arc<Config>,
        lookups: Arc<Lookups>,
    ) -> (Sensor, Receiver<SensorNote>) {
        let (tx, rx) = unbounded();
        let sensor = Sensor {
            state: Mutex::new(SensorState::Off {
                why: "the PJSIP service is not registered (yet)".to_owned(),
            }),
            view,
            settings: RwLock::new(Arc::new(SensorSettings::new(config, lookups, 1))),
            generation: AtomicU32::new(1),
            hasher: AddressHasher::default(),
            tables: SensorTables::for_new_sensor(),
            notes: tx,
            notes_queued: AtomicUsize::new(0),
            counters: SensorCounters::default(),
        };
        (sensor, rx)
    }

    /// New configuration or lookups (reload, a changed list file): every source's first
    /// contact is checked again.
    pub fn reconfigure(&self, config: Arc<Config>, lookups: Arc<Lookups>) {
        let generation = self
            .generation
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1);
        let settings = Arc::new(SensorSettings::new(config, lookups, generation));
        *self.settings.write_locked() = settings;
    }

    fn settings(&self) -> Arc<SensorSettings> {
        self.settings.read_locked().clone()
    }

    /// Called on PJSIP's monitor thread for every incoming request before the distributor.
    /// O(1), wait-free or lock-free reads only, no allocation on the Pass path, never blocks.
    /// Queues notes for the worker (never waits; counted as lost beyond [`NOTE_QUEUE`]).
    pub fn inspect(&self, req: &SeenRequest<'_>, now: Millis) -> Verdict {
        self.counters.seen.fetch_add(1, Ordering::Relaxed);
        let s = self.settings();
        if !s.enabled {
            return Verdict::Pass;
        }
        let ip = canonical_ip(req.source.ip());
        if self.view.is_banned(ip, now) {
            return self.drop(ip, DropReason::Banned);
        }
        if let Some(threshold) = s.flood_threshold {
            let key = wide(source_key(ip, s.ipv6_prefix));
            let sec = now.div_euclid(1000) as u32;
            let count = self.tables.flood.count(&self.hasher, key, sec);
            if count > threshold && !self.spared(ip) {
                // Told on crossing and then at doubling excess: a handful of notes per second
                // however long the engine cannot ban (a registered or capped source).
                if (count - threshold).is_power_of_two() {
                    self.note(SensorNote::Finding {
                        ip,
                        finding: SensorFinding::Flood { count },
                    });
                }
                return self.drop(ip, DropReason::Flood);
            }
        }
        if let (Some(m), Some(ua)) = (&s.scanner, req.user_agent)
            && let Some(pattern) = m.find(ua)
            && !self.spared(ip)
        {
            self.note(SensorNote::Finding {
                ip,
                finding: SensorFinding::Scanner {
                    pattern: pattern.clone(),
                },
            });
            return self.drop(ip, DropReason::Scanner);
        }
        if s.first_contact {
            let h = self.hasher.hash(ip, 1);
            if self.tables.checked.tag_of(h) != Some(s.generation) {
                let account = std::str::from_utf8(req.from_user)
                    .ok()
                    .filter(|a| !a.is_empty());
                match first_contact_denial(&s.config, &s.lookups, ip, account) {
                    Some(_) if !self.spared(ip) => {
                        // Not remembered as checked: every request is denied until the ban is
                        // published.
                        self.note(SensorNote::Finding {
                            ip,
                            finding: SensorFinding::FirstContact {
                                account: account.map(|a| a.chars().take(MAX_NOTE_TEXT).collect()),
                            },
                        });
                        return self.drop(ip, DropReason::FirstContact);
                    }
                    _ => self.tables.checked.set(h, s.generation),
                }
            }
        }
        if req.authorization {
            let key = wide(source_key(ip, s.ipv6_prefix));
            let n = self
                .tables
                .in_flight
                .begin(&self.hasher, key, now.div_euclid(1000) as u32);
            if let Some(room) = self.view.failure_room(ip, now)
                && n > room
                && !self.spared(ip)
            {
                self.tables.in_flight.end(&self.hasher, key);
                return self.drop(ip, DropReason::InFlight);
            }
        }
        if s.profiles && req.method.eq_ignore_ascii_case(b"REGISTER") {
            self.note_register(req, now);
        }
        Verdict::Pass
    }

    /// The engine heard the outcome of an answered challenge from `ip` (SuccessfulAuth or a
    /// failure; the worker, after publishing what it decided): one answer fewer in flight.
    pub fn outcome(&self, ip: IpAddr) {
        let prefix = self.settings().ipv6_prefix;
        let key = wide(source_key(canonical_ip(ip), prefix));
        self.tables.in_flight.end(&self.hasher, key);
    }

    /// Whether a rule's drop is waived because the source is protected (counted).
    fn spared(&self, ip: IpAddr) -> bool {
        let p = self.view.is_protected(ip);
        if p {
            self.counters.spared.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    fn drop(&self, ip: IpAddr, reason: DropReason) -> Verdict {
        self.counters.dropped(reason);
        self.tables.drops.record(&self.hasher, ip, reason);
        Verdict::Drop(reason)
    }

    fn note(&self, note: SensorNote) {
        if self.notes_queued.fetch_add(1, Ordering::AcqRel) >= NOTE_QUEUE {
            self.notes_queued.fetch_sub(1, Ordering::AcqRel);
            self.counters.notes_lost.fetch_add(1, Ordering::Relaxed);
            return;
        }
        match self.notes.send(note) {
            Ok(()) => self.counters.notes_sent.fetch_add(1, Ordering::Relaxed),
            Err(_) => {
                self.notes_queued.fetch_sub(1, Ordering::AcqRel);
                self.counters.notes_lost.fetch_add(1, Ordering::Relaxed)
            }
        };
    }

    /// The worker took a note off the queue: room for one more.
    pub fn note_taken(&self) {
        self.notes_queued.fetch_sub(1, Ordering::AcqRel);
    }

    /// Queues a REGISTER for the device profiles, once per source, From user and User-Agent
    /// per [`REGISTER_NOTE_EVERY`] seconds.
    fn note_register(&self, req: &SeenRequest<'_>, now: Millis) {
        let ua = req.user_agent.unwrap_or_default();
        let mut h = self.hasher.hash(req.source.ip(), 0);
        h = self.hasher.extend(h, &req.source.port().to_le_bytes());
        h = self.hasher.extend(h, req.from_user);
        h = self.hasher.extend(h, ua);
        let sec = now.div_euclid(1000) as u32;
        if let Some(at) = self.tables.registers.tag_of(h)
            && sec.wrapping_sub(at) < REGISTER_NOTE_EVERY
        {
            return;
        }
        self.tables.registers.set(h, sec);
        self.note(SensorNote::Register(RegisterSeen {
            source: req.source,
            from_user: bounded_text(req.from_user),
            user_agent: bounded_text(ua),
            at: now,
        }));
    }

    /// The host tells the sensor whether it runs, for `secast show status`.
    pub fn set_state(&self, state: SensorState) {
        *self.state.locked() = state;
    }

    /// Whether `[sensor] enabled` lets it judge requests.
    pub fn judging(&self) -> bool {
        self.settings().enabled
    }

    pub fn state(&self) -> SensorState {
        self.state.locked().clone()
    }

    /// Requests dropped from `ip` (as long as its slot was not taken by another source) and
    /// why the last one was.
    pub fn dropped_from(&self, ip: IpAddr) -> Option<(u64, DropReason)> {
        self.tables
            .drops
            .dropped_from(&self.hasher, canonical_ip(ip))
    }

    /// Memory of the fixed tables, for the status page.
    pub fn table_bytes(&self) -> usize {
        flood_table::SLOTS * 2 * 8
            + self.tables.checked.bytes()
            + self.tables.registers.bytes()
            + drop_table::SLOTS * 24
            + in_flight::SLOTS * 8
    }
}
