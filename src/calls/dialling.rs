//! A dialled number, in the form the dialplan has it, to E.164: the PBX's country decides what
//! its international (exit) and national (trunk) prefixes are, so `0113 496 0000` is a Leeds
//! number in the UK, while `011 44 113 496 0000` is the same number dialled from the US.

use super::countries::{self, Region};

/// Most digits a dialled string may have; E.164 allows 15, the rest is room for prefixes.
pub const MAX_DIGITS: usize = 32;
/// Longest dialled text looked at; beyond it the (attacker-supplied) text is refused unread.
const MAX_DIALLED_BYTES: usize = 128;
/// Shortest national number placed in the home country; shorter ones are extensions and
/// service codes (112, 911, 1002), dialled inside the PBX or the country.
const MIN_NATIONAL_DIGITS: usize = 6;
/// The exit codes tried when the PBX's country is not configured: ITU's `00` and NANP's `011`.
pub const UNKNOWN_COUNTRY_EXIT_CODES: [&str; 2] = ["00", "011"];

/// The PBX's dialling habits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialling {
    home: Option<Region>,
    home_code: Option<&'static str>,
    exit_codes: Vec<String>,
    trunk: Option<String>,
}

/// A dialled number as understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    /// E.164 digits without `+` when `e164`; otherwise the dialled digits (a local or short
    /// number whose country code cannot be known).
    pub digits: String,
    pub e164: bool,
    /// Where it rings, when known (E.164 numbers; a local number of a known home country).
    pub region: Option<Region>,
}

fn digits_only(prefix: &str) -> bool {
    !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit())
}

impl Dialling {
    /// `country` the PBX's (None: unknown); `exit_codes`/`trunk` None take the country's
    /// defaults. Prefixes that are not digits are ignored.
    pub fn new(
        country: Option<Region>,
        exit_codes: Option<&[String]>,
        trunk: Option<Option<&str>>,
    ) -> Dialling {
        let (default_exit, default_trunk): (&[&str], Option<&str>) = match country {
            Some(c) => countries::dialling_defaults(c),
            None => (&UNKNOWN_COUNTRY_EXIT_CODES, None),
        };
        let mut exit_codes: Vec<String> = match exit_codes {
            Some(codes) => codes.iter().filter(|c| digits_only(c)).cloned().collect(),
            None => default_exit.iter().map(|s| (*s).to_owned()).collect(),
        };
        // Longest first: `0011` before `00`.
        exit_codes.sort_by_key(|c| std::cmp::Reverse(c.len()));
        let trunk = match trunk {
            Some(t) => t.filter(|t| digits_only(t)).map(str::to_owned),
            None => default_trunk.map(str::to_owned),
        };
        Dialling {
            home: country,
            home_code: country.and_then(countries::code_of),
            exit_codes,
            trunk,
        }
    }

    pub fn home(&self) -> Option<Region> {
        self.home
    }

    pub fn exit_codes(&self) -> &[String] {
        &self.exit_codes
    }

    pub fn trunk(&self) -> Option<&str> {
        self.trunk.as_deref()
    }

