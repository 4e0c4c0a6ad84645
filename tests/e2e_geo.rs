//! Geofencing and threat intelligence in the real Asterisk: a fixture GeoIP database the test
//! writes places documentation addresses (added to the sandbox namespace's own loopback) in
//! known countries; sipp attacks from them.
//!
//! Run through `make test` (needs root and the sandbox); `#[ignore]`d for a plain `cargo test`.

mod geo_fixture;
mod sandbox;

use std::time::{Duration, Instant};

use geo_fixture::{FixtureRecord, FixtureSchema, net, write_fixture_db};
use sandbox::Asterisk;

/// A phone across a real network answers a challenge one round trip later; on loopback sipp
/// would answer within microseconds, before any decision about the first packet can land.
const PHONE_RTT_MS: u32 = 20;

fn ban_line(ast: &Asterisk, net: &str) -> Option<String> {
    ast.bans()
        .into_iter()
        .find(|l| l.split_whitespace().next() == Some(net))
}

/// 203.0.113.0/26 in Russia, 203.0.113.128/26 in France (Paris), 203.0.113.192/26 in Germany.
fn write_geo(dir: &std::path::Path) {
    write_fixture_db(
        &dir.join("geo.mmdb"),
        FixtureSchema::MaxMindCity,
        &[
            (
                net("203.0.113.0/26"),
                FixtureRecord::country("RU").continent("EU").city("Moscow"),
            ),
            (
                net("203.0.113.128/26"),
                FixtureRecord::country("FR")
                    .continent("EU")
                    .subdivision("IDF", "Ile-de-France")
                    .city("Paris"),
            ),
            (
                net("203.0.113.192/26"),
                FixtureRecord::country("DE").continent("EU").city("Berlin"),
            ),
        ],
    )
    .expect("fixture database");
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn geofencing_refuses_the_wrong_country_even_with_the_right_password() {
    let (host_dir, inside) = sandbox::fixture_dir("e2e-geo");
    write_geo(&host_dir);
    let conf = sandbox::conf_with(&format!(
        "[geo]\ndatabase = {inside}/geo.mmdb\ndefault = allow\ndeny = country:RU\ndeny = country:FR\nallow = account=1001 country:FR\n"
    ));
    let ast = Asterisk::start_with_conf("e2e-geo", Some(&conf));
    let geo = ast.cli("secast show geo");
    assert!(
        geo.contains("deny country:RU") && geo.contains("allow account=1001 country:FR"),
        "{geo}"
    );

    // A REGISTER from Russia: banned at its first attempt, before any password is checked.
    let out = ast.attack("wrong-password", "203.0.113.5", 3, 10);
    let line = ban_line(&ast, "203.0.113.5/32").unwrap_or_else(|| panic!("not banned:\n{out}"));
    assert!(line.contains("rule=geo") && line.contains("RU"), "{line}");
    // The PJSIP sensor judges the first request before the distributor: no challenge is
    // ever sent, so no answer can race the ban.
    assert_eq!(ast.logged_events_from("ChallengeSent", "203.0.113.5"), 0);
    assert_eq!(ast.logged_failures_from("203.0.113.5"), 0);

    // The roaming user 1001 may register from France with the right password.
    let out = ast.attack_as(
        "wrong-password",
        "203.0.113.130",
        1,
        "1001",
        sandbox::PASSWORD_1001,
        PHONE_RTT_MS,
    );
    assert!(out.contains("1 successful, 0 failed"), "{out}");
    assert_eq!(ast.logged_events_from("SuccessfulAuth", "203.0.113.130"), 1);
    assert!(ban_line(&ast, "203.0.113.130/32").is_none());

    // 1002 has no such exception: the right password from France is refused.
    let out = ast.attack_as(
        "wrong-password",
        "203.0.113.131",
        1,
        "1002",
        sandbox::PASSWORD_1002,
        PHONE_RTT_MS,
    );
    assert!(out.contains("0 successful, 1 failed"), "{out}");
    assert_eq!(ast.logged_events_from("SuccessfulAuth", "203.0.113.131"), 0);
    let line = ban_line(&ast, "203.0.113.131/32").expect("banned");
    assert!(line.contains("rule=geo"), "{line}");

    // Germany is allowed by the default policy.
    let out = ast.attack_as(
        "wrong-password",
        "203.0.113.200",
        1,
        "1003",
        sandbox::PASSWORD_1003,
        PHONE_RTT_MS,
    );
    assert!(out.contains("1 successful, 0 failed"), "{out}");

    // The dialplan sees the same database (evaluated over AMI, without a channel).
    assert_eq!(ast.ami_getvar("SECAST_GEO(203.0.113.5)"), "RU");
    assert_eq!(
        ast.ami_getvar("SECAST_GEO([203.0.113.130]:5060,city)"),
        "Paris"
    );
    assert_eq!(ast.ami_getvar("SECAST_GEO(203.0.113.200,continent)"), "EU");
    assert_eq!(ast.ami_getvar("SECAST_GEO(192.0.2.1)"), "");
    assert_eq!(ast.ami_getvar("SECAST_RISK(203.0.113.5)"), "100");
    // Bad input: an empty answer and a warning that names it, Asterisk carries on.
    ast.ami_getvar("SECAST_GEO(no-such-host)");
    assert!(
        ast.messages_log()
            .contains("SECAST_GEO: 'no-such-host' is not an IP address"),
        "no warning for a bad address"
    );
    let report = ast.cli("secast show ip 203.0.113.131");
    assert!(report.contains("Location: EU/FR/IDF/Paris"), "{report}");
    let geo = ast.cli("secast show geo");
    assert!(geo.contains("deny country:RU"), "{geo}");
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn blocklisted_source_is_banned_at_first_packet_and_list_reloads_live() {
    let (host_dir, inside) = sandbox::fixture_dir("e2e-intel");
    let list = host_dir.join("blocklist.txt");
    std::fs::write(&list, "# test list\n203.0.113.210\n").unwrap();
    let conf = sandbox::conf_with(&format!(
        "[intel]\nblocklist = plain:{inside}/blocklist.txt\ncheck_interval = 1s\n"
    ));
    let ast = Asterisk::start_with_conf("e2e-intel", Some(&conf));
    ast.attack("wrong-password", "203.0.113.210", 3, 10);
    let line = ban_line(&ast, "203.0.113.210/32").expect("listed source banned");
    assert!(
        line.contains("rule=intel") && line.contains("blocklist.txt"),
        "{line}"
    );
    // Dropped by the PJSIP sensor at its first packet: never challenged.
    assert_eq!(ast.logged_events_from("ChallengeSent", "203.0.113.210"), 0);
    assert_eq!(ast.logged_failures_from("203.0.113.210"), 0);

    // A new list, swapped in by rename as a downloader would: no restart, no reload command.
    let fresh = host_dir.join("blocklist.txt.new");
    std::fs::write(&fresh, "# test list\n203.0.113.210\n203.0.113.211\n").unwrap();
    std::fs::rename(&fresh, &list).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ast
        .cli("secast show ip 203.0.113.211")
        .contains("Blocklisted:")
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(200));
    }
    ast.attack("wrong-password", "203.0.113.211", 2, 10);
    let line = ban_line(&ast, "203.0.113.211/32").expect("reloaded list applied");
    assert!(line.contains("rule=intel"), "{line}");
    assert!(ast.messages_log().contains("blocklists reloaded"));
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn numbers_are_checked_against_the_fraud_lists() {
    let (host_dir, inside) = sandbox::fixture_dir("e2e-numbers");
    std::fs::write(
        host_dir.join("premium.txt"),
        "+4490 premium rate UK\n882,satellite\n",
    )
    .unwrap();
    let conf = sandbox::conf_with(&format!(
        "[fraud]\nnumbers = premium:{inside}/premium.txt\n"
    ));
    let ast = Asterisk::start_with_conf("e2e-numbers", Some(&conf));
    // The sandbox dials as a North American PBX: 011 before international numbers.
    let hit = ast.cli("secast show number 011449012345");
    assert!(hit.contains("E.164 +449012345"), "{hit}");
    assert!(hit.contains("Country: GB (international)"), "{hit}");
    assert!(hit.contains("Class: premium"), "{hit}");
    assert!(hit.contains("Listed: prefix 4490 in premium.txt"), "{hit}");
    let miss = ast.cli("secast show number +4420");
    assert!(miss.contains("on no list"), "{miss}");
    let junk = ast.cli("secast show number abc");
    assert!(junk.contains("not a dialable number"), "{junk}");
}
