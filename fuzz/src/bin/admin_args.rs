//! CLI arguments and dialplan function arguments (`src/admin/cli_args.rs`,
//! `src/admin/function_args.rs`), through the commands and functions that read them, against
//! a running engine (no firewall, no Asterisk).
//!
//! Input: a selector byte (even: a CLI line, odd: a dialplan function call), then the text:
//! `secast ban 203.0.113.9 1h scanner` or `SECAST_RISK(203.0.113.9)` or
//! `SECAST_BAN(203.0.113.9,1h)=reason` (a write).

use std::sync::{Arc, LazyLock};

use res_secast::admin::channel_context::NoChannel;
use res_secast::admin::cli_args::{self, BanRequest};
use res_secast::admin::{cli_commands, dialplan_functions, function_args};
use res_secast::config::Config;
use res_secast::worker::{Pipeline, Shared};
use res_secast_fuzz::{NoLog, text, words};

/// One engine for the whole run (started in the forked child, on first use). Its worker and
/// queue live as long as the process.
static SHARED: LazyLock<Arc<Shared>> = LazyLock::new(|| {
    let (pipeline, ingress) =
        Pipeline::start(Config::default(), Arc::new(NoLog)).expect("the worker thread starts");
    let shared = pipeline.shared.clone();
    std::mem::forget(ingress);
    std::mem::forget(pipeline);
    shared
});

/// `secast audit` reads the PBX's configuration from disk: not an argument parser.
const SKIPPED: &[&str] = &["secast audit"];

fn cli(line: &str) {
    let argv = words(line);
    for command in cli_commands::commands() {
        let name = command.words.to_string_lossy();
        if SKIPPED.contains(&name.as_ref()) {
            continue;
        }
        let fixed = command.fixed_words();
        if argv.len() >= fixed && argv[..fixed].join(" ") == name {
            let _ = command.answer(&argv, Some(&SHARED));
            let _ = command.answer(&argv, None);
            let word = argv.last().map(String::as_str).unwrap_or("");
            let _ = command.completion(&SHARED, argv.len(), word, 0);
        }
    }
    // The argument readers on their own, over every suffix of the line.
    for start in 0..argv.len().min(4) {
        let rest = &argv[start..];
        if let Some(Ok(ban)) = BanRequest::parse(rest) {
            assert_eq!(
                res_secast::util::net::canonical_net(ban.net),
                ban.net,
                "a ban's network is canonical"
            );
        }
        let _ = cli_args::network(rest);
        let _ = cli_args::address(rest);
    }
}

fn dialplan(call: &str) {
    // NAME(arguments) or NAME(arguments)=value; the arguments run to the last ')'.
    let (name, rest) = call.split_once('(').unwrap_or((call, ""));
    let (arguments, value) = match rest.rsplit_once(')') {
        Some((args, tail)) => (Some(args), tail.strip_prefix('=')),
        None => (None, None),
    };
    for function in dialplan_functions::functions() {
        if !function
            .name
            .to_string_lossy()
            .eq_ignore_ascii_case(name.trim())
        {
            continue;
        }
        match value {
            Some(v) => {
                let _ = function.write(arguments, v, Some(&SHARED));
            }
            None => {
                let _ = function.read(arguments, Some(&SHARED), &mut NoChannel);
            }
        }
    }
    let args = function_args::split(arguments.unwrap_or(call));
    let _ = function_args::address(&args);
    for a in &args {
        let _ = function_args::account(Some(a));
    }
}

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Some((selector, rest)) = res_secast_fuzz::selector(data) {
            let line = text(rest);
            if selector % 2 == 0 {
                cli(&line);
            } else {
                dialplan(&line);
            }
        }
    });
}
