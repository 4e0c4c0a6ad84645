//! The `secast …` CLI commands: one table, one guarded dispatcher. The text itself comes from
//! `crate::report`; this file only moves strings between Asterisk and Rust.

use std::ffi::{CStr, CString, c_char, c_int};
use std::time::Duration;

use super::cell::AsteriskOwned;
use super::guard::guarded;
use super::runtime;
use super::sys;
use crate::pipeline::Command as EngineCommand;
use crate::{report, status};

/// Completion candidates for the word at `pos` (0-based over the whole line).
type Completer = fn(pos: usize) -> Vec<String>;

struct Command {
    /// The fixed words; Asterisk completes them by itself.
    words: &'static CStr,
    summary: &'static CStr,
    usage: &'static CStr,
    /// How many words may follow the fixed ones.
    extra: (usize, usize),
    /// The text to print for the extra words, or None to have Asterisk print the usage.
    run: fn(&[String]) -> Option<String>,
    complete: Option<Completer>,
}

const COMMANDS: [Command; 9] = [
    Command {
        words: c"secast show status",
        summary: c"Show res_secast event counters, queue and latency",
        usage: c"Usage: secast show status\n       Events received by type and service, events dropped and malformed, queue depth,\n       time spent on Asterisk's thread per event, latency from Asterisk's callback to\n       the engine (p50/p99), bans and firewall state, and the busiest source addresses.\n",
        extra: (0, 0),
        run: show_status,
        complete: None,
    },
    Command {
        words: c"secast show version",
        summary: c"Show the res_secast version",
        usage: c"Usage: secast show version\n       Shows the version of res_secast.\n",
        extra: (0, 0),
        run: show_version,
        complete: None,
    },
    Command {
        words: c"secast show bans",
        summary: c"List the bans in force",
        usage: c"Usage: secast show bans [<ip>|<cidr>]\n       Lists the bans in force, or those within or covering the given address or network.\n",
        extra: (0, 1),
        run: show_bans,
        complete: Some(complete_banned),
    },
    Command {
        words: c"secast show ip",
        summary: c"Show the risk of a source address and why",
        usage: c"Usage: secast show ip <ip>\n       The address's risk score with its explanation, recent events, ban and ban history.\n",
        extra: (1, 1),
        run: show_ip,
        complete: Some(complete_sources),
    },
    Command {
        words: c"secast show accounts",
        summary: c"Show the risk of each account",
        usage: c"Usage: secast show accounts\n       Accounts under attack: risk, failures, distinct failing sources.\n",
        extra: (0, 0),
        run: show_accounts,
        complete: None,
    },
    Command {
        words: c"secast show geo",
        summary: c"Show the geo database, rules and hits",
        usage: c"Usage: secast show geo\n       The GeoIP database in use, the geo rules in evaluation order with their hit\n       counts, and the blocklists loaded.\n",
        extra: (0, 0),
        run: show_geo,
        complete: None,
    },
    Command {
        words: c"secast show number",
        summary: c"Check a dialled number against the fraud lists",
        usage: c"Usage: secast show number <digits>\n       Which premium-rate or fraud list the number falls under (+, 00 and 011\n       international prefixes are understood).\n",
        extra: (1, 1),
        run: show_number,
        complete: None,
    },
    Command {
        words: c"secast ban",
        summary: c"Ban an address or network",
        usage: c"Usage: secast ban <ip|cidr> [<duration>|permanent] [<reason>]\n       Bans the address or network (default 1h; durations like 30m, 12h, 7d, 1w).\n       Refuses to cover loopback, this host's addresses or whitelisted networks.\n       Answers once the ban is on disk.\n",
        extra: (1, 40),
        run: ban,
        complete: None,
    },
    Command {
        words: c"secast unban",
        summary: c"Lift a ban",
        usage: c"Usage: secast unban <ip|cidr>\n       Lifts the ban on exactly this address or network and forgets its counters.\n",
        extra: (1, 1),
        run: unban,
        complete: Some(complete_banned),
    },
];

const N: usize = COMMANDS.len();

// SAFETY: all-zero is a valid ast_cli_entry (null pointers, no handler), and it is what
// Asterisk expects before registration.
static ENTRIES: AsteriskOwned<[sys::ast_cli_entry; N]> =
    AsteriskOwned::new(unsafe { std::mem::zeroed() });

