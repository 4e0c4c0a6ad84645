//! Attacker-controlled strings reach logs and the CLI only escaped and bounded.

use res_secast::util::escape::{LOG_FIELD_MAX, for_log, untrusted};

#[test]
fn control_characters_and_quotes_are_escaped() {
    assert_eq!(for_log("1001"), "1001");
    assert_eq!(for_log("a\nb"), "a\\x0ab");
    assert_eq!(for_log("\x1b[31mred"), "\\x1b[31mred");
    assert_eq!(for_log("say \"hi\"\\"), "say \\\"hi\\\"\\\\");
    assert_eq!(
        for_log("%s%n%x"),
        "%s%n%x",
        "percent signs are data: the format is always constant"
    );
    assert_eq!(untrusted(b"\x00\xff", 10), "\\x00\\xff");
}

#[test]
fn non_ascii_is_escaped_bytewise() {
    assert_eq!(for_log("é"), "\\xc3\\xa9");
}

#[test]
fn long_values_are_cut_with_a_marker() {
    let long = "A".repeat(1000);
    let shown = for_log(&long);
    assert!(shown.starts_with(&"A".repeat(LOG_FIELD_MAX)));
    assert!(shown.ends_with("...(+936 bytes)"), "{shown}");
}
