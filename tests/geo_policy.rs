//! Geofence policy: which rule decides, local networks, unknown locations, counters.

mod geo_fixture;

use std::net::IpAddr;

use geo_fixture::{FixtureRecord, FixtureSchema, TempDir, net, write_fixture_db};
use res_secast::lookups::geo::{
    GeoAction, GeoDb, GeoInfo, GeoOutcomes, GeoPolicy, GeoVerdict, parse_rule,
};

const PUBLIC: &str = "198.51.100.20";

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// `(allow, text)` pairs into a policy with the default local networks.
fn policy(rules: &[(bool, &str)], default_allow: bool) -> GeoPolicy {
    let rules = rules
        .iter()
        .map(|(allow, text)| parse_rule(*allow, text, GeoAction::Ban).unwrap())
        .collect();
    GeoPolicy::new(
        rules,
        default_allow,
        GeoAction::Alert,
        GeoPolicy::default_local_networks(),
    )
}

fn place(continent: &str, country: &str, subdivision: &str, city: &str) -> GeoInfo {
    GeoInfo {
        continent: Some(continent.into()),
        country: Some(country.into()),
        subdivision: Some(subdivision.into()).filter(|s: &String| !s.is_empty()),
        subdivision_name: None,
        city: Some(city.into()).filter(|s: &String| !s.is_empty()),
        ..GeoInfo::default()
    }
}

fn san_francisco() -> GeoInfo {
    place("NA", "US", "CA", "San Francisco")
}

fn los_angeles() -> GeoInfo {
    place("NA", "US", "CA", "Los Angeles")
}

fn moscow() -> GeoInfo {
    place("EU", "RU", "MOW", "Moscow")
}

fn berlin() -> GeoInfo {
    place("EU", "DE", "BE", "Berlin")
}

fn verdict(p: &GeoPolicy, account: Option<&str>, info: &GeoInfo) -> GeoVerdict {
    p.evaluate(ip(PUBLIC), account, Some(info))
}

fn denied_by(rule: &str, action: GeoAction) -> GeoVerdict {
    GeoVerdict::Denied {
        rule: Some(rule.into()),
        action,
    }
}

fn allowed_by(rule: &str) -> GeoVerdict {
    GeoVerdict::Allowed {
        rule: Some(rule.into()),
    }
}

const DEFAULT_ALLOWED: GeoVerdict = GeoVerdict::Allowed { rule: None };

#[test]
fn deny_by_continent_country_subdivision_or_city() {
    let p = policy(&[(false, "continent:as")], true);
    let beijing = place("AS", "CN", "BJ", "Beijing");
    assert_eq!(
        verdict(&p, None, &beijing),
        denied_by("deny continent:AS action=ban", GeoAction::Ban)
    );
    assert_eq!(verdict(&p, None, &berlin()), DEFAULT_ALLOWED);

    let p = policy(&[(false, "country:ru action=risk:40")], true);
    assert_eq!(
        verdict(&p, None, &moscow()),
        denied_by("deny country:RU action=risk:40", GeoAction::Risk(40))
    );
    assert_eq!(verdict(&p, None, &berlin()), DEFAULT_ALLOWED);

    let p = policy(&[(false, "subdivision:US-CA action=alert")], true);
    assert!(verdict(&p, None, &los_angeles()).is_denied());
    assert_eq!(
        verdict(&p, None, &place("NA", "US", "NY", "New York")),
        DEFAULT_ALLOWED
    );
    // The same subdivision code in another country is another place.
    assert_eq!(
        verdict(&p, None, &place("NA", "CA", "CA", "")),
        DEFAULT_ALLOWED
    );

    let p = policy(&[(false, "city:US/san francisco")], true);
    assert!(verdict(&p, None, &san_francisco()).is_denied());
    assert_eq!(verdict(&p, None, &los_angeles()), DEFAULT_ALLOWED);
}

