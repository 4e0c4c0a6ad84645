//! The words after a `secast …` command, read into what the command needs. Pure and
//! unit-tested: nothing here touches Asterisk.

use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;

use crate::util::duration::{self, DurationError};
use crate::util::net::parse_net;

/// A ban of one hour unless the admin says otherwise.
pub const DEFAULT_BAN: Duration = Duration::from_secs(3600);

/// `secast ban <ip|cidr> [<duration>|permanent] [<reason>…]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BanRequest {
    pub net: IpNet,
    /// None: permanent.
    pub length: Option<Duration>,
    pub reason: String,
}

impl BanRequest {
    /// None when the first word is not an address or network (the usage is shown). A second
    /// word that is not a duration (nor `permanent`) starts the reason, and the ban gets
    /// [`DEFAULT_BAN`]; one that is a duration too long to hold (past 3650d) is refused with
    /// the reason, never truncated nor taken for a reason.
    pub fn parse(args: &[String]) -> Option<Result<BanRequest, String>> {
        let net = parse_net(args.first()?)?;
        let (length, reason_from) = match args.get(1).map(String::as_str) {
            Some("permanent") => (None, 2),
            Some(d) => match duration::parse_checked(d) {
                Ok(len) if len >= Duration::from_secs(1) => (Some(len), 2),
                Err(DurationError::TooLong) => {
                    return Some(Err(format!(
                        "ban length '{}' is {}",
                        crate::util::escape::for_log(d),
                        DurationError::TooLong
                    )));
                }
                _ => (Some(DEFAULT_BAN), 1),
            },
            None => (Some(DEFAULT_BAN), 1),
        };
        let reason = args.get(reason_from..).unwrap_or_default().join(" ");
        Some(Ok(BanRequest {
            net,
            length,
            reason,
        }))
    }
}

/// The one network argument of `secast unban` and `secast show bans`.
pub fn network(args: &[String]) -> Option<IpNet> {
    parse_net(args.first()?)
}

/// The one address argument of `secast show ip`.
pub fn address(args: &[String]) -> Option<IpAddr> {
    args.first()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn a_ban_defaults_to_one_hour_without_reason() {
        let r = BanRequest::parse(&words("203.0.113.9")).unwrap().unwrap();
        assert_eq!(r.net.to_string(), "203.0.113.9/32");
        assert_eq!(r.length, Some(DEFAULT_BAN));
        assert_eq!(r.reason, "");
    }

    #[test]
    fn a_ban_takes_a_duration_or_permanent_then_a_reason() {
        let r = BanRequest::parse(&words("198.51.100.0/24 12h scanner farm"))
            .unwrap()
            .unwrap();
        assert_eq!(r.net.to_string(), "198.51.100.0/24");
        assert_eq!(r.length, Some(Duration::from_secs(12 * 3600)));
        assert_eq!(r.reason, "scanner farm");
        let r = BanRequest::parse(&words("2001:db8::5 permanent"))
            .unwrap()
            .unwrap();
        assert_eq!(r.length, None);
        assert_eq!(r.reason, "");
    }

    #[test]
    fn a_word_that_is_no_duration_starts_the_reason() {
        let r = BanRequest::parse(&words("203.0.113.9 abuse report"))
            .unwrap()
            .unwrap();
        assert_eq!(r.length, Some(DEFAULT_BAN));
        assert_eq!(r.reason, "abuse report");
        // Zero is not a ban length.
        let r = BanRequest::parse(&words("203.0.113.9 0s"))
            .unwrap()
            .unwrap();
        assert_eq!(r.length, Some(DEFAULT_BAN));
        assert_eq!(r.reason, "0s");
    }

    #[test]
    fn a_ban_length_too_long_to_hold_is_refused_not_taken_for_a_reason() {
        let err = BanRequest::parse(&words("203.0.113.9 99999999999w"))
            .unwrap()
            .unwrap_err();
        assert!(err.contains("longer than 3650d"), "{err}");
        assert!(
            BanRequest::parse(&words("203.0.113.9 3650d"))
                .unwrap()
                .is_ok()
        );
    }

    #[test]
    fn ipv4_mapped_networks_are_read_as_the_ipv4_networks_they_denote() {
        let r = BanRequest::parse(&words("::ffff:127.0.0.1/128"))
            .unwrap()
            .unwrap();
        assert_eq!(r.net.to_string(), "127.0.0.1/32");
        assert_eq!(
            network(&words("::ffff:10.0.0.0/104")).unwrap().to_string(),
            "10.0.0.0/8"
        );
    }

    #[test]
    fn a_ban_needs_an_address_first() {
        assert!(BanRequest::parse(&words("attacker 1h")).is_none());
        assert!(BanRequest::parse(&[]).is_none());
    }

    #[test]
    fn networks_and_addresses_are_read_strictly() {
        assert_eq!(
            network(&words("203.0.113.7/24")).unwrap().to_string(),
            "203.0.113.0/24"
        );
        assert!(network(&words("x")).is_none());
        assert_eq!(
            address(&words("2001:db8::5")),
            Some("2001:db8::5".parse().unwrap())
        );
        assert!(address(&words("203.0.113.0/24")).is_none());
        assert!(address(&[]).is_none());
    }
}
