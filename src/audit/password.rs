//! The password rules: which ones a secret breaks. Applied while gathering, so that only the
//! verdict travels on; the secret itself is never kept, printed or logged.
//!
//! Rules: empty; shorter than `[audit] min_password_length` (12); equal to, or containing, the
//! user name or extension; digits only; on the list of the 10,000 most common passwords
//! (`data/common-passwords.txt`, compared lowercased). A PJSIP `md5_cred` cannot be measured,
//! so it is checked by hashing the guesses an attacker tries first (empty, the names, the
//! common list) the way the credential was made: md5(`user:realm:password`).

use std::collections::HashSet;
use std::sync::LazyLock;

use md5::{Digest, Md5};

use super::secret::Secret;
use crate::decision::Severity;

/// The 10,000 most common passwords (zxcvbn-ts, MIT; see `data/README.md`).
const COMMON_PASSWORDS: &str = include_str!("data/common-passwords.txt");

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
});

/// Names shorter than this are not looked for inside a password (a "1" is in everything).
const MIN_NAME_INSIDE: usize = 3;

/// One rule a password breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weakness {
    Empty,
    Common,
    SameAsName,
    DigitsOnly,
    ContainsName,
    Short,
}

impl Weakness {
    pub fn severity(self) -> Severity {
        match self {
            Weakness::Empty | Weakness::Common | Weakness::SameAsName => Severity::Critical,
            Weakness::DigitsOnly | Weakness::ContainsName | Weakness::Short => Severity::Warning,
        }
    }

    pub fn describe(self, min_length: usize) -> String {
        match self {
            Weakness::Empty => "is empty".to_owned(),
            Weakness::Common => "is on the list of the 10,000 most common passwords".to_owned(),
            Weakness::SameAsName => "equals the user name or extension".to_owned(),
            Weakness::DigitsOnly => "is digits only".to_owned(),
            Weakness::ContainsName => "contains the user name or extension".to_owned(),
            Weakness::Short => format!("is shorter than {min_length} characters"),
        }
    }
}

/// Which rules a secret breaks; nothing else about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    pub weaknesses: Vec<Weakness>,
    /// Judged from a hash (md5_cred): only guessable passwords can be found, not length.
    pub from_hash: bool,
}

impl Verdict {
    pub fn is_weak(&self) -> bool {
        !self.weaknesses.is_empty()
    }

    pub fn severity(&self) -> Option<Severity> {
        self.weaknesses.iter().map(|w| w.severity()).max()
    }

    /// "is empty", "is shorter than 12 characters and is digits only".
    pub fn describe(&self, min_length: usize) -> String {
        let parts: Vec<String> = self
            .weaknesses
            .iter()
            .map(|w| w.describe(min_length))
            .collect();
        parts.join(" and ")
    }
}

fn lower(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_lowercase()
}

/// The rules `secret` breaks, given the names an attacker would try (user name, extension,
/// object id). Names are compared without regard to case.
pub fn assess(secret: &Secret, names: &[&str], min_length: usize) -> Verdict {
    let bytes = secret.bytes();
    let mut weaknesses = Vec::new();
    if bytes.is_empty() {
        weaknesses.push(Weakness::Empty);
        return Verdict {
            weaknesses,
            from_hash: false,
        };
    }
    let text = lower(bytes);
    if COMMON.contains(text.as_str()) {
        weaknesses.push(Weakness::Common);
    }
    let names: Vec<String> = names
        .iter()
        .map(|n| n.trim().to_lowercase())
        .filter(|n| !n.is_empty())
        .collect();
    if names.contains(&text) {
        weaknesses.push(Weakness::SameAsName);
    } else if names
        .iter()
        .any(|n| n.chars().count() >= MIN_NAME_INSIDE && text.contains(n.as_str()))
    {
        weaknesses.push(Weakness::ContainsName);
    }
    if bytes.iter().all(u8::is_ascii_digit) {
        weaknesses.push(Weakness::DigitsOnly);
    }
    if text.chars().count() < min_length {
        weaknesses.push(Weakness::Short);
    }
    weaknesses.sort();
    Verdict {
        weaknesses,
        from_hash: false,
    }
}

/// `0123…ef` → 16 bytes; None if it is not 32 hex digits.
fn from_hex(text: &str) -> Option<[u8; 16]> {
    let text = text.trim().as_bytes();
    if text.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in text.chunks(2).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16);
        out[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(out)
}

