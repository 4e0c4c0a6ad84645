//! The `secast …` CLI commands: their words, help, how many arguments they take, and what they
//! answer. The host layer registers [`commands`] with Asterisk and passes each call's words
//! here; nothing in this file touches Asterisk, so every command is testable. A capability
//! with commands of its own keeps them in its own table and adds it to [`commands`].

use std::ffi::CStr;

use super::ask::{ACK_WAIT, ask};
use super::cli_args::{self, BanRequest};
use super::{
    NOT_RUNNING, account_list, account_page, ban_list, geo_page, ip_page, number_page, status_page,
    version,
};
use crate::decision::Command;
use crate::worker::Shared;

/// What a command answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Text(String),
    /// The arguments do not fit: Asterisk prints the command's usage.
    ShowUsage,
}

pub struct CliCommand {
    /// The fixed words; Asterisk completes them by itself.
    pub words: &'static CStr,
    pub summary: &'static CStr,
    pub usage: &'static CStr,
    /// How many words may follow the fixed ones.
    pub extra: (usize, usize),
    /// The text for the extra words, or None for "show the usage". `None` for `shared`
    /// means the module is loaded but not running.
    pub run: fn(&[String], Option<&Shared>) -> Option<String>,
    /// Completion candidates for the word at `pos` (0-based over the whole line).
    pub complete: Option<fn(&Shared, usize) -> Vec<String>>,
}

/// How many commands the host can register (its entry table is a fixed-size static).
pub const MAX_COMMANDS: usize = 64;

/// Every command, in the order `help secast` lists them.
pub fn commands() -> &'static [&'static CliCommand] {
    static ALL: std::sync::LazyLock<Vec<&'static CliCommand>> = std::sync::LazyLock::new(|| {
        CORE_COMMANDS
            .iter()
            .chain(super::audit_commands::AUDIT_COMMANDS.iter())
            .chain(super::cluster_commands::CLUSTER_COMMANDS.iter())
            .chain(super::protection_commands::PROTECTION_COMMANDS.iter())
            .chain(super::handler_commands::HANDLER_COMMANDS.iter())
            .chain(super::calls_commands::CALL_COMMANDS.iter())
            .collect()
    });
    &ALL
}

/// Status, reports, and manual bans.
const CORE_COMMANDS: [CliCommand; 10] = [
    CliCommand {
        words: c"secast show status",
        summary: c"Show res_secast event counters, queue and latency",
        usage: c"Usage: secast show status\n       Events received by type and service, events dropped and malformed, queue depth,\n       time spent on Asterisk's thread per event, latency from Asterisk's callback to\n       the engine (p50/p99), bans and firewall state, and the busiest source addresses.\n",
        extra: (0, 0),
        run: |_, s| Some(running(s, status_page::status_text)),
        complete: None,
    },
    CliCommand {
        words: c"secast show version",
        summary: c"Show the res_secast version",
        usage: c"Usage: secast show version\n       Shows the version of res_secast.\n",
        extra: (0, 0),
        run: |_, _| Some(version::version_text()),
        complete: None,
    },
    CliCommand {
        words: c"secast show bans",
        summary: c"List the bans in force",
        usage: c"Usage: secast show bans [<ip>|<cidr>]\n       Lists the bans in force, or those within or covering the given address or network.\n",
        extra: (0, 1),
        run: show_bans,
        complete: Some(complete_banned),
    },
    CliCommand {
        words: c"secast show ip",
        summary: c"Show the risk of a source address and why",
        usage: c"Usage: secast show ip <ip>\n       The address's risk score with its explanation, recent events, ban and ban history.\n",
        extra: (1, 1),
        run: |args, s| {
            let ip = cli_args::address(args)?;
            Some(running(s, |s| ip_page::ip_text(s, ip)))
        },
        complete: Some(complete_sources),
    },
    CliCommand {
        words: c"secast show accounts",
        summary: c"Show the risk of each account",
        usage: c"Usage: secast show accounts\n       Accounts under attack: risk, failures, distinct failing sources.\n",
        extra: (0, 0),
        run: |_, s| Some(running(s, account_list::accounts_text)),
        complete: None,
    },
    CliCommand {
        words: c"secast show account",
        summary: c"Show one account's risk and device profile",
        usage: c"Usage: secast show account <id>\n       The account's risk and its device profile: the User-Agents and networks (/24,\n       /64) of its successful registrations, as the PJSIP sensor saw them.\n",
        extra: (1, 1),
        run: |args, s| {
            let account = args.first()?;
            Some(running(s, |s| account_page::account_text(s, account)))
        },
        complete: None,
    },
    CliCommand {
        words: c"secast show geo",
        summary: c"Show the geo database, rules and hits",
        usage: c"Usage: secast show geo\n       The GeoIP database in use, the geo rules in evaluation order with their hit\n       counts, and the blocklists loaded.\n",
        extra: (0, 0),
        run: |_, s| Some(running(s, geo_page::geo_text)),
        complete: None,
    },
    CliCommand {
        words: c"secast show number",
        summary: c"Show how the call guard reads a dialled number",
        usage: c"Usage: secast show number <digits>\n       The number's E.164 form, country and class (read with the [calls] country\n       and prefixes), the premium-rate, fraud or high-risk list it falls under, and\n       the limits that count a call to it now.\n",
        extra: (1, 1),
        run: |args, s| {
            let dialled = args.first()?;
            Some(running(s, |s| number_page::number_text(s, dialled)))
        },
        complete: None,
    },
    CliCommand {
        words: c"secast ban",
        summary: c"Ban an address or network",
        usage: c"Usage: secast ban <ip|cidr> [<duration>|permanent] [<reason>]\n       Bans the address or network (default 1h; durations like 30m, 12h, 7d, 1w, up to\n       3650d). Refuses to cover anything 'secast show whitelist' lists (loopback, this\n       host, resolvers, gateways, trunks...), and networks no firewall can apply.\n       Answers once the ban is on disk.\n",
        extra: (1, 40),
        run: |args, s| {
            let r = match BanRequest::parse(args)? {
                Ok(r) => r,
                Err(why) => return Some(format!("Not done: {why}\n")),
            };
            Some(running(s, |s| {
                ask(
                    s,
                    |ack| Command::Ban {
                        net: r.net,
                        length: r.length,
                        reason: r.reason,
                        ack,
                    },
                    ACK_WAIT,
                )
            }))
        },
        complete: None,
    },
    CliCommand {
        words: c"secast unban",
        summary: c"Lift a ban",
        usage: c"Usage: secast unban <ip|cidr>\n       Lifts the ban on exactly this address or network and forgets its counters.\n",
        extra: (1, 1),
        run: |args, s| {
            let net = cli_args::network(args)?;
            Some(running(s, |s| {
                ask(s, |ack| Command::Unban { net, ack }, ACK_WAIT)
            }))
        },
        complete: Some(complete_banned),
    },
];

