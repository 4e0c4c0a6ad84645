//! The toll-fraud guard's dialplan functions: SECAST_CALLCHECK (check a call and reserve its
//! slot), SECAST_BANNED, and SECAST_BAN (a write function). Everything but the channel access
//! is here and tested; the host only moves strings and the slot in and out.

use std::time::Duration;

use super::channel_context::ChannelContext;
use super::function_args;
use super::{DialplanFunction, Reader};
use crate::calls::CheckRequest;
use crate::decision::Command;
use crate::util::escape::for_log;
use crate::util::net::parse_host_address;
use crate::worker::Shared;

/// The channel variable SECAST_CALLCHECK sets: why it answered WARN or DENY (empty for ALLOW),
/// the same words the AMI event `SecAstFraud` gives.
pub const REASON_VARIABLE: &str = "SECAST_REASON";

pub const CALL_FUNCTIONS: [DialplanFunction; 3] = [
    DialplanFunction {
        name: c"SECAST_CALLCHECK",
        synopsis: c"Check an outbound call against res_secast's toll-fraud limits",
        syntax: c"SECAST_CALLCHECK(destination[,account[,address]])",
        description: c"Returns ALLOW, WARN or DENY for a call to the destination (as dialled; read with the [calls] country and prefixes), and sets SECAST_REASON on the channel (empty for ALLOW; the same text as the AMI event SecAstFraud). The account defaults to the channel's PJSIP endpoint (\"unknown\" on other channels), the address to its remote address (read only while [calls] restrict_address_risk is on). An allowed call is counted and holds one concurrency slot until the channel goes, however the call ends; the check and the reservation are one step. DENY: a critical level would be passed, or the account or its source is restricted (after a stolen_credentials or distributed alert, or a risk above [calls] restrict_*_risk). Example: same => n,GotoIf($[\"${SECAST_CALLCHECK(${EXTEN})}\" = \"DENY\"]?refused)",
        value: Some(Reader::OnChannel(callcheck)),
        write: None,
    },
    DialplanFunction {
        name: c"SECAST_BANNED",
        synopsis: c"Whether res_secast has banned an address",
        syntax: c"SECAST_BANNED(address)",
        description: c"Returns 1 while the address (with or without a port) is covered by a ban, 0 otherwise.",
        value: Some(Reader::Plain(banned)),
        write: None,
    },
    DialplanFunction {
        name: c"SECAST_BAN",
        synopsis: c"Ban an address from the dialplan",
        syntax: c"SECAST_BAN(address)",
        description: c"Written, not read: Set(SECAST_BAN(address)=duration) bans the address for the duration (30m, 12h, 7d, 1w), Set(SECAST_BAN(address)=permanent) for good. The ban is queued for the engine and never waited for; whitelisted, loopback and this host's addresses are refused as with 'secast ban' (see 'secast show bans').",
        value: None,
        write: Some(ban),
    },
];

fn callcheck(
    args: &[String],
    shared: &Shared,
    chan: &mut dyn ChannelContext,
) -> Result<String, String> {
    let dialled = args.first().map(|s| s.trim()).unwrap_or("");
    if dialled.is_empty() {
        return Err(
            "needs a destination: SECAST_CALLCHECK(destination[,account[,address]])".to_owned(),
        );
    }
    let account = match args.get(1).map(|a| a.trim()).filter(|a| !a.is_empty()) {
        Some(a) => function_args::account(Some(a))?.to_owned(),
        None => chan.endpoint().unwrap_or_else(|| "unknown".to_owned()),
    };
    let address = match args.get(2).map(|a| a.trim()).filter(|a| !a.is_empty()) {
        Some(a) => Some(
            parse_host_address(a)
                .ok_or_else(|| format!("'{}' is not an IP address", for_log(a)))?,
        ),
        // Reading it waits for the PJSIP session (the larger part of the check's time): only
        // when the source's risk can restrict the call.
        None if shared.calls.policy().restrictions.address_risk.is_some() => chan.remote_address(),
        None => None,
    };
    // A channel checked again (a retry, another route) gives up its earlier slot first, so
    // that one channel never holds two.
    chan.drop_slot();
    let uniqueid = chan.uniqueid();
    let outcome = shared.call_check(&CheckRequest {
        account: &account,
        address,
        dialled,
        channel: uniqueid.as_deref(),
    });
    chan.set_variable(REASON_VARIABLE, &outcome.reason);
    if let Some(slot) = outcome.slot {
        // Without a channel to keep it, the slot is released at once: the call is counted,
        // but it holds nothing.
        drop(chan.hold_slot(slot));
    }
    Ok(outcome.verdict.to_string())
}

fn banned(args: &[String], shared: &Shared) -> Result<String, String> {
    let ip = function_args::address(args)?;
    Ok(if shared.is_banned(ip) { "1" } else { "0" }.to_owned())
}

