//! Sending an administrator's command to the engine and waiting, bounded, for its durable
//! answer. The wait happens on the CLI's own thread (a remote console connection) or an AMI
//! session's thread, never on a channel or the stasis thread.

use std::time::Duration;

use crate::decision::{Ack, Command};
use crate::enforce::enforcer::NOT_YET_DURABLE;
use crate::worker::Shared;

/// How long `secast ban`/`unban` (and SecAstBan/SecAstUnban) wait for the ban to be on disk
/// before answering anyway.
pub const ACK_WAIT: Duration = Duration::from_secs(5);

/// How a command came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// Done and on disk: what was done.
    Done(String),
    /// Done (enforced from memory) but its record is not on disk yet: what was done, and why
    /// it is not durable. Lost if Asterisk stops before the ledger can be written.
    NotDurable(String),
    /// Refused (protected address, not banned) or not durable: why.
    Refused(String),
    NotRunning,
    /// No answer within the wait: it may still be applied.
    NotConfirmed,
}

/// Sends `make`'s command and waits at most `wait` for its answer.
pub fn ask_for(shared: &Shared, make: impl FnOnce(Ack) -> Command, wait: Duration) -> Asked {
    let (tx, rx) = crossbeam_channel::bounded(1);
    if !shared.command(make(tx)) {
        return Asked::NotRunning;
    }
    match rx.recv_timeout(wait) {
        Ok(Ok(text)) if text.contains(NOT_YET_DURABLE) => Asked::NotDurable(text),
        Ok(Ok(text)) => Asked::Done(text),
        Ok(Err(why)) => Asked::Refused(why),
        Err(_) => Asked::NotConfirmed,
    }
}

/// The text to show for `make`'s command once the engine and the ledger have answered.
pub fn ask(shared: &Shared, make: impl FnOnce(Ack) -> Command, wait: Duration) -> String {
    match ask_for(shared, make, wait) {
        Asked::Done(text) | Asked::NotDurable(text) => format!("{text}\n"),
        Asked::Refused(why) => format!("Not done: {why}\n"),
        Asked::NotRunning => super::NOT_RUNNING.to_owned(),
        Asked::NotConfirmed => {
            "Queued, but not confirmed yet (the engine is busy); check 'secast show bans'\n"
                .to_owned()
        }
    }
}
