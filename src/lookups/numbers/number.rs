//! Dialled strings to the digits that prefix lists are matched against.

/// Most digits in a normalised number. E.164 allows 15; the slack covers national numbers with
/// trunk and carrier-selection prefixes. Longer strings are not numbers anyone can call.
pub const MAX_DIGITS: usize = 32;

/// Longest dialled string looked at; beyond this it is refused unread (it is attacker-supplied).
const MAX_DIALLED_BYTES: usize = 128;

/// The international prefixes [`normalise_number`] removes: `00` (ITU, most of the world) and
/// `011` (North America).
pub const DEFAULT_EXIT_CODES: [&str; 2] = ["00", "011"];

/// The digits of a dialled number, with the international prefix removed so that `+4490…`,
/// `004490…` and `0114490…` all become `4490…`:
///
/// - spaces, tabs, `-`, `.`, `(` and `)` are dropped;
/// - a leading `+` marks the rest as an E.164 number;
/// - otherwise a leading `00` or `011` is removed (see [`normalise_number_with`] for other
///   exit codes, such as Australia's `0011`); a number without one (`0900123456`, `1900…`) is
///   returned as dialled, digits only;
/// - anything else (letters, `*`, `#`, a `+` after the start, non-ASCII digits) makes the
///   string no number: `None`. So do an empty result and more than [`MAX_DIGITS`] digits.
///
/// ```
/// use res_secast::lookups::numbers::normalise_number;
/// assert_eq!(normalise_number("+44 (90) 123-4567").as_deref(), Some("44901234567"));
/// assert_eq!(normalise_number("0044901234567").as_deref(), Some("44901234567"));
/// assert_eq!(normalise_number("011 44 90 1234567").as_deref(), Some("44901234567"));
/// assert_eq!(normalise_number("0900.123.456").as_deref(), Some("0900123456"));
/// assert_eq!(normalise_number("*98#"), None);
/// ```
///
/// Caution: in countries where national numbers start with `011` (UK area codes 0113–0118) the
/// default reads them as international; such sites should pass their own exit codes.
pub fn normalise_number(dialled: &str) -> Option<String> {
    normalise_number_with(dialled, &DEFAULT_EXIT_CODES)
}

/// [`normalise_number`] with the site's own international exit codes (digits only; the longest
/// that matches is removed, so `["0011", "00"]` reads `0011 44…` as `44…`). Codes with anything
/// but digits are ignored.
pub fn normalise_number_with(dialled: &str, exit_codes: &[&str]) -> Option<String> {
    if dialled.len() > MAX_DIALLED_BYTES {
        return None;
    }
    let mut digits = String::with_capacity(dialled.len());
    let mut international = false;
    for c in dialled.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '\t' | '-' | '.' | '(' | ')' => {}
            '+' if digits.is_empty() && !international => international = true,
            _ => return None,
        }
    }
    if !international {
        let exit = exit_codes
            .iter()
            .filter(|code| !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit()))
            .filter(|code| digits.len() > code.len() && digits.starts_with(**code))
            .max_by_key(|code| code.len());
        if let Some(code) = exit {
            digits.drain(..code.len());
        }
    }
    if digits.is_empty() || digits.len() > MAX_DIGITS {
        return None;
    }
    Some(digits)
}