// Asterisk's CLI_SHOWUSAGE and CLI_FAILURE are the pointer values 1 and 2, not strings.
#[allow(clippy::manual_dangling_ptr)]
const CLI_SHOWUSAGE: *mut c_char = 1 as *mut c_char;
const CLI_FAILURE: *mut c_char = 2 as *mut c_char;

/// How long `secast ban`/`unban` wait for the ban to be on disk before answering anyway.
const ACK_WAIT: Duration = Duration::from_secs(5);

const NOT_RUNNING: &str = "res_secast is loaded but not running\n";

fn show_status(_: &[String]) -> Option<String> {
    Some(runtime::with_shared(status::status_text).unwrap_or_else(|| NOT_RUNNING.to_owned()))
}

fn show_version(_: &[String]) -> Option<String> {
    Some(status::version_text())
}

fn show_bans(args: &[String]) -> Option<String> {
    let filter = match args.first() {
        Some(a) => Some(crate::netparse::parse_net(a)?),
        None => None,
    };
    Some(
        runtime::with_shared(|s| report::bans_text(s, filter))
            .unwrap_or_else(|| NOT_RUNNING.to_owned()),
    )
}

fn show_ip(args: &[String]) -> Option<String> {
    let ip = args.first()?.parse().ok()?;
    Some(runtime::with_shared(|s| report::ip_text(s, ip)).unwrap_or_else(|| NOT_RUNNING.to_owned()))
}

fn show_accounts(_: &[String]) -> Option<String> {
    Some(runtime::with_shared(report::accounts_text).unwrap_or_else(|| NOT_RUNNING.to_owned()))
}

fn show_geo(_: &[String]) -> Option<String> {
    Some(runtime::with_shared(report::geo_text).unwrap_or_else(|| NOT_RUNNING.to_owned()))
}

fn show_number(args: &[String]) -> Option<String> {
    let dialled = args.first()?;
    Some(
        runtime::with_shared(|s| report::number_text(s, dialled))
            .unwrap_or_else(|| NOT_RUNNING.to_owned()),
    )
}

/// Sends a command to the engine and waits (bounded) for the durable answer.
fn ask(make: impl FnOnce(crate::enforcer::Ack) -> EngineCommand) -> String {
    let (tx, rx) = crossbeam_channel::bounded(1);
    let sent = runtime::with_shared(|s| s.command(make(tx))).unwrap_or(false);
    if !sent {
        return NOT_RUNNING.to_owned();
    }
    match rx.recv_timeout(ACK_WAIT) {
        Ok(Ok(text)) => format!("{text}\n"),
        Ok(Err(why)) => format!("Not done: {why}\n"),
        Err(_) => "Queued, but not confirmed yet (the engine is busy); check 'secast show bans'\n"
            .to_owned(),
    }
}

fn ban(args: &[String]) -> Option<String> {
    let net = crate::netparse::parse_net(args.first()?)?;
    let (length, reason_from) = match args.get(1).map(String::as_str) {
        Some("permanent") => (None, 2),
        Some(d) => match crate::duration::parse(d) {
            Some(len) if len >= Duration::from_secs(1) => (Some(len), 2),
            _ => (Some(Duration::from_secs(3600)), 1),
        },
        None => (Some(Duration::from_secs(3600)), 1),
    };
    let reason = args.get(reason_from..).unwrap_or_default().join(" ");
    Some(ask(|ack| EngineCommand::Ban {
        net,
        length,
        reason,
        ack,
    }))
}

fn unban(args: &[String]) -> Option<String> {
    let net = crate::netparse::parse_net(args.first()?)?;
    Some(ask(|ack| EngineCommand::Unban { net, ack }))
}

fn complete_banned(pos: usize) -> Vec<String> {
    if pos != 3 && pos != 2 {
        return Vec::new();
    }
    runtime::with_shared(|s| {
        let engine = s.engine();
        let mut nets: Vec<String> = engine.bans().iter().map(|b| b.net.to_string()).collect();
        nets.sort();
        nets.truncate(200);
        nets
    })
    .unwrap_or_default()
}

fn complete_sources(pos: usize) -> Vec<String> {
    if pos != 3 {
        return Vec::new();
    }
    runtime::with_shared(|s| {
        s.stats()
            .top_sources(200)
            .into_iter()
            .map(|(ip, _)| ip.to_string())
            .collect()
    })
    .unwrap_or_default()
}

