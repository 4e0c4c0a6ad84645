//! The toll-fraud guard's CLI commands: `secast show calls [account]` and
//! `secast clear account ID`.

use super::CliCommand;
use super::NOT_RUNNING;
use crate::util::escape::for_log;

pub const CALL_COMMANDS: [CliCommand; 2] = [
    CliCommand {
        words: c"secast show calls",
        summary: c"Show the toll-fraud guard's live counters, limits and restricted accounts",
        usage: c"Usage: secast show calls [<account>]\n       Checks and watched calls, live calls, the limits in force, restricted\n       accounts and the busiest accounts; with an account, its counters against each\n       limit, its restriction and the countries it called.\n",
        extra: (0, 1),
        run: |args, s| {
            let Some(s) = s else {
                return Some(NOT_RUNNING.to_owned());
            };
            Some(super::calls_page::calls_text(s, args.first().map(String::as_str)))
        },
        complete: None,
    },
    CliCommand {
        words: c"secast clear account",
        summary: c"Lift an account's call restriction and forget its counters",
        usage: c"Usage: secast clear account <account>\n       Lifts the account's call restriction, forgets its call counters and the\n       countries it called, and its risk in the engine. Calls up now stay counted\n       until they end.\n",
        extra: (1, 1),
        run: |args, s| {
            let account = args.first()?;
            let Some(s) = s else {
                return Some(NOT_RUNNING.to_owned());
            };
            Some(if s.clear_account(account) {
                format!("Account {} cleared\n", for_log(account))
            } else {
                format!("Account {} was not known\n", for_log(account))
            })
        },
        complete: None,
    },
];
