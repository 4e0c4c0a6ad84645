//! The `secast …` CLI commands: one table, one guarded dispatcher.

use std::ffi::{CStr, CString, c_char, c_int};

use super::cell::AsteriskOwned;
use super::guard::guarded;
use super::runtime;
use super::sys;
use crate::status;

struct Command {
    /// The full command words; Asterisk completes fixed words by itself.
    words: &'static CStr,
    summary: &'static CStr,
    usage: &'static CStr,
    /// The text to print, or None to have Asterisk print the usage.
    run: fn(&[String]) -> Option<String>,
}

const COMMANDS: [Command; 2] = [
    Command {
        words: c"secast show status",
        summary: c"Show res_secast event counters, queue and latency",
        usage: c"Usage: secast show status\n       Events received by type and service, events dropped and malformed, queue depth,\n       time spent on Asterisk's thread per event, latency from Asterisk's callback to\n       the engine (p50/p99), and the source addresses with most events.\n",
        run: show_status,
    },
    Command {
        words: c"secast show version",
        summary: c"Show the res_secast version",
        usage: c"Usage: secast show version\n       Shows the version of res_secast.\n",
        run: show_version,
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

fn show_status(_args: &[String]) -> Option<String> {
    Some(match runtime::shared() {
        Some(shared) => status::status_text(&shared),
        None => "res_secast is loaded but not running\n".to_owned(),
    })
}

fn show_version(_args: &[String]) -> Option<String> {
    Some(status::version_text())
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
            // No command takes free arguments yet; Asterisk completes the fixed words.
            c if c == sys::ast_cli_command::CLI_GENERATE as c_int => std::ptr::null_mut(),
            _ => {
                // SAFETY: for CLI_HANDLER, fd/argc/argv are filled and valid during the call.
                let (fd, args) = unsafe { read_args(a) };
                let words = command.words.to_bytes().split(|b| *b == b' ').count();
                if args.len() != words {
                    return CLI_SHOWUSAGE;
                }
                match (command.run)(&args) {
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
