//! The cluster thread: the one thread that owns the connections to Redis (never an Asterisk
//! thread). It sleeps in `poll` on its subscription and its wake-up socket, and each time it
//! wakes it:
//!
//! 1. reads what other servers published and hands it on (bans and failures to the engine,
//!    registrations to the registry, device states to Asterisk);
//! 2. publishes what this server queued (bans, unbans, contact and device-state changes) and,
//!    every 50 ms when there are any, the failures counted since the last batch;
//! 3. every second, announces itself and checks that Redis still answers (a hung Redis looks
//!    idle to a subscriber: a PING without PONG ends the session).
//!
//! While Redis is away this server works alone: its engine decides and enforces as always,
//! bans and unbans wait in the bounded outbox, failures in the tally. On every (re)connect it
//! resyncs, because pub/sub loses what was sent while a client was away: it subscribes first,
//! then reads the cluster's state (bans in force, lifted bans, offences, registrations, device
//! states) and writes out its own.

mod inbound;
mod outbound;
mod resync;
mod session;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::asterisk_side::AsteriskSide;
use super::device_state::DeviceState;
use super::hub::{Hub, Login};
use super::identity::{Eid, Identity};
use super::keys::Keys;
use super::redis::{RedisUrl, Target, tls};
use crate::config::{ClusterConfig, Shares};
use crate::decision::Command;
use crate::util::escape::untrusted;
use crate::util::lock::LockExt;
use crate::util::log::{Level, LogSink};
use crate::util::time::Millis;
use session::Session;

/// Where the cluster's reports for the engine go (the engine worker's command queue).
pub type EngineSink = Arc<dyn Fn(Command) -> bool + Send + Sync>;

/// How often a node announces itself and checks the link.
const HEARTBEAT: Duration = Duration::from_secs(1);
/// A node not heard for this long is gone: its device states and registrations are dropped.
const NODE_TIMEOUT: Duration = Duration::from_secs(5);
/// Failures are sent in batches this far apart.
const BATCH: Duration = Duration::from_millis(50);
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// How often one node cleans what ended out of Redis.
const HOUSEKEEPING: Duration = Duration::from_secs(600);
/// SuccessfulAuth events remembered for the source address of registrations.
const MAX_LOGINS: usize = 4096;
const LOGIN_TTL: Duration = Duration::from_secs(60);
/// Malformed entries logged per minute (the rest are only counted).
const MALFORMED_LOGS_PER_MINUTE: u32 = 10;

pub struct LinkSetup {
    pub config: ClusterConfig,
    pub identity: Identity,
    pub hub: Arc<Hub>,
    pub engine: EngineSink,
    pub asterisk: Arc<dyn AsteriskSide>,
    pub log: Arc<dyn LogSink>,
    pub clock: fn() -> Millis,
    /// The engine's offence history window: older offence records are dropped from Redis.
    pub history: Duration,
}

/// The running link; [`LinkHandle::stop`] ends it.
pub struct LinkHandle {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
    hub: Arc<Hub>,
}

impl LinkHandle {
    /// Stops the thread (within the Redis timeout at worst) and waits for it. The remote
    /// device states it set in Asterisk are cleared on the way out.
    pub fn stop(self) {
        self.stop.store(true, Ordering::Release);
        self.hub.wake();
        let _ = self.thread.join();
    }
}

/// What the configuration asks for, checked: the target to connect to and what is shared.
fn prepare(setup: &LinkSetup) -> Result<(Target, Shares, Vec<String>), String> {
    let cfg = &setup.config;
    let mut url = RedisUrl::parse(&cfg.url).map_err(|e| format!("[cluster] url: {e}"))?;
    if !cfg.username.is_empty() {
        url.username = Some(cfg.username.clone());
    }
    if !cfg.password.is_empty() {
        url.password = Some(cfg.password.clone());
    }
    let tls = if url.tls {
        let files = tls::TlsFiles {
            ca_file: cfg.tls_ca_file.clone(),
            cert_file: cfg.tls_cert_file.clone(),
            key_file: cfg.tls_key_file.clone(),
        };
        Some(tls::client_config(&files).map_err(|e| format!("[cluster] TLS: {e}"))?)
    } else {
        None
    };
    let tls_name = match (&cfg.tls_server_name, &url.address) {
        (n, _) if !n.is_empty() => n.clone(),
        (_, super::redis::Address::Tcp { host, .. }) => host.clone(),
        _ => String::new(),
    };
    let mut shares = cfg.share;
    let mut notes = Vec::new();
    if shares.device_state && setup.identity.eid.is_empty() {
        shares.device_state = false;
        notes.push(
            "device_state not shared: Asterisk has no entity ID (set entityid in asterisk.conf)"
                .to_owned(),
        );
    }
    let target = Target {
        url,
        tls,
        tls_name,
        timeout: cfg.timeout,
        client_name: format!("secast-{}", setup.identity.node.replace(':', "-")),
    };
    Ok((target, shares, notes))
}

