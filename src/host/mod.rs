//! Everything that talks to Asterisk (feature `asterisk`).
//!
//! - [`ffi`]: the only code that calls Asterisk's C API (`sys`) or is called by it;
//! - [`runtime`]: what exists while the module is loaded, built and torn down in order;
//! - [`state`]: the running module's shared state for the CLI and dialplan functions;
//! - [`notifier`]: bans, unbans and alerts told to the admin (log, AMI);
//! - [`config_load`]: `secast.conf` as Asterisk parsed it, into a configuration;
//! - [`audit_runner`]: the configuration audit's thread: when to audit, gathering, announcing;
//! - [`cluster`]: the cluster's link and its feeds from Asterisk, started from `[cluster]`;
//! - [`contact_removal`]: a banned login's PJSIP contacts removed (the engine's decision);
//! - [`sensor`]: the PJSIP sensor started and stopped (its service is in `ffi`);
//! - [`pjsip_objects`]: the PJSIP objects that name addresses the PBX depends on;
//! - [`handler_facts`]: a source's risk and country for the event handlers.

mod audit_runner;
mod cluster;
mod config_load;
mod contact_removal;
#[allow(unsafe_code)]
mod ffi;
mod handler_facts;
mod notifier;
mod pjsip_objects;
mod runtime;
mod sensor;
mod state;
