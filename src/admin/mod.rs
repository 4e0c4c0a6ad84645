//! What the admin sees and types: the `secast …` CLI commands and the `SECAST_*` dialplan
//! functions (their tables, argument parsing and answers), and the text of every report. Pure
//! Rust, unit-tested; `host` registers these tables with Asterisk and moves strings in and out.

pub mod account_list;
pub mod account_page;
pub mod ami_actions;
pub mod ask;
pub mod audit_commands;
pub mod ban_list;
mod ban_time;
pub mod calls_commands;
pub mod calls_functions;
pub mod calls_page;
pub mod channel_context;
pub mod cli_args;
pub mod cli_commands;
pub mod cluster_commands;
pub mod cluster_functions;
pub mod cluster_page;
pub mod dialplan_functions;
pub mod function_args;
pub mod geo_page;
mod handler_commands;
pub mod handler_page;
pub mod ip_page;
pub mod number_page;
pub mod protection_commands;
pub mod status_page;
pub mod version;
pub mod whitelist_page;

// The table types, for capability table files to name through their parent (a table file and
// the assembly naming each other would be an import circle).
pub use cli_commands::CliCommand;
pub use dialplan_functions::{DialplanFunction, Reader};

/// What every command answers while the module is loaded but not running.
pub const NOT_RUNNING: &str = "res_secast is loaded but not running\n";