/// The rules an `md5_cred` (md5 of `user:realm:password`, hex) is found to break by trying
/// the empty password, the names and the common list. The `user:realm:` part is hashed once
/// and each guess continues from there.
pub fn assess_md5(hash: &Secret, user: &str, realm: &str, names: &[&str]) -> Verdict {
    let mut verdict = Verdict {
        weaknesses: Vec::new(),
        from_hash: true,
    };
    let Some(wanted) = from_hex(&String::from_utf8_lossy(hash.bytes())) else {
        return verdict;
    };
    let mut prefix = Md5::new();
    prefix.update(user.as_bytes());
    prefix.update(b":");
    prefix.update(realm.as_bytes());
    prefix.update(b":");
    let hashes = |guess: &str| {
        let mut h = prefix.clone();
        h.update(guess.as_bytes());
        h.finalize().as_slice() == wanted
    };
    if hashes("") {
        verdict.weaknesses.push(Weakness::Empty);
    } else if names.iter().any(|n| !n.is_empty() && hashes(n)) {
        verdict.weaknesses.push(Weakness::SameAsName);
    } else if COMMON_PASSWORDS.lines().any(|p| hashes(p.trim())) {
        verdict.weaknesses.push(Weakness::Common);
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> Secret {
        Secret::new(s.as_bytes().to_vec())
    }

    fn rules(s: &str, names: &[&str]) -> Vec<Weakness> {
        assess(&secret(s), names, 12).weaknesses
    }

    #[test]
    fn the_list_holds_ten_thousand_lowercase_passwords() {
        assert_eq!(COMMON.len(), 10_000);
        assert!(COMMON.contains("123456") && COMMON.contains("password"));
    }

    #[test]
    fn each_rule_has_a_breaking_and_a_passing_password() {
        assert_eq!(rules("", &["1001"]), vec![Weakness::Empty]);
        assert!(rules("Correct-Horse-Battery-9", &["1001"]).is_empty());
        assert!(rules("PASSWORD", &[]).contains(&Weakness::Common));
        assert!(rules("1001", &["1001"]).contains(&Weakness::SameAsName));
        assert!(rules("Sandbox-1001-pw", &["1001"]).contains(&Weakness::ContainsName));
        assert!(!rules("Sandbox-1001-pw", &["2002"]).contains(&Weakness::ContainsName));
        assert!(rules("123456789012345", &[]).contains(&Weakness::DigitsOnly));
        assert!(!rules("12345678901a2345", &[]).contains(&Weakness::DigitsOnly));
        assert!(rules("Tr0ub4dor&3", &[]).contains(&Weakness::Short));
        assert!(!rules("Tr0ub4dor&3xy", &[]).contains(&Weakness::Short));
        // A one-character name is not looked for inside passwords.
        assert!(rules("Correct-Horse-Battery-9", &["9"]).is_empty());
    }

    #[test]
    fn severity_is_the_worst_rule_broken() {
        let v = assess(&secret("1001"), &["1001"], 12);
        assert_eq!(v.severity(), Some(Severity::Critical));
        let v = assess(&secret("Tr0ub4dor&3"), &[], 12);
        assert_eq!(v.severity(), Some(Severity::Warning));
        assert_eq!(v.describe(12), "is shorter than 12 characters");
    }

    fn md5_hex(input: &str) -> String {
        Md5::digest(input.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn md5_credentials_are_checked_by_guessing() {
        let cred = |pw: &str| secret(&md5_hex(&format!("md5user:asterisk:{pw}")));
        let v = assess_md5(&cred("dragon"), "md5user", "asterisk", &["md5user"]);
        assert_eq!(v.weaknesses, vec![Weakness::Common]);
        let v = assess_md5(&cred("md5user"), "md5user", "asterisk", &["md5user"]);
        assert_eq!(v.weaknesses, vec![Weakness::SameAsName]);
        let v = assess_md5(&cred("Wh0-Would-Guess-This"), "md5user", "asterisk", &[]);
        assert!(!v.is_weak());
        assert!(v.from_hash);
        let upper = secret(&md5_hex("md5user:asterisk:dragon").to_uppercase());
        assert!(assess_md5(&upper, "md5user", "asterisk", &[]).is_weak());
        assert!(!assess_md5(&secret("not hex"), "md5user", "asterisk", &[]).is_weak());
    }
}