/// Starts the cluster thread. Fails (with the reason) when the configuration cannot work.
pub fn start(setup: LinkSetup) -> Result<LinkHandle, String> {
    let (target, shares, notes) = prepare(&setup)?;
    let hub = setup.hub.clone();
    hub.set_queue_size(setup.config.queue_size);
    {
        let mut st = hub.status.locked();
        *st = Default::default();
        st.running = true;
        st.node = setup.identity.node.clone();
        st.eid = setup.identity.eid.to_string();
        st.url = target.url.redacted();
        st.shares = shares.to_string();
        st.sip_address = setup.config.sip_address.clone();
        st.notes = notes.clone();
        st.down_since = Some((setup.clock)());
    }
    for n in &notes {
        setup.log.log(Level::Warning, &format!("cluster: {n}"));
    }
    hub.set_shares(shares);
    let stop = Arc::new(AtomicBool::new(false));
    let keys = Keys::new(&setup.config.key_prefix);
    let mut link = Link {
        target,
        shares,
        keys,
        session: None,
        backoff: BACKOFF_MIN,
        next_attempt: Instant::now(),
        last_heartbeat: Instant::now() - HEARTBEAT,
        flush_due: None,
        last_snapshot: Instant::now(),
        last_sweep: Instant::now(),
        last_housekeeping: Instant::now(),
        connected_at: None,
        replay_pending: 0,
        own_states: HashMap::new(),
        logins: HashMap::new(),
        login_order: VecDeque::new(),
        call_ids: HashMap::new(),
        remote_eids: HashMap::new(),
        started_contacts: false,
        last_logged: HashMap::new(),
        malformed_window: (Instant::now(), 0),
        stop: stop.clone(),
        setup,
    };
    let thread = std::thread::Builder::new()
        .name("secast-cluster".into())
        .spawn(move || link.run())
        .map_err(|e| format!("cannot start the cluster thread: {e}"))?;
    Ok(LinkHandle { stop, thread, hub })
}

struct Link {
    setup: LinkSetup,
    target: Target,
    shares: Shares,
    keys: Keys,
    session: Option<Session>,
    backoff: Duration,
    next_attempt: Instant,
    last_heartbeat: Instant,
    /// When the failures counted so far are due to be sent.
    flush_due: Option<Instant>,
    last_snapshot: Instant,
    last_sweep: Instant,
    last_housekeeping: Instant,
    connected_at: Option<Instant>,
    /// Bans and unbans that waited while Redis was away, still to be sent.
    replay_pending: usize,
    /// This server's device states, as last published.
    own_states: HashMap<String, DeviceState>,
    /// SuccessfulAuth by Call-ID, for the source address of registrations.
    logins: HashMap<String, (Login, Instant)>,
    login_order: VecDeque<String>,
    /// Call-ID of each local contact (its first REGISTER), for the same join.
    call_ids: HashMap<String, String>,
    /// Nodes whose device states were set in Asterisk, with their entity IDs.
    remote_eids: HashMap<String, Eid>,
    /// The start-up snapshot of local contacts has been taken.
    started_contacts: bool,
    /// The same error is logged at most once a minute.
    last_logged: HashMap<String, Instant>,
    malformed_window: (Instant, u32),
    stop: Arc<AtomicBool>,
}

impl Link {
    fn now(&self) -> Millis {
        (self.setup.clock)()
    }

    fn node(&self) -> &str {
        &self.setup.identity.node
    }

    fn hub(&self) -> &Hub {
        &self.setup.hub
    }

