//! The `secast …` CLI commands as Asterisk sees them: one entry per command of
//! [`crate::admin::cli_commands::commands`], one guarded dispatcher. Only strings move here; the
//! commands themselves live in `admin`.

use std::ffi::{CStr, CString, c_char, c_int};

use super::entry::asterisk_entry;
use super::module_handle::ModuleHandle;
use super::owned_static::AsteriskOwned;
use super::sys;
use crate::admin::cli_commands::{CliCommand, Reply, commands};
use crate::host::state;

/// Room for every command: the entries are a static Asterisk writes into, so their number is
/// fixed at build time; a test in admin checks that the commands fit.
pub const MAX_COMMANDS: usize = crate::admin::cli_commands::MAX_COMMANDS;

// SAFETY: all-zero is a valid ast_cli_entry (null pointers, no handler), and it is what
// Asterisk expects before registration.
static ENTRIES: AsteriskOwned<[sys::ast_cli_entry; MAX_COMMANDS]> =
    AsteriskOwned::new(unsafe { std::mem::zeroed() });

// Asterisk's CLI_SHOWUSAGE and CLI_FAILURE are the pointer values 1 and 2, not strings.
#[allow(clippy::manual_dangling_ptr)]
const CLI_SHOWUSAGE: *mut c_char = 1 as *mut c_char;
const CLI_FAILURE: *mut c_char = 2 as *mut c_char;

/// Registers every command. The entries are reset first: after an unload the same image is
/// reused (it is never unmapped), and Asterisk left its bookkeeping in them.
pub fn register(module: ModuleHandle) -> bool {
    let entries = ENTRIES.get();
    let all = commands();
    let n = all.len().min(MAX_COMMANDS);
    // SAFETY: not registered at this point (load runs under the loader lock, after any
    // unregister), so nobody else reads the entries while we rewrite them.
    unsafe {
        for (i, cmd) in all.iter().take(n).enumerate() {
            let mut e: sys::ast_cli_entry = std::mem::zeroed();
            e.summary = cmd.summary.as_ptr();
            e.handler = Some(dispatch);
            (*entries)[i] = e;
        }
        sys::__ast_cli_register_multiple(entries.cast(), n as c_int, module.0) == 0
            && n == all.len()
    }
}

pub fn unregister() {
    let n = commands().len().min(MAX_COMMANDS);
    // SAFETY: the entries were registered by register(); Asterisk tolerates unregistering
    // entries it does not know.
    unsafe {
        sys::ast_cli_unregister_multiple(ENTRIES.get().cast(), n as c_int);
    }
}

asterisk_entry! {
    fn dispatch(e: *mut sys::ast_cli_entry, cmd: c_int, a: *mut sys::ast_cli_args) -> *mut c_char,
    on_panic = CLI_FAILURE,
    {
        let base = ENTRIES.get() as usize;
        let index = (e as usize).wrapping_sub(base) / size_of::<sys::ast_cli_entry>();
        let Some(command) = commands().get(index) else {
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
                match state::with_shared_opt(|s| command.answer(&args, s)) {
                    Reply::ShowUsage => CLI_SHOWUSAGE,
                    Reply::Text(text) => {
                        print(fd, &text);
                        std::ptr::null_mut()
                    }
                }
            }
        }
    }
}

/// The n-th completion matching the typed prefix, in memory Asterisk can free.
unsafe fn generate(command: &CliCommand, a: *mut sys::ast_cli_args) -> *mut c_char {
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
    let Some(choice) = state::with_shared(|s| command.completion(s, pos, &word, n)).flatten()
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
    // SAFETY: the caller passes Asterisk's args for a CLI_HANDLER call: argv holds argc
    // NUL-terminated strings.
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
