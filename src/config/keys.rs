//! What a key definition is: where the key lives, how its value is parsed, and how the
//! previous value is kept when a line is bad. Each section's file lists its own keys with
//! [`key!`] and [`list_key`]; `config/mod.rs` assembles them into [`super::KEYS`].

use super::Config;

pub(super) type Setter = fn(&mut Config, &str) -> Result<(), String>;
pub(super) type Keeper = fn(&mut Config, &Config) -> String;

/// One documented key.
pub struct KeyDef {
    pub section: &'static str,
    pub name: &'static str,
    pub(super) set: Setter,
    pub(super) keep: Keeper,
    /// A password, or a value that may hold one (a URL): never repeated in a log line.
    pub secret: bool,
}

/// Marks a key whose value must never be repeated in a log line.
pub(super) fn secret(def: KeyDef) -> KeyDef {
    KeyDef {
        secret: true,
        ..def
    }
}

/// `key!(section, name, field.path, parser)`: a single-valued key stored at `field.path`.
macro_rules! key {
    ($section:literal, $name:literal, $($field:ident).+, $parse:expr) => {
        $crate::config::keys::KeyDef {
            section: $section,
            name: $name,
            set: |c, v| {
                c.$($field).+ = $parse(v)?;
                Ok(())
            },
            keep: |c, prev| {
                c.$($field).+ = prev.$($field).+.clone();
                $crate::config::values::ShowValue::show(&prev.$($field).+)
            },
            secret: false,
        }
    };
}
pub(super) use key;

/// A repeatable key: each line adds one item; a bad line is skipped, the others stay.
pub(super) fn list_key(section: &'static str, name: &'static str, set: Setter) -> KeyDef {
    KeyDef {
        section,
        name,
        set,
        keep: |_, _| "the other lines".to_owned(),
        secret: false,
    }
}
