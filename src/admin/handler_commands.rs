//! The event handlers' CLI commands.

use super::{CliCommand, NOT_RUNNING, handler_page};

pub(super) const HANDLER_COMMANDS: [CliCommand; 1] = [CliCommand {
    words: c"secast show handlers",
    summary: c"Show the event handlers and their runs",
    usage: c"Usage: secast show handlers\n       Each event handler ([handler-NAME] in secast.conf): its program and decisions,\n       runs, failures, retries pending, decisions queued, the last run and the last error.\n",
    extra: (0, 0),
    run: |_, s| {
        Some(s.map_or_else(|| NOT_RUNNING.to_owned(), handler_page::handlers_text))
    },
    complete: None,
}];
