//! The boundary with Asterisk's C API. Only this folder sees `sys` (the declarations bindgen
//! generates from `asterisk-headers/`) and writes `unsafe`; it offers the rest of `host` a small
//! safe face: logging, CLI and dialplan-function registration, manager events, the config
//! file, the security-topic subscription, and the module record with its load/unload/reload
//! entries; for the audit, other config files, PJSIP's sorcery objects, the dialplan, the
//! module list and the manager topic's FullyBooted/Reload announcements; for the cluster, the
//! device-state feed and the PJSIP contact observer. Every entry Asterisk calls is defined
//! with [`entry::asterisk_entry!`].

mod sys;

pub mod channel;
pub mod channel_topic;
pub mod child_reaping;
pub mod cli;
pub mod config_file;
pub mod contacts;
pub mod device_state;
pub mod dialplan;
pub mod entry;
pub mod functions;
pub mod log;
pub mod manager;
pub mod manager_topic;
mod module_allocator;
mod module_handle;
mod module_record;
pub mod modules;
pub mod node_identity;
mod owned_static;
pub mod paths;
pub mod pjsip_selfcheck;
pub mod pjsip_service;
pub mod pjsip_symbols;
pub mod pjsip_task;
mod rx_request;
pub mod security_topic;
pub mod sorcery;

pub use module_handle::ModuleHandle;
