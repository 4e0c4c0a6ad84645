//! Sending an administrator's command to the engine and waiting, bounded, for its durable
//! answer. The wait happens on the CLI's own thread (a remote console connection), never on
//! a channel or the stasis thread.

use std::time::Duration;

use crate::decision::{Ack, Command};
use crate::worker::Shared;

/// How long `secast ban`/`unban` wait for the ban to be on disk before answering anyway.
pub const ACK_WAIT: Duration = Duration::from_secs(5);

/// The text to show for `make`'s command once the engine and the ledger have answered.
pub fn ask(shared: &Shared, make: impl FnOnce(Ack) -> Command, wait: Duration) -> String {
    let (tx, rx) = crossbeam_channel::bounded(1);
    if !shared.command(make(tx)) {
        return super::NOT_RUNNING.to_owned();
    }
    match rx.recv_timeout(wait) {
        Ok(Ok(text)) => format!("{text}\n"),
        Ok(Err(why)) => format!("Not done: {why}\n"),
        Err(_) => "Queued, but not confirmed yet (the engine is busy); check 'secast show bans'\n"
            .to_owned(),
    }
}
