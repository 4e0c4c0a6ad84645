//! The CLI commands about what is protected from bans.

use super::{CliCommand, NOT_RUNNING, whitelist_page};

pub const PROTECTION_COMMANDS: [CliCommand; 1] = [CliCommand {
    words: c"secast show whitelist",
    summary: c"Show what is never banned, and why",
    usage: c"Usage: secast show whitelist\n       Every address and network res_secast never bans, each with its reason: loopback,\n       host address, configured network, Asterisk transport, resolver, gateway, trunk\n       host (PJSIP registration or aor) or identify match (PJSIP identify).\n",
    extra: (0, 0),
    run: |_, s| Some(s.map_or_else(|| NOT_RUNNING.to_owned(), whitelist_page::whitelist_text)),
    complete: None,
}];