#[test]
fn subdivision_rule_matches_the_name_that_flat_databases_carry() {
    let p = policy(&[(false, "subdivision:US-California")], true);
    let flat = GeoInfo {
        subdivision: Some("California".into()),
        subdivision_name: Some("California".into()),
        ..place("NA", "US", "", "Los Angeles")
    };
    assert!(verdict(&p, None, &flat).is_denied());
    let p = policy(&[(false, "subdivision:DE-BY")], true);
    let maxmind = GeoInfo {
        subdivision_name: Some("Bavaria".into()),
        ..place("EU", "DE", "BY", "Munich")
    };
    assert!(verdict(&p, None, &maxmind).is_denied());
}

#[test]
fn city_names_match_ignoring_case_beyond_ascii() {
    let p = policy(&[(false, "city:DE/MÜNCHEN")], true);
    assert!(verdict(&p, None, &place("EU", "DE", "BY", "München")).is_denied());
}

#[test]
fn narrower_rule_overrides_a_wider_one_either_way() {
    let p = policy(
        &[
            (false, "country:US"),
            (true, "city:US/San Francisco"),
            (true, "continent:EU"),
            (false, "country:RU"),
        ],
        true,
    );
    assert_eq!(
        verdict(&p, None, &san_francisco()),
        allowed_by("allow city:US/San Francisco")
    );
    assert_eq!(
        verdict(&p, None, &los_angeles()),
        denied_by("deny country:US action=ban", GeoAction::Ban)
    );
    assert_eq!(
        verdict(&p, None, &moscow()),
        denied_by("deny country:RU action=ban", GeoAction::Ban)
    );
    assert_eq!(
        verdict(&p, None, &berlin()),
        allowed_by("allow continent:EU")
    );
}

#[test]
fn allow_beats_deny_at_equal_specificity() {
    let p = policy(&[(false, "country:DE"), (true, "country:de")], false);
    assert_eq!(verdict(&p, None, &berlin()), allowed_by("allow country:DE"));
}

#[test]
fn default_deny_refuses_unmatched_places_with_the_default_action() {
    let p = policy(&[(true, "continent:EU")], false);
    assert_eq!(
        verdict(&p, None, &berlin()),
        allowed_by("allow continent:EU")
    );
    assert_eq!(
        verdict(&p, None, &san_francisco()),
        GeoVerdict::Denied {
            rule: None,
            action: GeoAction::Alert
        }
    );
}

#[test]
fn roaming_account_is_allowed_where_everyone_else_is_denied() {
    let p = policy(
        &[
            (false, "country:FR"),
            (false, "city:FR/Paris"),
            (true, "account=1001 country:FR"),
        ],
        true,
    );
    let paris = place("EU", "FR", "IDF", "Paris");
    // The account's own rule comes first, even against a narrower rule for everyone.
    assert_eq!(
        verdict(&p, Some("1001"), &paris),
        allowed_by("allow account=1001 country:FR")
    );
    assert!(verdict(&p, Some("1002"), &paris).is_denied());
    assert!(verdict(&p, None, &paris).is_denied());
    // Account names are compared exactly.
    assert!(verdict(&p, Some("10011"), &paris).is_denied());
}

#[test]
fn account_rule_can_also_deny_one_account() {
    let p = policy(&[(false, "account=guest continent:EU action=alert")], true);
    assert_eq!(
        verdict(&p, Some("guest"), &berlin()),
        denied_by(
            "deny account=guest continent:EU action=alert",
            GeoAction::Alert
        )
    );
    assert_eq!(verdict(&p, Some("alice"), &berlin()), DEFAULT_ALLOWED);
}

#[test]
fn local_networks_are_never_geo_blocked() {
    let p = policy(&[(false, "country:RU")], false);
    for local in [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.5.5",
        "192.168.1.10",
        "100.64.0.1",
        "::1",
        "fd00::5",
        "fe80::1",
        "::ffff:192.168.1.10",
    ] {
        // Even when a (wrong) record places the address in a denied country.
        assert_eq!(
            p.evaluate(ip(local), None, Some(&moscow())),
            GeoVerdict::Local,
            "{local}"
        );
    }
    assert!(
        p.evaluate(ip("::ffff:198.51.100.20"), None, Some(&moscow()))
            .is_denied()
    );
}

