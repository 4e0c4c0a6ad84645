//! `secast show version`.

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn version_text() -> String {
    format!("res_secast {VERSION} (GPL-2.0-or-later), built for the Asterisk 22 module ABI\n")
}
