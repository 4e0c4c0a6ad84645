//! Everything that talks to Asterisk (feature `asterisk`).
//!
//! - [`ffi`]: the only code that calls Asterisk's C API (`sys`) or is called by it;
//! - [`runtime`]: what exists while the module is loaded, built and torn down in order;
//! - [`state`]: the running module's shared state for the CLI and dialplan functions;
//! - [`notifier`]: bans, unbans and alerts told to the admin (log, AMI);
//! - [`config_load`]: `secast.conf` as Asterisk parsed it, into a configuration;
//! - [`handler_facts`]: a source's risk and country for the event handlers.

mod config_load;
#[allow(unsafe_code)]
mod ffi;
mod handler_facts;
mod notifier;
mod runtime;
mod state;