    /// The dialled text as a number: spaces, `-`, `.`, `(` and `)` are ignored and a leading
    /// `+` marks E.164. None for anything else (letters, `*`, `#`), for nothing at all, and for
    /// more than [`MAX_DIGITS`] digits.
    pub fn read(&self, dialled: &str) -> Option<Number> {
        if dialled.len() > MAX_DIALLED_BYTES {
            return None;
        }
        // "+44 (0)20 …": the bracketed trunk prefix is written for national callers only.
        let written = dialled.trim_start();
        let cleaned;
        let dialled = if written.starts_with('+') && written.contains("(0)") {
            cleaned = written.replacen("(0)", "", 1);
            cleaned.as_str()
        } else {
            dialled
        };
        let mut digits = String::with_capacity(dialled.len());
        let mut plus = false;
        for c in dialled.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '\t' | '-' | '.' | '(' | ')' => {}
                '+' if digits.is_empty() && !plus => plus = true,
                _ => return None,
            }
        }
        if digits.is_empty() || digits.len() > MAX_DIGITS {
            return None;
        }
        if plus {
            return Some(self.international(digits));
        }
        if let Some(code) = self
            .exit_codes
            .iter()
            .find(|c| digits.len() > c.len() && digits.starts_with(c.as_str()))
        {
            return Some(self.international(digits[code.len()..].to_owned()));
        }
        Some(self.national(digits))
    }

    fn international(&self, digits: String) -> Number {
        let region = countries::region_of(&digits).map(|(_, r)| r);
        Number {
            digits,
            e164: true,
            region,
        }
    }

    fn national(&self, digits: String) -> Number {
        let local = |digits: String| Number {
            digits,
            e164: false,
            region: self.home,
        };
        let (Some(home), Some(code)) = (self.home, self.home_code) else {
            return Number {
                digits,
                e164: false,
                region: None,
            };
        };
        let subscriber = if countries::is_nanp(home) {
            // NXX-NXX-XXXX with or without the leading 1; seven-digit local numbers and
            // N11 service codes have no area code to place them.
            let trunked = self.trunk.as_deref().and_then(|t| digits.strip_prefix(t));
            match (digits.len(), trunked) {
                (11, Some(rest)) if rest.len() == 10 => Some(rest.to_owned()),
                (10, _) if !digits.starts_with(['0', '1']) => Some(digits.clone()),
                _ => None,
            }
        } else {
            match self.trunk.as_deref() {
                Some(t) => digits
                    .strip_prefix(t)
                    .filter(|rest| rest.len() + t.len() >= MIN_NATIONAL_DIGITS)
                    .map(str::to_owned),
                None => (digits.len() >= MIN_NATIONAL_DIGITS).then(|| digits.clone()),
            }
        };
        match subscriber {
            // The country code must not carry it past what a written number may hold:
            // `+<that>` would be refused, so the same number must not be E.164 here (fuzzing).
            Some(rest) if code.len() + rest.len() <= MAX_DIGITS => {
                self.international(format!("{code}{rest}"))
            }
            _ => local(digits),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialling(country: &str) -> Dialling {
        Dialling::new(Region::country(country), None, None)
    }

    fn e164(d: &Dialling, dialled: &str) -> Option<String> {
        d.read(dialled).filter(|n| n.e164).map(|n| n.digits)
    }

    fn region(d: &Dialling, dialled: &str) -> String {
        d.read(dialled)
            .and_then(|n| n.region)
            .map(|r| r.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn united_states_dialling_habits() {
        let us = dialling("US");
        assert_eq!(
            e164(&us, "011442071234567").as_deref(),
            Some("442071234567")
        );
        assert_eq!(e164(&us, "212-555-1234").as_deref(), Some("12125551234"));
        assert_eq!(
            e164(&us, "1 (212) 555-1234").as_deref(),
            Some("12125551234")
        );
        assert_eq!(e164(&us, "+1 876 555 1234").as_deref(), Some("18765551234"));
        assert_eq!(region(&us, "18765551234"), "JM");
        assert_eq!(region(&us, "2845551234"), "VG");
        // Seven-digit local numbers and N11 codes stay local, in the US.
        let local = us.read("5551234").unwrap();
        assert!(!local.e164);
        assert_eq!(local.region, Region::country("US"));
        assert_eq!(e164(&us, "911"), None);
    }

    #[test]
    fn british_dialling_habits() {
        let gb = dialling("GB");
        assert_eq!(e164(&gb, "00442071234567").as_deref(), Some("442071234567"));
        assert_eq!(e164(&gb, "020 7123 4567").as_deref(), Some("442071234567"));
        // Leeds: 0113 is national in the UK, never the NANP exit code.
        assert_eq!(e164(&gb, "0113 496 0000").as_deref(), Some("441134960000"));
        assert_eq!(region(&gb, "0113 496 0000"), "GB");
        assert_eq!(
            e164(&gb, "00 1 876 555 1234").as_deref(),
            Some("18765551234")
        );
        assert_eq!(e164(&gb, "999"), None);
    }

    #[test]
    fn german_dialling_habits() {
        let de = dialling("DE");
        assert_eq!(e164(&de, "0049 30 123456").as_deref(), Some("4930123456"));
        assert_eq!(e164(&de, "030 123456").as_deref(), Some("4930123456"));
        assert_eq!(e164(&de, "0043 1 5880").as_deref(), Some("4315880"));
        assert_eq!(region(&de, "0043 1 5880"), "AT");
        assert_eq!(e164(&de, "110"), None);
    }

    #[test]
    fn french_dialling_habits() {
        let fr = dialling("FR");
        assert_eq!(e164(&fr, "01 42 68 53 00").as_deref(), Some("33142685300"));
        assert_eq!(
            e164(&fr, "0033 1 42 68 53 00").as_deref(),
            Some("33142685300")
        );
        assert_eq!(
            e164(&fr, "+33 (0)1 42 68 53 00").as_deref(),
            Some("33142685300")
        );
        assert_eq!(e164(&fr, "00 882 16 1234").as_deref(), Some("882161234"));
        assert_eq!(region(&fr, "00 882 16 1234"), "+882");
    }

    #[test]
    fn countries_without_trunk_prefix_and_unknown_countries() {
        let it = dialling("IT");
        assert_eq!(e164(&it, "06 6982").as_deref(), Some("39066982"));
        let unknown = Dialling::new(None, None, None);
        assert_eq!(
            e164(&unknown, "011 44 20 7123 4567").as_deref(),
            Some("442071234567")
        );
        assert_eq!(
            e164(&unknown, "0044 20 7123 4567").as_deref(),
            Some("442071234567")
        );
        let n = unknown.read("0900 123456").unwrap();
        assert_eq!(
            (n.digits.as_str(), n.e164, n.region),
            ("0900123456", false, None)
        );
        let au = Dialling::new(None, Some(&["0011".to_owned(), "x".to_owned()]), None);
        assert_eq!(e164(&au, "0011 44 20").as_deref(), Some("4420"));
    }

    #[test]
    fn things_that_are_not_numbers() {
        let us = dialling("US");
        for s in ["*98#", "", "+", "1+2", "abc", "٣٣"] {
            assert_eq!(us.read(s), None, "{s}");
        }
        assert_eq!(us.read(&"1".repeat(33)), None);
        assert_eq!(us.read(&"1".repeat(200)), None);
    }

    #[test]
    fn a_national_number_too_long_with_its_country_code_stays_as_dialled() {
        // Found by fuzz/dialling: 31 national digits became 33 "E.164" digits, which the same
        // number written with + (refused past MAX_DIGITS) could never match.
        let au = dialling("AU");
        let dialled = format!("0{}", "1".repeat(MAX_DIGITS - 1));
        let n = au.read(&dialled).unwrap();
        assert!(!n.e164 && n.digits.len() <= MAX_DIGITS, "{n:?}");
        let fits = format!("0{}", "1".repeat(MAX_DIGITS - 2));
        let n = au.read(&fits).unwrap();
        assert!(n.e164 && n.digits.len() == MAX_DIGITS, "{n:?}");
        assert_eq!(au.read(&format!("+{}", n.digits)), Some(n));
    }
}
