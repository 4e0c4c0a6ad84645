//! Neighbour risk: offenders counted per /24 and /48 within a window, in bounded memory.

use std::net::IpAddr;

use res_secast::engine::neighbourhood::{MAX_OFFENDERS_PER_PREFIX, Neighbourhood};

const MIN: i64 = 60_000;
const T0: i64 = 1_800_000_000_000;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn distinct_offenders_in_the_same_24_are_counted_without_the_address_itself() {
    let mut n = Neighbourhood::new(60 * MIN, 100);
    n.record_offender(ip("203.0.113.1"), T0);
    n.record_offender(ip("203.0.113.2"), T0 + 1);
    n.record_offender(ip("203.0.113.2"), T0 + 2);
    n.record_offender(ip("203.0.113.3"), T0 + 3);
    n.record_offender(ip("203.0.114.1"), T0 + 4);
    assert_eq!(n.offenders_near(ip("203.0.113.200"), T0 + 5), 3);
    assert_eq!(n.offenders_near(ip("203.0.113.2"), T0 + 5), 2);
    assert_eq!(n.offenders_near(ip("203.0.114.9"), T0 + 5), 1);
    assert_eq!(n.offenders_near(ip("203.0.112.1"), T0 + 5), 0);
    // An IPv4-mapped address is its IPv4 self.
    assert_eq!(n.offenders_near(ip("::ffff:203.0.113.200"), T0 + 5), 3);
    n.record_offender(ip("::ffff:203.0.113.4"), T0 + 6);
    assert_eq!(n.offenders_near(ip("203.0.113.200"), T0 + 7), 4);
}

#[test]
fn ipv6_offenders_are_grouped_by_48() {
    let mut n = Neighbourhood::new(60 * MIN, 100);
    n.record_offender(ip("2001:db8:1:1::1"), T0);
    n.record_offender(ip("2001:db8:1:ffff::2"), T0);
    n.record_offender(ip("2001:db8:2::1"), T0);
    assert_eq!(n.offenders_near(ip("2001:db8:1:abcd::9"), T0), 2);
    assert_eq!(n.offenders_near(ip("2001:db8:2::5"), T0), 1);
    assert_eq!(n.offenders_near(ip("2001:db8:3::5"), T0), 0);
}

#[test]
fn offenders_stop_counting_when_the_window_has_passed() {
    let mut n = Neighbourhood::new(10 * MIN, 100);
    n.record_offender(ip("198.51.100.1"), T0);
    n.record_offender(ip("198.51.100.2"), T0 + 5 * MIN);
    let near = |n: &Neighbourhood, t| n.offenders_near(ip("198.51.100.50"), t);
    assert_eq!(near(&n, T0 + 9 * MIN), 2);
    assert_eq!(near(&n, T0 + 10 * MIN), 1);
    assert_eq!(near(&n, T0 + 15 * MIN), 0);
    // Recording again renews an offender.
    n.record_offender(ip("198.51.100.1"), T0 + 14 * MIN);
    assert_eq!(near(&n, T0 + 15 * MIN), 1);
    // A clock that stepped back does not lose what was recorded "later".
    assert_eq!(near(&n, T0 - MIN), 2);
}

#[test]
fn tracked_prefixes_are_capped_and_the_least_recent_is_forgotten() {
    let mut n = Neighbourhood::new(60 * MIN, 3);
    for (i, net) in ["192.0.2.1", "198.51.100.1", "203.0.113.1"]
        .iter()
        .enumerate()
    {
        n.record_offender(ip(net), T0 + i as i64);
    }
    // Refresh the first so that the second is now the least recent.
    n.record_offender(ip("192.0.2.2"), T0 + 10);
    n.record_offender(ip("2001:db8::1"), T0 + 11);
    assert_eq!(n.tracked_prefixes(), 3);
    assert_eq!(n.offenders_near(ip("198.51.100.9"), T0 + 12), 0);
    assert_eq!(n.offenders_near(ip("192.0.2.9"), T0 + 12), 2);
    assert_eq!(n.offenders_near(ip("203.0.113.9"), T0 + 12), 1);
    assert_eq!(n.offenders_near(ip("2001:db8::9"), T0 + 12), 1);

    // Many more prefixes than the cap: memory stays bounded.
    for i in 0..10_000u32 {
        n.record_offender(
            IpAddr::from((0x0a00_0000 + (i << 8)).to_be_bytes()),
            T0 + 100 + i64::from(i),
        );
    }
    assert_eq!(n.tracked_prefixes(), 3);
}

#[test]
fn expired_prefixes_make_room_before_live_ones_are_evicted() {
    let mut n = Neighbourhood::new(MIN, 2);
    n.record_offender(ip("192.0.2.1"), T0);
    n.record_offender(ip("198.51.100.1"), T0 + 50_000);
    // The first has expired by now: it goes, the second stays.
    n.record_offender(ip("203.0.113.1"), T0 + 70_000);
    assert_eq!(n.offenders_near(ip("198.51.100.9"), T0 + 70_001), 1);
    assert_eq!(n.offenders_near(ip("203.0.113.9"), T0 + 70_001), 1);
}

#[test]
fn one_prefix_remembers_a_bounded_number_of_offenders() {
    let mut n = Neighbourhood::new(60 * MIN, 10);
    for i in 0..200u8 {
        n.record_offender(IpAddr::from([203, 0, 113, i]), T0 + i64::from(i));
    }
    assert_eq!(
        n.offenders_near(ip("203.0.113.250"), T0 + 300),
        MAX_OFFENDERS_PER_PREFIX
    );
    // The most recent are the ones kept.
    assert_eq!(
        n.offenders_near(ip("203.0.113.199"), T0 + 300),
        MAX_OFFENDERS_PER_PREFIX - 1
    );
}

#[test]
fn zero_prefixes_turns_tracking_off() {
    let mut n = Neighbourhood::new(60 * MIN, 0);
    n.record_offender(ip("203.0.113.1"), T0);
    n.record_offender(ip("203.0.113.2"), T0);
    assert_eq!(n.offenders_near(ip("203.0.113.3"), T0), 0);
    assert_eq!(n.tracked_prefixes(), 0);
}
