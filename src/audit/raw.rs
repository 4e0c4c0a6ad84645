//! What the host copies out of Asterisk for the audit, before it is typed: sections of a
//! config file as Asterisk parsed it (`#include` and templates resolved), or the fields of a
//! sorcery object. Values of secret keys arrive as [`Secret`], never as text.

use std::collections::BTreeMap;

use super::finding::Place;
use super::secret::Secret;

/// Keys whose values are passwords or secrets in the files and objects the audit reads:
/// `secret` (manager.conf, iax.conf, users.conf), `password` (PJSIP auth and TLS key, ARI),
/// PJSIP's `md5_cred`, `password_digest`, `oauth_secret` and `refresh_token`.
pub fn is_secret_key(key: &str) -> bool {
    const SECRET_KEYS: [&str; 6] = [
        "secret",
        "password",
        "md5_cred",
        "password_digest",
        "oauth_secret",
        "refresh_token",
    ];
    SECRET_KEYS
        .iter()
        .any(|k| k.eq_ignore_ascii_case(key.trim()))
}

#[derive(Debug)]
pub enum RawValue {
    Text(String),
    Secret(Secret),
}

#[derive(Debug)]
pub struct RawVar {
    pub key: String,
    pub value: RawValue,
    /// The file the line is in; empty for the file that was loaded itself.
    pub file: String,
    pub line: u32,
}

impl RawVar {
    /// A variable, its value a [`Secret`] when the key names one.
    pub fn new(key: &str, value: &[u8], file: &str, line: u32) -> RawVar {
        let value = if is_secret_key(key) {
            RawValue::Secret(Secret::new(value.to_vec()))
        } else {
            RawValue::Text(String::from_utf8_lossy(value).into_owned())
        };
        RawVar {
            key: key.to_owned(),
            value,
            file: file.to_owned(),
            line,
        }
    }

    pub fn text(&self) -> Option<&str> {
        match &self.value {
            RawValue::Text(t) => Some(t),
            RawValue::Secret(_) => None,
        }
    }
}

/// A section of a config file, or a sorcery object (its id as the name, no file).
/// Inherited template keys come first, as Asterisk lists them; a key's last value is the one
/// in force.
#[derive(Debug, Default)]
pub struct RawSection {
    pub name: String,
    pub vars: Vec<RawVar>,
}

impl RawSection {
    pub fn new(name: &str) -> RawSection {
        RawSection {
            name: name.to_owned(),
            vars: Vec::new(),
        }
    }

    /// Adds one variable (builder style, for tests and fixtures).
    pub fn with(mut self, key: &str, value: &str) -> RawSection {
        self.vars.push(RawVar::new(key, value.as_bytes(), "", 0));
        self
    }

    /// The value in force: the last line with this key (any case).
    pub fn last(&self, key: &str) -> Option<&str> {
        self.vars
            .iter()
            .rev()
            .find(|v| v.key.eq_ignore_ascii_case(key))
            .and_then(RawVar::text)
    }

    /// Every value of a key that accumulates (`permit`, `deny`, `match`), in order.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.vars
            .iter()
            .filter(move |v| v.key.eq_ignore_ascii_case(key))
            .filter_map(RawVar::text)
    }

    /// The secret in force for `key`, if the key is present.
    pub fn secret(&self, key: &str) -> Option<&Secret> {
        self.vars
            .iter()
            .rev()
            .find(|v| v.key.eq_ignore_ascii_case(key))
            .and_then(|v| match &v.value {
                RawValue::Secret(s) => Some(s),
                RawValue::Text(_) => None,
            })
    }

    pub fn has(&self, key: &str) -> bool {
        self.vars.iter().any(|v| v.key.eq_ignore_ascii_case(key))
    }

    /// Where each key's value in force was written, and where the section starts.
    pub fn lines(&self, default_file: &str) -> Lines {
        let mut keys = BTreeMap::new();
        for v in &self.vars {
            let file = if v.file.is_empty() {
                default_file
            } else {
                &v.file
            };
            keys.insert(v.key.to_ascii_lowercase(), (file.to_owned(), v.line));
        }
        let last_file = self.vars.last().map(|v| {
            if v.file.is_empty() {
                default_file.to_owned()
            } else {
                v.file.clone()
            }
        });
        Lines {
            section: self.name.clone(),
            default_file: default_file.to_owned(),
            keys,
            last_file,
        }
    }
}

/// Where a section's keys are, for pointing findings at lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lines {
    pub section: String,
    pub default_file: String,
    keys: BTreeMap<String, (String, u32)>,
    /// The file of the section's last line.
    last_file: Option<String>,
}

impl Lines {
    /// A place for the section, with the key's file and line when it was written (the
    /// section's own place when the key is not set).
    pub fn place(&self, key: &str) -> Place {
        match self.keys.get(&key.to_ascii_lowercase()) {
            Some((file, line)) => Place::new(file, &self.section).key(key).line(Some(*line)),
            None => self.section_place().key(key),
        }
    }

    /// A place for the section itself: the file its own keys are in (inherited template keys
    /// come first, the section's own last) and the first line there.
    pub fn section_place(&self) -> Place {
        let Some(file) = self.last_file.as_ref() else {
            return Place::new(&self.default_file, &self.section);
        };
        let first = self
            .keys
            .values()
            .filter(|(f, l)| f == file && *l > 0)
            .map(|(_, l)| *l)
            .min();
        Place::new(file, &self.section).line(first)
    }
}

/// A config file as Asterisk's parser gave it.
#[derive(Debug)]
pub enum RawFile {
    Sections(Vec<RawSection>),
    Missing,
    Invalid,
}

impl RawFile {
    pub fn sections(&self) -> &[RawSection] {
        match self {
            RawFile::Sections(s) => s,
            _ => &[],
        }
    }

    pub fn section(&self, name: &str) -> Option<&RawSection> {
        self.sections()
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    pub fn is_present(&self) -> bool {
        matches!(self, RawFile::Sections(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_value_of_a_key_is_in_force_and_secrets_are_not_text() {
        let s = RawSection::new("monitor")
            .with("read", "system,call,security")
            .with("secret", "1234")
            .with("read", "call");
        assert_eq!(s.last("read"), Some("call"));
        assert_eq!(s.last("secret"), None);
        assert!(s.secret("secret").is_some());
        assert_eq!(s.all("read").count(), 2);
        assert!(!format!("{s:?}").contains("1234"));
    }
}
