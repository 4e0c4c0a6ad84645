//! The text inside a dialplan function's parentheses, read into what the function needs.

use std::net::IpAddr;

use crate::util::escape::for_log;
use crate::util::net::parse_host_address;

/// Asterisk passes `SECAST_X(a, b)` as the text `a, b`: split on commas, trimmed.
pub fn split(text: &str) -> Vec<String> {
    text.split(',').map(|s| s.trim().to_owned()).collect()
}

/// The first argument as an address, with or without a port (`CHANNEL(pjsip,remote_addr)`).
pub fn address(args: &[String]) -> Result<IpAddr, String> {
    let text = args.first().map(String::as_str).unwrap_or("");
    parse_host_address(text).ok_or_else(|| format!("'{}' is not an IP address", for_log(text)))
}

/// Longest account name taken from the dialplan.
pub const MAX_ACCOUNT_BYTES: usize = 128;

/// An account (endpoint) name given as an argument: not empty, not absurdly long.
pub fn account(text: Option<&str>) -> Result<&str, String> {
    match text.map(str::trim) {
        None | Some("") => Err("needs an account or an address".to_owned()),
        Some(a) if a.len() > MAX_ACCOUNT_BYTES => Err(format!(
            "account name longer than {MAX_ACCOUNT_BYTES} bytes: '{}…'",
            for_log(&a[..a.floor_char_boundary(32)])
        )),
        Some(a) => Ok(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_split_on_commas_and_trimmed() {
        assert_eq!(split("203.0.113.5, city"), vec!["203.0.113.5", "city"]);
        assert_eq!(split(""), vec![""]);
    }

    #[test]
    fn the_address_argument_takes_a_port_and_refuses_names() {
        assert_eq!(
            address(&split("[2001:db8::5]:5060")).unwrap(),
            "2001:db8::5".parse::<IpAddr>().unwrap()
        );
        let err = address(&split("pbx\x1b[31m")).unwrap_err();
        assert!(err.contains("\\x1b"), "{err}");
        assert!(address(&[]).is_err());
    }
}
