//! The boundary with Asterisk's C API. Only this folder sees `sys` (the declarations bindgen
//! generates from `asterisk-headers/`) and writes `unsafe`; it offers the rest of `host` a small
//! safe face: logging, CLI and dialplan-function registration, manager events, the config
//! file, the security-topic subscription, and the module record with its load/unload/reload
//! entries. Every entry Asterisk calls is defined with [`entry::asterisk_entry!`].

mod sys;

pub mod channel;
pub mod channel_topic;
pub mod cli;
pub mod config_file;
pub mod entry;
pub mod functions;
pub mod log;
pub mod manager;
mod module_handle;
mod module_record;
mod owned_static;
pub mod paths;
pub mod security_topic;

pub use module_handle::ModuleHandle;
