//! Dialled strings become the digits prefix lists are matched against; anything that is not a
//! number is refused, whatever an attacker puts in it.

use res_secast::lookups::numbers::{MAX_DIGITS, normalise_number, normalise_number_with};

fn norm(s: &str) -> Option<String> {
    normalise_number(s)
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
fn national_numbers_are_kept_as_dialled_digits() {
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
    // The exit code does not count against the cap.
    assert_eq!(norm(&format!("011{max}")).as_deref(), Some(max.as_str()));
    // A huge string is refused without being read.
    assert_eq!(norm(&" ".repeat(1 << 20)), None);
    assert_eq!(norm(&"9".repeat(1 << 20)), None);
}

#[test]
fn sites_can_name_their_own_exit_codes() {
    // Australia dials 0011; the longest matching code is the one removed.
    let au = ["0011", "00"];
    assert_eq!(
        normalise_number_with("0011 44 90 1234567", &au).as_deref(),
        Some("44901234567")
    );
    // The UK keeps 0113 as a Leeds number when 011 is not an exit code.
    assert_eq!(
        normalise_number_with("0113 496 0000", &["00"]).as_deref(),
        Some("01134960000")
    );
    assert_eq!(
        normalise_number("0113 496 0000").as_deref(),
        Some("34960000")
    );
    // Codes that are not digits are ignored rather than trusted.
    assert_eq!(
        normalise_number_with("+4490", &["", "+"]).as_deref(),
        Some("4490")
    );
    assert_eq!(
        normalise_number_with("004490", &[]).as_deref(),
        Some("004490")
    );
}