fn ban(args: &[String], value: &str, shared: &Shared) -> Result<(), String> {
    let ip = function_args::address(args)?;
    let value = value.trim();
    let length = if value.eq_ignore_ascii_case("permanent") {
        None
    } else {
        match crate::util::duration::parse(value) {
            Some(d) if d >= Duration::from_secs(1) => Some(d),
            _ => {
                return Err(format!(
                    "'{}' is no ban length: a duration such as 30m, 12h, 7d, or permanent",
                    for_log(value)
                ));
            }
        }
    };
    // Nobody waits for the answer on a dialplan thread: the ack's receiver is dropped.
    let (ack, _) = crossbeam_channel::bounded(1);
    if shared.command(Command::Ban {
        net: ip.into(),
        length,
        reason: "dialplan SECAST_BAN".to_owned(),
        ack,
    }) {
        Ok(())
    } else {
        Err("res_secast is not running".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;
    use std::sync::Arc;

    use super::*;
    use crate::calls::Slot;
    use crate::config::{Config, ConfigEntry};
    use crate::util::log::MemoryLog;
    use crate::worker::Pipeline;

    #[derive(Default)]
    struct FakeChannel {
        endpoint: Option<String>,
        address: Option<IpAddr>,
        vars: Vec<(String, String)>,
        slot: Option<Slot>,
        asked_endpoint: bool,
    }

    impl ChannelContext for FakeChannel {
        fn uniqueid(&self) -> Option<String> {
            Some("1700000000.1".to_owned())
        }
        fn endpoint(&mut self) -> Option<String> {
            self.asked_endpoint = true;
            self.endpoint.clone()
        }
        fn remote_address(&mut self) -> Option<IpAddr> {
            self.address
        }
        fn set_variable(&mut self, name: &str, value: &str) {
            self.vars.push((name.to_owned(), value.to_owned()));
        }
        fn drop_slot(&mut self) {
            self.slot = None;
        }
        fn hold_slot(&mut self, slot: Slot) -> Result<(), Slot> {
            self.slot = Some(slot);
            Ok(())
        }
    }

    fn shared(extra: &[(&str, &str, &str)]) -> (Pipeline, Arc<Shared>) {
        let mut entries = vec![ConfigEntry::new("calls", "country", "US")];
        entries.extend(extra.iter().map(|(s, k, v)| ConfigEntry::new(s, k, v)));
        let (cfg, issues) = Config::from_entries(&entries, &Config::default());
        assert!(issues.is_empty(), "{issues:?}");
        let (pipeline, _ingress) = Pipeline::start(cfg, Arc::new(MemoryLog::default())).unwrap();
        let s = pipeline.shared.clone();
        (pipeline, s)
    }

    fn check(s: &Shared, chan: &mut FakeChannel, args: &str) -> String {
        CALL_FUNCTIONS[0].read(Some(args), Some(s), chan).unwrap()
    }

    #[test]
    fn callcheck_uses_the_channels_endpoint_and_keeps_the_slot_on_it() {
        let (_p, s) = shared(&[]);
        let mut chan = FakeChannel {
            endpoint: Some("1001".into()),
            ..FakeChannel::default()
        };
        assert_eq!(check(&s, &mut chan, "011442071234567"), "WARN");
        let reason = &chan.vars.last().unwrap().1;
        assert!(
            reason.contains("new_country") && reason.contains("GB"),
            "{reason}"
        );
        assert_eq!(chan.slot.as_ref().map(Slot::account), Some("1001"));
        assert_eq!(s.calls.live_calls(), 1);
        // Checked again on the same channel: the earlier slot goes first, never two.
        assert_eq!(check(&s, &mut chan, "011442071234567"), "ALLOW");
        assert_eq!(chan.vars.last().unwrap().1, "");
        assert_eq!(s.calls.live_calls(), 1);
        chan.slot = None;
        assert_eq!(s.calls.live_calls(), 0);
    }

    #[test]
    fn callcheck_denies_past_the_concurrent_limit_and_names_the_limit() {
        let (_p, s) = shared(&[("calls-international", "concurrent_critical", "2")]);
        let mut held = Vec::new();
        for _ in 0..2 {
            let mut chan = FakeChannel::default();
            assert_ne!(check(&s, &mut chan, "011442071234567,1001"), "DENY");
            held.push(chan);
        }
        let mut third = FakeChannel::default();
        assert_eq!(check(&s, &mut third, "011442071234567,1001"), "DENY");
        let reason = &third.vars.last().unwrap().1;
        assert_eq!(
            reason,
            "international: concurrent 3 above the critical level"
        );
        assert!(third.slot.is_none());
        held.pop();
        assert_ne!(check(&s, &mut third, "011442071234567,1001"), "DENY");
    }

    #[test]
    fn callcheck_refuses_bad_arguments_and_never_asks_an_explicit_account_of_the_channel() {
        let (_p, s) = shared(&[]);
        let mut chan = FakeChannel::default();
        let f = &CALL_FUNCTIONS[0];
        assert!(f.read(Some(""), Some(&s), &mut chan).is_err());
        let err = f
            .read(Some("0114420,1001,not-an-ip\x1b"), Some(&s), &mut chan)
            .unwrap_err();
        assert!(err.contains("\\x1b"), "{err}");
        check(&s, &mut chan, "2125551234,acct-7");
        assert!(!chan.asked_endpoint);
        assert_eq!(chan.slot.as_ref().map(Slot::account), Some("acct-7"));
    }

    #[test]
    fn ban_is_written_and_banned_reads_it() {
        let (_p, s) = shared(&[]);
        let no = &mut super::super::channel_context::NoChannel;
        let banned = &CALL_FUNCTIONS[1];
        let ban = &CALL_FUNCTIONS[2];
        assert_eq!(
            banned.read(Some("203.0.113.9:5060"), Some(&s), no).unwrap(),
            "0"
        );
        assert!(
            ban.read(Some("203.0.113.9"), Some(&s), no).is_err(),
            "write-only"
        );
        assert!(ban.write(Some("203.0.113.9"), "soon", Some(&s)).is_err());
        ban.write(Some("203.0.113.9"), "1h", Some(&s)).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while banned.read(Some("203.0.113.9"), Some(&s), no).unwrap() != "1" {
            assert!(std::time::Instant::now() < deadline, "the ban never came");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}
