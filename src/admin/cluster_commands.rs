//! The cluster's CLI commands: the link's state and the Extension Finder's view.

use super::cluster_page;
use super::{CliCommand, NOT_RUNNING};
use crate::cluster::contact::{MAX_AOR, valid_name};
use crate::config::valid_node_name;

fn running(
    shared: Option<&crate::worker::Shared>,
    text: impl FnOnce(&crate::worker::Shared) -> String,
) -> String {
    shared.map_or_else(|| NOT_RUNNING.to_owned(), text)
}

pub const CLUSTER_COMMANDS: [CliCommand; 3] = [
    CliCommand {
        words: c"secast show cluster",
        summary: c"Show the cluster link, the nodes seen and what was shared",
        usage: c"Usage: secast show cluster\n       This server's node name and entity ID, the Redis link (connected or since when\n       it is down, the last error), what is queued and was replayed after a reconnect,\n       messages published and received by kind, malformed entries skipped, ban\n       propagation to this node, and every node seen with its lag.\n",
        extra: (0, 0),
        run: |_, s| Some(running(s, cluster_page::cluster_text)),
        complete: None,
    },
    CliCommand {
        words: c"secast show locate",
        summary: c"Show where an AOR is registered in the cluster",
        usage: c"Usage: secast show locate <aor>\n       The node an AOR is registered on, the dial string that reaches it from here\n       (what SECAST_LOCATE returns), its contact, source address, transport, user agent\n       and expiry.\n",
        extra: (1, 1),
        run: |args, s| {
            let aor = args.first().filter(|a| valid_name(a, MAX_AOR))?;
            Some(running(s, |s| cluster_page::locate_text(s, aor)))
        },
        complete: None,
    },
    CliCommand {
        words: c"secast show registrations",
        summary: c"List the registrations of every node (or one)",
        usage: c"Usage: secast show registrations [<node>]\n       Every live PJSIP registration the cluster knows, this server's and the other\n       nodes', or only those of one node.\n",
        extra: (0, 1),
        run: |args, s| {
            let node = match args.first() {
                Some(n) if valid_node_name(n) => Some(n.as_str()),
                Some(_) => return None,
                None => None,
            };
            Some(running(s, |s| cluster_page::registrations_text(s, node)))
        },
        complete: None,
    },
];
