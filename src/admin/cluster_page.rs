//! `secast show cluster`, `secast show locate <aor>` and `secast show registrations [node]`:
//! the cluster's link and the Extension Finder's view, from what the cluster thread
//! published (never a Redis round trip).

use std::fmt::Write;
use std::time::Duration;

use crate::cluster::Hub;
use crate::cluster::contact::{AddressFrom, Contact};
use crate::cluster::registry::dial_string;
use crate::util::duration;
use crate::util::escape::for_log;
use crate::util::time::{Millis, format_utc};
use crate::worker::Shared;

const OFF: &str = "Cluster: off (no [cluster] url in secast.conf)\n";

fn ago(now: Millis, then: Millis) -> String {
    let ms = (now - then).max(0);
    if ms < 10_000 {
        format!("{:.1}s ago", ms as f64 / 1000.0)
    } else {
        format!(
            "{} ago",
            duration::format(Duration::from_secs((ms / 1000) as u64))
        )
    }
}

fn ms_of(ns: Option<u64>) -> String {
    ns.map_or_else(|| "-".to_owned(), |ns| format!("{:.1}", ns as f64 / 1e6))
}

/// The link's state; lines of the form `name: value`, parsed by the end-to-end tests.
pub fn cluster_text(shared: &Shared) -> String {
    let Some(hub) = shared.cluster.as_deref() else {
        return OFF.to_owned();
    };
    let st = hub.status();
    if !st.running {
        return OFF.to_owned();
    }
    let now = shared.now();
    let mut out = String::new();
    let _ = writeln!(out, "Node: {} (entity ID {})", st.node, st.eid);
    let _ = writeln!(out, "Redis: {}", st.url);
    let _ = writeln!(out, "Sharing: {}", st.shares);
    if !st.sip_address.is_empty() {
        let _ = writeln!(out, "SIP address: {}", st.sip_address);
    }
    match (st.connected_since, st.down_since) {
        (Some(since), _) => {
            let _ = writeln!(
                out,
                "Link: connected since {} ({}), {} connection(s)",
                format_utc(since),
                ago(now, since),
                st.connects
            );
        }
        (None, Some(since)) => {
            let _ = writeln!(
                out,
                "Link: down since {} ({}); working alone, reconnecting",
                format_utc(since),
                ago(now, since)
            );
        }
        (None, None) => {
            let _ = writeln!(out, "Link: starting");
        }
    }
    match &st.last_error {
        Some((at, e)) => {
            let _ = writeln!(out, "Last error: {} ({})", e, ago(now, *at));
        }
        None => {
            let _ = writeln!(out, "Last error: none");
        }
    }
    if let Some(at) = st.last_resync {
        let _ = writeln!(
            out,
            "Last resync: {} ({} ms), {} in all",
            ago(now, at),
            st.resync_ms,
            st.resyncs
        );
    }
    let (depth, peak) = hub.queue_depth();
    let _ = writeln!(
        out,
        "Queued: {depth} now (peak {peak}, {} dropped), replayed {}",
        hub.queue_dropped.load(std::sync::atomic::Ordering::Relaxed),
        st.replayed
    );
    for (label, c) in [("Published", &st.published), ("Received", &st.received)] {
        let _ = writeln!(
            out,
            "{label}: bans {}, unbans {}, failure batches {} ({} failures), contacts {}, \
             device states {}, hellos {}",
            c.bans, c.unbans, c.failure_batches, c.failures, c.contacts, c.device_states, c.hellos
        );
    }
    let _ = writeln!(
        out,
        "Malformed entries skipped: {}{}",
        st.malformed,
        st.last_malformed
            .as_ref()
            .map(|m| format!(" (last: {m})"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "Ban propagation to this node: p50 {} ms, p99 {} ms ({} bans)",
        ms_of(hub.propagation.quantile_ns(0.5)),
        ms_of(hub.propagation.quantile_ns(0.99)),
        hub.propagation.count()
    );
    let dropped = hub.inbox_dropped.load(std::sync::atomic::Ordering::Relaxed)
        + hub.tally.dropped.load(std::sync::atomic::Ordering::Relaxed);
    if dropped > 0 {
        let _ = writeln!(
            out,
            "Dropped before sending (queues full): {dropped} (the periodic snapshot repairs them)"
        );
    }
    let reg = hub.registry();
    let local = reg.local().filter(|c| c.is_live(now)).count();
    let _ = writeln!(
        out,
        "Registrations: {local} here, {} on other nodes; device states: {} here, {} other nodes",
        reg.remote_count(),
        st.own_devices,
        st.remote_devices
    );
    let mut nodes: Vec<_> = reg.nodes.values().collect();
    nodes.sort_by(|a, b| a.name.cmp(&b.name));
    let _ = writeln!(out, "Nodes seen: {}", nodes.len());
    for n in nodes {
        let _ = writeln!(
            out,
            "  {:<20} entity ID {}  sip {}  heard {}  lag {} ms  version {}",
            n.name,
            n.eid,
            n.sip_address.as_deref().unwrap_or("-"),
            ago(now, n.last_heard),
            n.lag_ms,
            n.version
        );
    }
    for note in &st.notes {
        let _ = writeln!(out, "Note: {note}");
    }
    out
}

fn address_text(c: &Contact) -> String {
    match c.address {
        None => "unknown".to_owned(),
        Some(a) => {
            let from = match c.address_from {
                AddressFrom::Login => "from the login",
                AddressFrom::Uri => "from the contact URI",
                AddressFrom::Via => "from the Via header",
                AddressFrom::Remote => "as its node reported it",
            };
            format!("{a} ({from})")
        }
    }
}

/// Where an AOR is registered and the dial string that reaches it from here.
pub fn locate_text(shared: &Shared, aor: &str) -> String {
    let Some(hub) = shared.cluster.as_deref().filter(|h| h.is_running()) else {
        return OFF.to_owned();
    };
    let now = shared.now();
    let cfg = shared.config();
    let reg = hub.registry();
    let Some(loc) = reg.locate(aor, now) else {
        return format!("{} is not registered on any node\n", for_log(aor));
    };
    let c = &loc.contact;
    let dial = dial_string(&loc, &cfg.cluster, &reg.nodes).unwrap_or_else(|e| format!("none: {e}"));
    format!(
        "AOR: {}\nNode: {}{}\nDial: {dial}\nContact: {}\nAddress: {}\nTransport: {}\nUser agent: {}\nExpires: {} (in {})\n",
        c.aor,
        c.node,
        if loc.local { " (this server)" } else { "" },
        c.uri,
        address_text(c),
        if c.transport.is_empty() {
            "unknown"
        } else {
            &c.transport
        },
        c.user_agent,
        format_utc(c.expires),
        duration::format_left(Duration::from_secs(
            ((c.expires - now).max(0) / 1000) as u64
        )),
    )
}

/// Every live registration, of one node or all.
pub fn registrations_text(shared: &Shared, node: Option<&str>) -> String {
    let Some(hub) = shared.cluster.as_deref().filter(|h| h.is_running()) else {
        return OFF.to_owned();
    };
    let now = shared.now();
    let self_node = hub.status().node;
    let list = hub.registry().registrations(node, &self_node, now);
    let mut out = format!("{} registrations\n", list.len());
    for c in list {
        let _ = writeln!(
            out,
            "  {:<16} {:<16} {:<24} {:<5} expires in {:<8} {}  ua={}",
            c.node,
            c.aor,
            c.address.map_or_else(|| "-".to_owned(), |a| a.to_string()),
            if c.transport.is_empty() {
                "-"
            } else {
                &c.transport
            },
            duration::format_left(Duration::from_secs(
                ((c.expires - now).max(0) / 1000) as u64
            )),
            c.uri,
            c.user_agent
        );
    }
    out
}

/// `SECAST_LOCATE(aor[,field])`.
pub fn locate_value(hub: &Hub, shared: &Shared, aor: &str, field: &str) -> Result<String, String> {
    let now = shared.now();
    let reg = hub.registry();
    let Some(loc) = reg.locate(aor, now) else {
        return Ok(String::new());
    };
    let c = &loc.contact;
    Ok(match field {
        "dial" => {
            let cfg = shared.config();
            dial_string(&loc, &cfg.cluster, &reg.nodes)?
        }
        "node" => c.node.clone(),
        "contact" => c.uri.clone(),
        "address" => c.address.map(|a| a.to_string()).unwrap_or_default(),
        "user_agent" => c.user_agent.clone(),
        "transport" => c.transport.clone(),
        "expires" => (c.expires / 1000).to_string(),
        other => return Err(format!("unknown field '{}'", for_log(other))),
    })
}
