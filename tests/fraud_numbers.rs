//! Dialled strings become the digits prefix lists are matched against, read with the PBX's
//! dialling habits (`[calls] country`, `international_prefix`, `national_prefix`); anything
//! that is not a number is refused, whatever an attacker puts in it.

use res_secast::calls::dialling::MAX_DIGITS;
use res_secast::calls::{Dialling, Region};

/// Without a configured country: `+`, `00` and `011` start an international number.
fn norm(s: &str) -> Option<String> {
    Dialling::new(None, None, None).read(s).map(|n| n.digits)
}

fn in_country(country: &str, s: &str) -> Option<String> {
    Dialling::new(Region::country(country), None, None)
        .read(s)
        .map(|n| n.digits)
}

#[test]
fn international_prefixes_all_give_the_e164_digits() {
    for dialled in [
        "+44901234567",
        "0044901234567",
        "011 44 90 1234567",
        "+44 (90) 123-4567",
        "00.44.90.123.4567",
        "\t+44-90-1234567 ",
    ] {
        assert_eq!(norm(dialled).as_deref(), Some("44901234567"), "{dialled:?}");
    }
}

#[test]
fn national_numbers_of_an_unknown_country_are_kept_as_dialled_digits() {
    assert_eq!(norm("0900 123 456").as_deref(), Some("0900123456"));
    assert_eq!(norm("1-900-555-0100").as_deref(), Some("19005550100"));
    assert_eq!(norm("6001").as_deref(), Some("6001"));
    // An exit code alone is not stripped down to nothing.
    assert_eq!(norm("00").as_deref(), Some("00"));
}

#[test]
fn anything_but_digits_and_separators_is_refused() {
    for junk in [
        "",
        " ",
        "+",
        "()",
        "abc",
        "44a90",
        "*98#",
        "6001#",
        "123w456",
        "+44+90",
        "44+90",
        "0044\n90",
        "4490;",
        "sip:4490@example",
        "١٢٣",
        "4490\u{0}",
        "++4490",
    ] {
        assert_eq!(norm(junk), None, "{junk:?}");
    }
}

#[test]
fn lengths_are_capped() {
    let max = "1".repeat(MAX_DIGITS);
    assert_eq!(norm(&max).as_deref(), Some(max.as_str()));
    assert_eq!(norm(&format!("{max}1")), None);
    // A huge string is refused without being read.
    assert_eq!(norm(&" ".repeat(1 << 20)), None);
    assert_eq!(norm(&"9".repeat(1 << 20)), None);
}

#[test]
fn the_country_decides_what_011_means() {
    // In the US 011 is the exit code; in the UK 0113 is Leeds.
    assert_eq!(
        in_country("US", "011 44 113 496 0000").as_deref(),
        Some("441134960000")
    );
    assert_eq!(
        in_country("GB", "0113 496 0000").as_deref(),
        Some("441134960000")
    );
    // A national premium number is keyed by its E.164 form, however it is written.
    assert_eq!(
        in_country("GB", "0909 879 0000").as_deref(),
        Some("449098790000")
    );
    assert_eq!(
        in_country("GB", "+44 909 879 0000").as_deref(),
        Some("449098790000")
    );
    // Sites can name their own exit codes (Australia dials 0011); codes that are not digits
    // are ignored rather than trusted.
    let au = Dialling::new(
        Region::country("AU"),
        Some(&["0011".to_owned(), "+".to_owned()]),
        None,
    );
    assert_eq!(
        au.read("0011 44 90 1234567").map(|n| n.digits).as_deref(),
        Some("44901234567")
    );
    assert_eq!(au.exit_codes(), ["0011"]);
}