    fn run(&mut self) {
        self.log(
            Level::Notice,
            &format!(
                "cluster: node {} (entity ID {}) sharing {} through {}",
                self.node(),
                self.setup.identity.eid,
                self.shares,
                self.target.url.redacted()
            ),
        );
        while !self.stop.load(Ordering::Acquire) {
            if self.session.is_none() && Instant::now() >= self.next_attempt {
                self.connect();
            }
            let readable = self.wait();
            if self.stop.load(Ordering::Acquire) {
                break;
            }
            // One bad item must not stop the link: a panic is logged and the loop goes on
            // (the session is dropped, since it may be mid-reply).
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.work(readable)));
            if outcome.is_err() {
                self.log(
                    Level::Error,
                    "cluster: internal error (panic above); reconnecting",
                );
                self.drop_session("internal error");
            }
        }
        self.shut_down();
    }

    /// Sleeps until the subscription or the wake-up socket has something, or the next timer;
    /// true when the subscription has something to read.
    fn wait(&mut self) -> bool {
        let now = Instant::now();
        let mut deadline = self.last_heartbeat + HEARTBEAT;
        if let Some(due) = self.flush_due {
            deadline = deadline.min(due);
        }
        if self.session.is_none() {
            deadline = deadline.min(self.next_attempt);
        }
        let timeout = deadline.saturating_duration_since(now);
        let mut fds = vec![self.hub().wake_fd()];
        if let Some(s) = &self.session {
            fds.push(s.sub.raw_fd());
        }
        let ready = crate::os::poll::wait_readable(&fds, timeout).unwrap_or_default();
        self.hub().clear_wake();
        ready.get(1).copied().unwrap_or(false)
    }

    fn work(&mut self, readable: bool) {
        if readable {
            self.receive();
        }
        self.take_inbox();
        self.send_outbox();
        if self.flush_due.is_none() && !self.hub().tally.is_empty() {
            self.flush_due = Some(Instant::now() + BATCH);
        }
        if self.flush_due.is_some_and(|d| Instant::now() >= d) {
            self.flush_failures();
        }
        if self.last_heartbeat.elapsed() >= HEARTBEAT {
            self.last_heartbeat = Instant::now();
            self.heartbeat();
        }
        if self.last_snapshot.elapsed() >= self.setup.config.snapshot_interval {
            self.last_snapshot = Instant::now();
            self.snapshot_out();
        }
        if self.last_sweep.elapsed() >= HEARTBEAT {
            self.last_sweep = Instant::now();
            self.sweep();
        }
        if self.last_housekeeping.elapsed() >= HOUSEKEEPING {
            self.last_housekeeping = Instant::now();
            self.housekeep();
        }
    }

    fn connect(&mut self) {
        let started = Instant::now();
        let opened = Session::open(&self.target, &self.keys.channel());
        match opened {
            Ok(s) => {
                self.session = Some(s);
                self.backoff = BACKOFF_MIN;
                self.connected_at = Some(Instant::now());
                self.replay_pending = self.hub().queue_depth().0;
                let now = self.now();
                {
                    let mut st = self.hub().status.locked();
                    st.connected_since = Some(now);
                    st.down_since = None;
                    st.connects += 1;
                }
                match self.resync() {
                    Ok(summary) => {
                        let ms = started.elapsed().as_millis() as u64;
                        {
                            let mut st = self.hub().status.locked();
                            st.resyncs += 1;
                            st.last_resync = Some(now);
                            st.resync_ms = ms;
                        }
                        self.log(
                            Level::Notice,
                            &format!(
                                "cluster: connected to {}; resynced in {ms} ms ({summary})",
                                self.target.url.redacted()
                            ),
                        );
                    }
                    Err(e) => self.drop_session(&format!("resync failed: {e}")),
                }
            }
            Err(e) => {
                self.note_error(&format!(
                    "cannot reach Redis at {}: {e}; working alone, retrying",
                    self.target.url.redacted()
                ));
                self.next_attempt = Instant::now() + self.backoff;
                self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
            }
        }
    }

    /// Ends the session after an error; the next attempt follows the backoff.
    fn drop_session(&mut self, why: &str) {
        if self.session.take().is_some() {
            let now = self.now();
            {
                let mut st = self.hub().status.locked();
                st.connected_since = None;
                st.down_since = Some(now);
            }
            self.connected_at = None;
            self.note_error(&format!(
                "lost the link to Redis ({why}); working alone, reconnecting"
            ));
            self.next_attempt = Instant::now() + self.backoff;
        }
    }

    /// Records the error for `secast show cluster` and logs it (the same text once a minute).
    fn note_error(&mut self, msg: &str) {
        let now = self.now();
        self.hub().status.locked().last_error = Some((now, msg.to_owned()));
        self.log_limited(Level::Warning, msg);
    }

    fn log_limited(&mut self, level: Level, msg: &str) {
        let repeat = self
            .last_logged
            .get(msg)
            .is_some_and(|t| t.elapsed() < Duration::from_secs(60));
        if !repeat {
            if self.last_logged.len() > 256 {
                self.last_logged.clear();
            }
            self.last_logged.insert(msg.to_owned(), Instant::now());
            self.log(level, &format!("cluster: {msg}"));
        }
    }

    fn log(&self, level: Level, msg: &str) {
        self.setup.log.log(level, msg);
    }

    /// An entry from Redis that failed validation: counted, and logged (escaped, rate-limited).
    fn malformed(&mut self, what: &str, why: &str, raw: &[u8]) {
        let text = format!(
            "skipped a malformed {what} from Redis: {why}: \"{}\"",
            untrusted(raw, 160)
        );
        {
            let mut st = self.hub().status.locked();
            st.malformed += 1;
            st.last_malformed = Some(text.clone());
        }
        let (start, n) = &mut self.malformed_window;
        if start.elapsed() >= Duration::from_secs(60) {
            *start = Instant::now();
            *n = 0;
        }
        *n += 1;
        if *n <= MALFORMED_LOGS_PER_MINUTE {
            self.log(Level::Warning, &format!("cluster: {text}"));
        }
    }

    /// Hands a report to the engine; false when the engine is gone (module stopping).
    fn to_engine(&self, cmd: Command) -> bool {
        (self.setup.engine)(cmd)
    }

    fn shut_down(&mut self) {
        for (_, eid) in std::mem::take(&mut self.remote_eids) {
            self.setup.asterisk.clear_remote_states(eid);
        }
        if let Some(mut s) = self.session.take() {
            // Tell the others at once rather than after NODE_TIMEOUT (best effort).
            let node_key = self.keys.node(self.node());
            let _ = s.cmd.call(&[b"DEL", node_key.as_bytes()]);
        }
        self.hub().set_shares(Shares::NONE);
        let mut st = self.hub().status.locked();
        st.running = false;
        st.connected_since = None;
        drop(st);
        self.log(Level::Verbose, "cluster: link stopped");
    }
}
