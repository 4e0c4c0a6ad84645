//! Geofence rule text: every form parses to the target it names, and every mistake is refused
//! with a message that says what was expected.

use res_secast::lookups::geo::{GeoAction, GeoRule, GeoTarget, parse_rule};

fn deny(text: &str) -> GeoRule {
    parse_rule(false, text, GeoAction::Ban).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn refused(allow: bool, text: &str) -> String {
    parse_rule(allow, text, GeoAction::Ban)
        .map(|r| panic!("{text} parsed as {r:?}"))
        .unwrap_err()
}

#[test]
fn each_target_kind_parses_and_codes_are_upper_cased() {
    assert_eq!(
        deny("continent:eu").target,
        GeoTarget::Continent("EU".into())
    );
    assert_eq!(deny("Country:de").target, GeoTarget::Country("DE".into()));
    assert_eq!(
        deny("subdivision:us-ca").target,
        GeoTarget::Subdivision {
            country: "US".into(),
            code: "CA".into()
        }
    );
    assert_eq!(
        deny("region:DE-BY").target,
        GeoTarget::Subdivision {
            country: "DE".into(),
            code: "BY".into()
        }
    );
    assert_eq!(
        deny("city:us/San   Francisco").target,
        GeoTarget::City {
            country: "US".into(),
            name: "San Francisco".into()
        }
    );
}

#[test]
fn subdivision_may_be_named_and_names_keep_their_hyphens_and_spelling() {
    assert_eq!(
        deny("subdivision:DE-Baden-Württemberg").target,
        GeoTarget::Subdivision {
            country: "DE".into(),
            code: "Baden-Württemberg".into()
        }
    );
    assert_eq!(
        deny("subdivision:US-California").target,
        GeoTarget::Subdivision {
            country: "US".into(),
            code: "California".into()
        }
    );
}

#[test]
fn deny_rules_take_the_default_action_unless_they_name_one() {
    assert_eq!(
        parse_rule(false, "country:RU", GeoAction::Alert)
            .unwrap()
            .action,
        GeoAction::Alert
    );
    assert_eq!(deny("country:RU action=ban").action, GeoAction::Ban);
    assert_eq!(deny("country:RU action=ALERT").action, GeoAction::Alert);
    assert_eq!(
        deny("country:RU action=risk:40").action,
        GeoAction::Risk(40)
    );
    assert_eq!(
        deny("city:US/San Francisco action=risk:100").target,
        GeoTarget::City {
            country: "US".into(),
            name: "San Francisco".into()
        }
    );
}

#[test]
fn account_prefix_limits_a_rule_to_one_account() {
    let rule = parse_rule(true, "account=1001 country:FR", GeoAction::Ban).unwrap();
    assert!(rule.allow);
    assert_eq!(rule.account.as_deref(), Some("1001"));
    assert_eq!(rule.target, GeoTarget::Country("FR".into()));

    let rule = deny("account=alice@example continent:AS action=alert");
    assert_eq!(rule.account.as_deref(), Some("alice@example"));
    assert_eq!(rule.action, GeoAction::Alert);
    assert_eq!(deny("country:FR").account, None);
}

#[test]
fn displayed_rule_reads_back_as_the_same_rule() {
    for (allow, text, shown) in [
        (false, "country:ru", "deny country:RU action=ban"),
        (
            true,
            "account=1001 city:fr/paris",
            "allow account=1001 city:FR/paris",
        ),
        (
            false,
            "subdivision:us-ca action=risk:40",
            "deny subdivision:US-CA action=risk:40",
        ),
        (
            false,
            "continent:as action=alert",
            "deny continent:AS action=alert",
        ),
    ] {
        let rule = parse_rule(allow, text, GeoAction::Ban).unwrap();
        assert_eq!(rule.to_string(), shown);
        let body = shown.split_once(' ').unwrap().1;
        assert_eq!(parse_rule(allow, body, GeoAction::Ban).unwrap(), rule);
    }
}

#[test]
fn mistakes_are_refused_naming_what_was_expected() {
    for (allow, text, expected) in [
        (false, "", "expected a target"),
        (false, "DE", "expected continent:CODE, country:CODE"),
        (false, "planet:earth", "expected continent:, country:"),
        (
            false,
            "continent:XX",
            "expected one of AF AN AS EU NA OC SA",
        ),
        (
            false,
            "country:DEU",
            "expected a two-letter ISO 3166-1 country code",
        ),
        (false, "country:UK", "the United Kingdom is GB"),
        (
            false,
            "subdivision:CA",
            "expected COUNTRY-CODE such as US-CA",
        ),
        (false, "subdivision:USA-CA", "two-letter ISO 3166-1"),
        (
            false,
            "city:Paris",
            "expected COUNTRY/NAME such as US/San Francisco",
        ),
        (
            false,
            "country:RU action=kill",
            "expected ban, alert or risk:N",
        ),
        (
            false,
            "country:RU action=risk:0",
            "risk:N with N from 1 to 100",
        ),
        (
            false,
            "country:RU action=risk:101",
            "risk:N with N from 1 to 100",
        ),
        (
            true,
            "country:DE action=ban",
            "an allow rule takes no action=",
        ),
        (
            false,
            "account= country:FR",
            "expected an account name after account=",
        ),
        (false, "account=1001", "expected a target"),
    ] {
        let err = refused(allow, text);
        assert!(err.contains(expected), "{text:?}: {err}");
    }
}
