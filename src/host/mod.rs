//! Everything that talks to Asterisk. Thin: it copies data in and out and calls the engine.

mod cell;
mod cli;
mod config_file;
mod functions;
mod guard;
pub(crate) mod logger;
mod module;
mod notifier;
mod runtime;
mod security_topic;
mod sys;
