//! Reads what the PBX depends on, again and again, on a thread of its own: this host's
//! addresses (interfaces come and go), its resolvers and default gateways, and the addresses
//! its PJSIP registrations, static AOR contacts and identifies name, with host names
//! resolved. At start, at every `module reload`, and every `[whitelist] refresh_interval`
//! (1 minute by default; a walk of 25 PJSIP objects was measured at under a millisecond).
//!
//! Its own thread because resolving a trunk's name can block for seconds (DNS timeouts):
//! never on Asterisk's threads, nor on the engine's. What it reads goes to the engine as one
//! [`Envelope::Protected`] message; the engine rebuilds its whitelist and lifts any ban that
//! now covers a protected address. Local facts go first, names are resolved after, so a
//! slow resolver delays only the trunks named by host name.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};
use ipnet::IpNet;

use super::envelope::Envelope;
use super::shared::Shared;
use crate::config::Config;
use crate::engine::ProtectedSources;
use crate::engine::pjsip_peers::{PeerTarget, PjsipPeer, peer_targets, transport_addresses};
use crate::intake::PjsipObject;
use crate::os;
use crate::util::escape::for_log;
use crate::util::lock::LockExt;
use crate::util::log::Level;

/// Reads the PJSIP objects from Asterisk (the host layer's sorcery walk); None when
/// res_pjsip is not running.
pub type PjsipReader = Arc<dyn Fn() -> Option<Vec<PjsipObject>> + Send + Sync>;

/// What the refresher reads besides the configuration.
#[derive(Clone)]
pub struct ProtectionReaders {
    /// Host addresses, resolvers and gateways from the OS.
    pub system: bool,
    pub pjsip: Option<PjsipReader>,
}

/// How long stopping waits for a refresh under way (a name lookup may take seconds); after
/// that the thread is left to finish on its own and exits without doing anything more.
const STOP_WAIT: Duration = Duration::from_millis(300);

/// The running refresher.
pub struct ProtectionRefresher {
    stop: Arc<AtomicBool>,
    /// Held while the PJSIP objects are read: stopping waits for a read under way (it holds
    /// references into res_pjsip), but not for a name lookup.
    reading: Arc<Mutex<()>>,
    wake: Option<Sender<()>>,
    done: Receiver<()>,
    handle: Option<JoinHandle<()>>,
}

impl ProtectionRefresher {
    pub fn start(
        shared: Arc<Shared>,
        readers: ProtectionReaders,
        wake_rx: Receiver<()>,
        wake: Sender<()>,
    ) -> std::io::Result<ProtectionRefresher> {
        let stop = Arc::new(AtomicBool::new(false));
        let reading = Arc::new(Mutex::new(()));
        let (done_tx, done) = bounded(1);
        let (thread_stop, thread_reading) = (stop.clone(), reading.clone());
        let handle = std::thread::Builder::new()
            .name("secast-protect".into())
            .spawn(move || {
                run(&shared, &readers, &wake_rx, &thread_stop, &thread_reading);
                let _ = done_tx.send(());
            })?;
        Ok(ProtectionRefresher {
            stop,
            reading,
            wake: Some(wake),
            done,
            handle: Some(handle),
        })
    }

    /// Stops it: waits for a read of PJSIP's objects under way (under a millisecond), then
    /// at most [`STOP_WAIT`] for the rest.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        // Once this is taken no read is under way, and the thread starts none after it.
        drop(self.reading.locked());
        if let Some(w) = self.wake.take() {
            let _ = w.try_send(());
        }
        if self.done.recv_timeout(STOP_WAIT).is_ok()
            && let Some(h) = self.handle.take()
        {
            let _ = h.join();
        }
        // Otherwise detached: it is inside a name lookup and exits when that returns.
    }
}

fn run(
    shared: &Shared,
    readers: &ProtectionReaders,
    wake: &Receiver<()>,
    stop: &AtomicBool,
    reading: &Mutex<()>,
) {
    let mut last: Option<ProtectedSources> = None;
    loop {
        let cfg = shared.config();
        let (local, names) = {
            let _reading = reading.locked();
            if stop.load(Ordering::Acquire) {
                return;
            }
            gather_local(&cfg, readers)
        };
        let mut sources = local;
        if !names.is_empty() {
            // What is known without the network goes to the engine first.
            if last.as_ref() != Some(&sources) {
                let _ = shared.commands.send(Envelope::Protected(sources.clone()));
            }
            resolve_names(&mut sources, names, stop);
            if stop.load(Ordering::Acquire) {
                return;
            }
        }
        if last.as_ref() != Some(&sources) {
            shared.log.log(Level::Notice, &summary(&sources));
            for (name, peer) in &sources.unresolved {
                shared.log.log(
                    Level::Warning,
                    &format!(
                        "{} names '{}', which does not resolve now: it is not protected until it does",
                        peer,
                        for_log(name)
                    ),
                );
            }
            let _ = shared.commands.send(Envelope::Protected(sources.clone()));
            last = Some(sources);
        }
        match wake.recv_timeout(cfg.whitelist.refresh_interval) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Everything read without the network, and the PJSIP host names still to resolve.
fn gather_local(
    cfg: &Config,
    readers: &ProtectionReaders,
) -> (ProtectedSources, Vec<(String, PjsipPeer)>) {
    let mut s = ProtectedSources::default();
    if readers.system {
        s.host_addresses = os::interfaces::host_addresses();
        if cfg.whitelist.resolvers {
            s.resolvers = os::resolvers::resolvers();
        }
        if cfg.whitelist.gateways {
            s.gateways = os::gateways::gateways();
        }
    }
    let mut names = Vec::new();
    if cfg.whitelist.pjsip
        && let Some(read) = &readers.pjsip
        && let Some(objects) = read()
    {
        s.transports = transport_addresses(&objects);
        for (target, peer) in peer_targets(&objects) {
            match target {
                PeerTarget::Net(net) => s.pjsip.push((net, peer)),
                PeerTarget::Name(name) => names.push((name, peer)),
            }
        }
    }
    (s, names)
}

fn resolve_names(s: &mut ProtectedSources, names: Vec<(String, PjsipPeer)>, stop: &AtomicBool) {
    for (name, peer) in names {
        if stop.load(Ordering::Acquire) {
            return;
        }
        let addrs: Vec<IpAddr> = os::name_lookup::resolve(&name);
        if addrs.is_empty() {
            s.unresolved.push((name, peer));
            continue;
        }
        for ip in addrs {
            s.pjsip.push((IpNet::from(ip), peer.clone()));
        }
    }
}

fn summary(s: &ProtectedSources) -> String {
    format!(
        "protected from bans: {} host addresses, {} PJSIP transport addresses, {} resolvers, {} gateways, {} PJSIP trunk and identify addresses{}",
        s.host_addresses.len(),
        s.transports.len(),
        s.resolvers.len(),
        s.gateways.len(),
        s.pjsip.len(),
        if s.unresolved.is_empty() {
            String::new()
        } else {
            format!(" ({} names unresolved)", s.unresolved.len())
        }
    )
}