#[test]
fn local_network_list_is_configurable() {
    let p = GeoPolicy::new(vec![], false, GeoAction::Ban, vec![net("198.51.100.0/24")]);
    assert_eq!(
        p.evaluate(ip(PUBLIC), None, Some(&moscow())),
        GeoVerdict::Local
    );
    assert!(
        p.evaluate(ip("10.0.0.1"), None, Some(&moscow()))
            .is_denied()
    );
}

#[test]
fn unknown_location_is_unknown_not_denied() {
    let p = policy(&[(false, "continent:EU")], false);
    assert_eq!(p.evaluate(ip(PUBLIC), None, None), GeoVerdict::Unknown);
    let asn_only = GeoInfo {
        asn: Some(64500),
        ..GeoInfo::default()
    };
    assert_eq!(
        p.evaluate(ip(PUBLIC), None, Some(&asn_only)),
        GeoVerdict::Unknown
    );
}

#[test]
fn hits_and_outcomes_count_every_verdict() {
    let p = policy(
        &[(false, "country:RU"), (true, "account=1001 country:RU")],
        true,
    );
    verdict(&p, None, &moscow());
    verdict(&p, None, &moscow());
    verdict(&p, Some("1001"), &moscow());
    verdict(&p, None, &berlin());
    p.evaluate(ip("127.0.0.1"), None, Some(&moscow()));
    p.evaluate(ip(PUBLIC), None, None);
    assert_eq!(
        p.hits(),
        vec![
            ("allow account=1001 country:RU".to_owned(), 1),
            ("deny country:RU action=ban".to_owned(), 2),
        ]
    );
    assert_eq!(
        p.outcomes(),
        GeoOutcomes {
            local: 1,
            unknown: 1,
            default_allowed: 1,
            default_denied: 0
        }
    );
}

#[test]
fn describe_lists_rules_in_evaluation_order_then_the_default() {
    let p = policy(
        &[
            (false, "continent:AS"),
            (false, "country:US"),
            (true, "city:US/San Francisco"),
            (true, "country:us"),
            (true, "account=1001 country:FR"),
        ],
        false,
    );
    let text = p.describe();
    let order: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once(". ").map(|(_, rule)| rule))
        .collect();
    assert_eq!(
        order,
        [
            "allow account=1001 country:FR",
            "allow city:US/San Francisco",
            "allow country:US",
            "deny country:US action=ban",
            "deny continent:AS action=ban",
        ]
    );
    assert!(text.contains("default: deny action=alert"), "{text}");
    assert!(text.contains("127.0.0.0/8"), "{text}");
}

#[test]
fn verdicts_explain_themselves() {
    assert_eq!(
        denied_by("deny country:RU action=ban", GeoAction::Ban).to_string(),
        "denied by deny country:RU action=ban"
    );
    assert_eq!(
        GeoVerdict::Denied {
            rule: None,
            action: GeoAction::Risk(30)
        }
        .to_string(),
        "denied by the default policy (action=risk:30)"
    );
    assert_eq!(GeoVerdict::Unknown.to_string(), "location unknown, allowed");
}

#[test]
fn database_answer_feeds_the_policy() {
    let dir = TempDir::new("policy_db");
    let path = dir.path().join("geo.mmdb");
    write_fixture_db(
        &path,
        FixtureSchema::IpLocationDb,
        &[
            (net("203.0.113.0/24"), FixtureRecord::country("RU")),
            (
                net("2001:db8::/32"),
                FixtureRecord::country("DE").city("Berlin"),
            ),
        ],
    )
    .unwrap();
    let db = GeoDb::open(&path).unwrap();
    let p = policy(&[(false, "continent:EU"), (true, "country:DE")], true);
    let check = |addr: &str| p.evaluate(ip(addr), None, db.lookup(ip(addr)).as_ref());
    // Russia's continent is derived from its country code: the file has none.
    assert_eq!(
        check("::ffff:203.0.113.7"),
        denied_by("deny continent:EU action=ban", GeoAction::Ban)
    );
    assert_eq!(check("2001:db8::5060"), allowed_by("allow country:DE"));
    assert_eq!(check("198.18.0.1"), GeoVerdict::Unknown);
}
