//! What a key definition is: where the key lives, how its value is parsed, and how the
//! previous value is kept when a line is bad. Each section's file lists its own keys with
//! [`key!`] and [`list_key`]; `config/mod.rs` assembles them into [`super::KEYS`].

use super::Config;

pub(super) type Setter = fn(&mut Config, &str) -> Result<(), String>;
pub(super) type Keeper = fn(&mut Config, &Config) -> String;
/// A key of a named section: also told the section's name (`international` for
/// `[calls-international]`).
pub(super) type NamedSetter = fn(&mut Config, &str, &str) -> Result<(), String>;
pub(super) type NamedKeeper = fn(&mut Config, &Config, &str) -> String;

/// How a key's value is stored.
pub(super) enum Set {
    Plain(Setter),
    Named(NamedSetter),
}

/// How a key keeps its previous value when its line is bad.
pub(super) enum Keep {
    Plain(Keeper),
    Named(NamedKeeper),
}

/// One documented key. `section` is a fixed section name (`general`), or a family of named,
/// repeatable sections written with a trailing `*`: `calls-*` is every `[calls-NAME]`.
pub struct KeyDef {
    pub section: &'static str,
    pub name: &'static str,
    pub(super) set: Set,
    pub(super) keep: Keep,
}

impl KeyDef {
    /// Whether `section` (as written in the file) is this key's: `Some("")` for a fixed
    /// section, `Some(NAME)` for a named one, None otherwise. Names are matched in any case;
    /// a named section needs a name (`[calls-]` is no section of the family).
    pub fn instance<'a>(&self, section: &'a str) -> Option<&'a str> {
        match self.section.strip_suffix('*') {
            None => self.section.eq_ignore_ascii_case(section).then_some(""),
            Some(prefix) => {
                let head = section.get(..prefix.len())?;
                let name = &section[prefix.len()..];
                (head.eq_ignore_ascii_case(prefix) && !name.trim().is_empty()).then_some(name)
            }
        }
    }

    /// Stores `value`; the error is what was expected.
    pub(super) fn apply(
        &self,
        cfg: &mut Config,
        instance: &str,
        value: &str,
    ) -> Result<(), String> {
        match self.set {
            Set::Plain(set) => set(cfg, value),
            Set::Named(set) => set(cfg, instance, value),
        }
    }

    /// Puts back the previous value; returns how it is named in the warning.
    pub(super) fn keep_previous(
        &self,
        cfg: &mut Config,
        previous: &Config,
        instance: &str,
    ) -> String {
        match self.keep {
            Keep::Plain(keep) => keep(cfg, previous),
            Keep::Named(keep) => keep(cfg, previous, instance),
        }
    }
}

/// `key!(section, name, field.path, parser)`: a single-valued key stored at `field.path`.
macro_rules! key {
    ($section:literal, $name:literal, $($field:ident).+, $parse:expr) => {
        $crate::config::keys::KeyDef {
            section: $section,
            name: $name,
            set: $crate::config::keys::Set::Plain(|c, v| {
                c.$($field).+ = $parse(v)?;
                Ok(())
            }),
            keep: $crate::config::keys::Keep::Plain(|c, prev| {
                c.$($field).+ = prev.$($field).+.clone();
                $crate::config::values::ShowValue::show(&prev.$($field).+)
            }),
        }
    };
}
pub(super) use key;

/// A repeatable key: each line adds one item; a bad line is skipped, the others stay.
pub(super) fn list_key(section: &'static str, name: &'static str, set: Setter) -> KeyDef {
    KeyDef {
        section,
        name,
        set: Set::Plain(set),
        keep: Keep::Plain(|_, _| "the other lines".to_owned()),
    }
}