/// Registers every command. The entries are reset first: after an unload the same image is
/// reused (it is never unmapped), and Asterisk left its bookkeeping in them.
pub fn register(module: *mut sys::ast_module) -> bool {
    let entries = ENTRIES.get();
    // SAFETY: not registered at this point (load runs under the loader lock, after any
    // unregister), so nobody else reads the entries while we rewrite them.
    unsafe {
        for (i, cmd) in COMMANDS.iter().enumerate() {
            let mut e: sys::ast_cli_entry = std::mem::zeroed();
            e.summary = cmd.summary.as_ptr();
            e.handler = Some(dispatch);
            (*entries)[i] = e;
        }
        sys::__ast_cli_register_multiple(entries.cast(), N as c_int, module) == 0
    }
}

pub fn unregister() {
    // SAFETY: the entries were registered by register(); Asterisk tolerates unregistering
    // entries it does not know.
    unsafe {
        sys::ast_cli_unregister_multiple(ENTRIES.get().cast(), N as c_int);
    }
}

unsafe extern "C" fn dispatch(
    e: *mut sys::ast_cli_entry,
    cmd: c_int,
    a: *mut sys::ast_cli_args,
) -> *mut c_char {
    guarded("CLI command", CLI_FAILURE, || {
        let base = ENTRIES.get() as usize;
        let index = (e as usize).wrapping_sub(base) / size_of::<sys::ast_cli_entry>();
        let Some(command) = COMMANDS.get(index) else {
            return CLI_FAILURE;
        };
        match cmd {
            c if c == sys::ast_cli_command::CLI_INIT as c_int => {
                // SAFETY: e is our entry; Asterisk copies `command` and reads `usage` later.
                unsafe {
                    (*e).command = command.words.as_ptr().cast_mut();
                    (*e).usage = command.usage.as_ptr();
                }
                std::ptr::null_mut()
            }
            c if c == sys::ast_cli_command::CLI_GENERATE as c_int => {
                // SAFETY: for CLI_GENERATE, pos/n/word are filled and valid during the call.
                unsafe { generate(command, a) }
            }
            _ => {
                // SAFETY: for CLI_HANDLER, fd/argc/argv are filled and valid during the call.
                let (fd, args) = unsafe { read_args(a) };
                let fixed = command.words.to_bytes().split(|b| *b == b' ').count();
                let extra = args.len().saturating_sub(fixed);
                if args.len() < fixed || extra < command.extra.0 || extra > command.extra.1 {
                    return CLI_SHOWUSAGE;
                }
                match (command.run)(&args[fixed..]) {
                    None => CLI_SHOWUSAGE,
                    Some(text) => {
                        print(fd, &text);
                        std::ptr::null_mut()
                    }
                }
            }
        }
    })
}

/// The n-th completion matching the typed prefix, in memory Asterisk can free.
unsafe fn generate(command: &Command, a: *mut sys::ast_cli_args) -> *mut c_char {
    let Some(complete) = command.complete else {
        return std::ptr::null_mut();
    };
    // SAFETY: see the caller.
    let (pos, n, word) = unsafe {
        let a = &*a;
        let word = if a.word.is_null() {
            String::new()
        } else {
            CStr::from_ptr(a.word).to_string_lossy().into_owned()
        };
        (
            usize::try_from(a.pos).unwrap_or(0),
            usize::try_from(a.n).unwrap_or(0),
            word,
        )
    };
    let Some(choice) = complete(pos)
        .into_iter()
        .filter(|c| c.starts_with(&word))
        .nth(n)
    else {
        return std::ptr::null_mut();
    };
    let Ok(choice) = CString::new(choice) else {
        return std::ptr::null_mut();
    };
    // SAFETY: Asterisk frees the result with ast_free, so it must come from its allocator.
    unsafe { sys::__ast_strdup(choice.as_ptr(), c"res_secast".as_ptr(), 0, c"cli".as_ptr()) }
}

unsafe fn read_args(a: *mut sys::ast_cli_args) -> (c_int, Vec<String>) {
    unsafe {
        let a = &*a;
        let argc = usize::try_from(a.argc).unwrap_or(0);
        let mut args = Vec::with_capacity(argc);
        for i in 0..argc {
            let p = *a.argv.add(i);
            if !p.is_null() {
                args.push(CStr::from_ptr(p).to_string_lossy().into_owned());
            }
        }
        (a.fd, args)
    }
}

/// Writes text to the CLI connection with a constant format.
fn print(fd: c_int, text: &str) {
    let text = CString::new(text.replace('\0', "\\x00")).unwrap_or_default();
    // SAFETY: constant "%s" format with one valid string.
    unsafe { sys::ast_cli(fd, c"%s".as_ptr(), text.as_ptr()) };
}