/// The text from the running module, or a note that it is not running.
fn running(shared: Option<&Shared>, text: impl FnOnce(&Shared) -> String) -> String {
    shared.map_or_else(|| NOT_RUNNING.to_owned(), text)
}

fn show_bans(args: &[String], shared: Option<&Shared>) -> Option<String> {
    let filter = match args.first() {
        Some(_) => Some(cli_args::network(args)?),
        None => None,
    };
    Some(running(shared, |s| ban_list::bans_text(s, filter)))
}

fn complete_banned(shared: &Shared, pos: usize) -> Vec<String> {
    if pos != 3 && pos != 2 {
        return Vec::new();
    }
    let mut nets: Vec<String> = shared
        .published()
        .bans()
        .iter()
        .map(|b| b.net.to_string())
        .collect();
    nets.sort();
    nets.truncate(200);
    nets
}

fn complete_sources(shared: &Shared, pos: usize) -> Vec<String> {
    if pos != 3 {
        return Vec::new();
    }
    shared
        .event_counters()
        .top_sources(200)
        .into_iter()
        .map(|(ip, _)| ip.to_string())
        .collect()
}

impl CliCommand {
    /// How many words the command's name has (`secast show ip` has 3).
    pub fn fixed_words(&self) -> usize {
        self.words.to_bytes().split(|b| *b == b' ').count()
    }

    /// Answers the whole command line `argv` (the fixed words included).
    pub fn answer(&self, argv: &[String], shared: Option<&Shared>) -> Reply {
        let fixed = self.fixed_words();
        let extra = argv.len().saturating_sub(fixed);
        if argv.len() < fixed || extra < self.extra.0 || extra > self.extra.1 {
            return Reply::ShowUsage;
        }
        match (self.run)(&argv[fixed..], shared) {
            Some(text) => Reply::Text(text),
            None => Reply::ShowUsage,
        }
    }

    /// The `n`-th completion of `word` at position `pos`, if any.
    pub fn completion(&self, shared: &Shared, pos: usize, word: &str, n: usize) -> Option<String> {
        let complete = self.complete?;
        complete(shared, pos)
            .into_iter()
            .filter(|c| c.starts_with(word))
            .nth(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    fn command(words: &str) -> &'static CliCommand {
        commands()
            .iter()
            .find(|c| c.words.to_str() == Ok(words))
            .expect("command exists")
    }

    #[test]
    fn argument_counts_outside_the_bounds_show_the_usage() {
        let ip = command("secast show ip");
        assert_eq!(ip.answer(&argv("secast show ip"), None), Reply::ShowUsage);
        assert_eq!(
            ip.answer(&argv("secast show ip 203.0.113.5 extra"), None),
            Reply::ShowUsage
        );
        let ban = command("secast ban");
        assert_eq!(ban.answer(&argv("secast ban"), None), Reply::ShowUsage);
    }

    #[test]
    fn unparsable_arguments_show_the_usage() {
        assert_eq!(
            command("secast show ip").answer(&argv("secast show ip nonsense"), None),
            Reply::ShowUsage
        );
        assert_eq!(
            command("secast ban").answer(&argv("secast ban attacker 1h"), None),
            Reply::ShowUsage
        );
        assert_eq!(
            command("secast show bans").answer(&argv("secast show bans 10.0.0.0/99"), None),
            Reply::ShowUsage
        );
    }

    #[test]
    fn a_module_that_is_not_running_says_so() {
        let reply = command("secast ban").answer(&argv("secast ban 203.0.113.9 1h"), None);
        assert_eq!(reply, Reply::Text(NOT_RUNNING.to_owned()));
        let reply = command("secast show version").answer(&argv("secast show version"), None);
        assert!(matches!(reply, Reply::Text(t) if t.starts_with("res_secast ")));
    }

    #[test]
    fn every_command_fits_the_host_table() {
        assert!(commands().len() <= MAX_COMMANDS);
    }

    #[test]
    fn every_command_starts_with_secast_and_documents_its_usage() {
        let mut seen = std::collections::HashSet::new();
        for c in commands() {
            assert!(seen.insert(c.words), "registered twice: {:?}", c.words);
            let words = c.words.to_str().unwrap();
            assert!(words.starts_with("secast "), "{words}");
            assert!(
                c.usage
                    .to_str()
                    .unwrap()
                    .starts_with(&format!("Usage: {words}")),
                "{words}"
            );
            assert!(c.extra.0 <= c.extra.1);
        }
    }
}
