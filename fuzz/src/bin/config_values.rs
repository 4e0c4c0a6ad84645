//! Config values (`src/config/values.rs` and the value readers it builds on): every reader a
//! `secast.conf` value goes through before it reaches a key's own checks.
//!
//! Input: a selector byte (which reader, and the bounds of the numeric ones), then the value.

use res_secast::config::values;
use res_secast::util::{duration, net};

fn check(selector: u8, value: &str) {
    // Bounds from the selector too, so that min > max and the extremes are tried.
    let small = usize::from(selector >> 4);
    let large = usize::from(selector) * 1000;
    match selector % 12 {
        0 => {
            let _ = values::parse_bool(value);
        }
        1 => {
            if let Ok(n) = values::parse_count(value, small, large) {
                assert!(
                    (small..=large).contains(&n),
                    "{n} outside {small}..={large}"
                );
            }
        }
        2 => {
            let (min, max) = (u32::from(selector >> 4), u32::MAX - u32::from(selector));
            if let Ok(n) = values::parse_u32(value, min, max) {
                assert!((min..=max).contains(&n));
            }
        }
        3 => {
            let (min, max) = (selector >> 5, selector);
            if let Ok(n) = values::parse_u8(value, min, max) {
                assert!((min..=max).contains(&n));
            }
        }
        4 => {
            let _ = values::parse_duration(value);
        }
        5 => {
            if let Ok(d) = duration::parse_checked(value) {
                // What is accepted can be written back and read again as the same length.
                let again = duration::parse_checked(&duration::format(d));
                assert_eq!(again.ok(), Some(d), "{value:?} -> {}", duration::format(d));
                let _ = duration::format_left(d);
            }
            let _ = duration::parse(value);
        }
        6 => {
            if let Ok(n) = values::parse_net(value) {
                let _ = net::unbannable(&n);
            }
        }
        7 => {
            let _ = values::parse_path(value);
        }
        8 => {
            let _ = values::parse_allow_deny(value);
        }
        9 => {
            if let Some(n) = net::parse_net(value) {
                // Canonical: reading it back gives the same network.
                assert_eq!(net::canonical_net(n), n);
                assert_eq!(net::parse_net(&n.to_string()), Some(n));
            }
        }
        10 => {
            let _ = net::parse_host_address(value);
        }
        _ => {
            let _ = net::valid_host_port(value);
        }
    }
}

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Some((selector, rest)) = res_secast_fuzz::selector(data) {
            check(selector, &res_secast_fuzz::text(rest));
        }
    });
}
