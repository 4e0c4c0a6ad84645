//! Turning what Asterisk's security topic carries into typed events.

use std::net::IpAddr;

use res_secast::intake::timestamp::parse_event_tv;
use res_secast::intake::{EndpointAddr, Transport};
use res_secast::intake::{EventError, EventKind, Field, MAX_FIELD_BYTES, RawEvent};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn pjsip_failure() -> RawEvent {
    let mut raw = RawEvent::new(11);
    for (f, v) in [
        (Field::EventVersion, "1"),
        (Field::EventTv, "2026-11-22T01:23:45.678+0100"),
        (Field::Severity, "Error"),
        (Field::Service, "PJSIP"),
        (Field::AccountId, "1001"),
        (Field::SessionId, "1-4242@127.0.0.5"),
        (Field::LocalAddress, "IPV4/UDP/127.0.0.1/5060"),
        (Field::RemoteAddress, "IPV4/UDP/127.0.0.5/5061"),
        (Field::Challenge, "nonce"),
        (Field::Response, "digest"),
    ] {
        raw.set(f, v.as_bytes());
    }
    raw
}

#[test]
fn challenge_response_failed_parses_with_all_its_fields() {
    let ev = pjsip_failure().parse().unwrap();
    assert_eq!(ev.kind, EventKind::ChallengeResponseFailed);
    assert_eq!(ev.service, "PJSIP");
    assert_eq!(ev.account.as_deref(), Some("1001"));
    assert_eq!(ev.session.as_deref(), Some("1-4242@127.0.0.5"));
    assert_eq!(ev.source_ip(), ip("127.0.0.5"));
    assert_eq!(ev.remote.port, 5061);
    assert_eq!(ev.transport(), Some(Transport::Udp));
    assert_eq!(ev.local.as_ref().unwrap().ip, ip("127.0.0.1"));
    assert_eq!(ev.detail.challenge.as_deref(), Some("nonce"));
    // 01:23:45.678 at +01:00 is 00:23:45.678 UTC.
    assert_eq!(ev.event_time_ms, Some(1_795_307_025_678));
}

#[test]
fn every_event_number_maps_to_its_asterisk_name() {
    let names = [
        "FailedACL",
        "InvalidAccountID",
        "SessionLimit",
        "MemoryLimit",
        "LoadAverageLimit",
        "RequestNotSupported",
        "RequestNotAllowed",
        "AuthMethodNotAllowed",
        "RequestBadFormat",
        "SuccessfulAuth",
        "UnexpectedAddress",
        "ChallengeResponseFailed",
        "InvalidPassword",
        "ChallengeSent",
        "InvalidTransport",
    ];
    for (n, name) in names.iter().enumerate() {
        let kind = EventKind::from_number(n as i64).unwrap();
        assert_eq!(kind.name(), *name);
        assert_eq!(EventKind::from_name(name), Some(kind));
        let mut raw = RawEvent::new(n as i64);
        raw.set(Field::Service, b"AMI");
        raw.set(Field::RemoteAddress, b"IPV4/TCP/127.0.0.9/40000");
        assert_eq!(raw.parse().unwrap().kind, kind);
    }
    assert_eq!(EventKind::from_number(15), None);
    assert_eq!(EventKind::from_number(-1), None);
}

#[test]
fn unknown_event_number_is_an_error_not_a_failed_acl() {
    let mut raw = pjsip_failure();
    raw.number = 99;
    assert_eq!(raw.parse(), Err(EventError::UnknownType(99)));
}

#[test]
fn event_without_remote_address_or_service_is_rejected() {
    let mut raw = RawEvent::new(1);
    raw.set(Field::Service, b"PJSIP");
    assert_eq!(
        raw.parse(),
        Err(EventError::MissingField(
            EventKind::InvalidAccountId,
            Field::RemoteAddress
        ))
    );
    let mut raw = RawEvent::new(1);
    raw.set(Field::RemoteAddress, b"IPV4/UDP/127.0.0.5/5060");
    assert_eq!(
        raw.parse(),
        Err(EventError::MissingField(
            EventKind::InvalidAccountId,
            Field::Service
        ))
    );
}

#[test]
fn garbage_address_is_rejected() {
    for bad in [
        "",
        "IPV4",
        "IPV4/UDP/127.0.0.5",
        "IPV4/UDP/127.0.0.5/notaport",
        "IPV4/UDP/127.0.0.5/70000",
        "IPV4/UDP/2001:db8::1/5060",
        "IPV6/UDP/127.0.0.1/5060",
        "IPV5/UDP/127.0.0.1/5060",
        "IPV4/UDP/127.0.0.5%eth0/5060",
        "IPV6/UDP/fe80::1%/5060",
    ] {
        assert!(EndpointAddr::parse(bad).is_err(), "{bad:?} accepted");
    }
    let mut raw = pjsip_failure();
    raw.set(Field::RemoteAddress, b"IPV4/UDP/\xff\xfe/5060");
    assert_eq!(
        raw.parse(),
        Err(EventError::BadAddress(Field::RemoteAddress))
    );
}

#[test]
fn addresses_with_and_without_transport_parse() {
    let a = EndpointAddr::parse("IPV6/TCP/2001:db8::5/5061").unwrap();
    assert_eq!(
        (a.ip, a.port, a.transport),
        (ip("2001:db8::5"), 5061, Some(Transport::Tcp))
    );
    let a = EndpointAddr::parse("IPV4/203.0.113.5/5060").unwrap();
    assert_eq!((a.ip, a.port, a.transport), (ip("203.0.113.5"), 5060, None));
    let a = EndpointAddr::parse("IPV6/WSS/fe80::1%eth0/443").unwrap();
    assert_eq!(a.scope.as_deref(), Some("eth0"));
    assert_eq!(a.to_string(), "WSS:[fe80::1%eth0]:443");
    assert_eq!(a.transport, Some(Transport::Wss));
}

#[test]
fn ipv4_mapped_ipv6_source_is_folded_to_ipv4() {
    let a = EndpointAddr::parse("IPV6/UDP/::ffff:203.0.113.7/5060").unwrap();
    assert_eq!(a.ip, ip("203.0.113.7"));
}

#[test]
fn oversized_field_is_truncated_when_copied() {
    let mut raw = pjsip_failure();
    let huge = vec![b'A'; 100_000];
    raw.set(Field::AccountId, &huge);
    assert_eq!(raw.get(Field::AccountId).unwrap().len(), MAX_FIELD_BYTES);
    assert_eq!(raw.parse().unwrap().account.unwrap().len(), MAX_FIELD_BYTES);
}

#[test]
fn non_utf8_account_survives_lossily() {
    let mut raw = pjsip_failure();
    raw.set(Field::AccountId, b"ad\xffmin");
    assert_eq!(
        raw.parse().unwrap().account.as_deref(),
        Some("ad\u{fffd}min")
    );
}

#[test]
fn using_password_is_read_from_its_string_form() {
    let mut raw = pjsip_failure();
    raw.number = 9;
    raw.set(Field::UsingPassword, b"1");
    assert_eq!(raw.parse().unwrap().detail.using_password, Some(true));
    raw.set(Field::UsingPassword, b"0");
    assert_eq!(raw.parse().unwrap().detail.using_password, Some(false));
}

#[test]
fn event_tv_forms() {
    assert_eq!(parse_event_tv("1970-01-01T00:00:00.000+0000"), Some(0));
    assert_eq!(parse_event_tv("1970-01-01T00:00:01.5-0000"), Some(1500));
    assert_eq!(
        parse_event_tv("2000-03-01T00:00:00.000+0000"),
        Some(951_868_800_000)
    );
    assert_eq!(
        parse_event_tv("2024-02-29T23:59:59.999-0130"),
        Some(1_709_251_199_999 + 5_400_000)
    );
    assert_eq!(parse_event_tv("2024-02-29 23:59:59"), None);
    assert_eq!(parse_event_tv("2024-13-01T00:00:00.000+0000"), None);
    assert_eq!(parse_event_tv("2024-01-01T00:00:00.000+01"), None);
    assert_eq!(parse_event_tv("garbage"), None);
    assert_eq!(parse_event_tv(""), None);
}

#[test]
fn bad_timestamp_does_not_reject_the_event() {
    let mut raw = pjsip_failure();
    raw.set(Field::EventTv, b"yesterday");
    let ev = raw.parse().unwrap();
    assert_eq!(ev.event_time_ms, None);
}
