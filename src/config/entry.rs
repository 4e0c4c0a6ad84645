//! One `key = value` line as Asterisk's config parser delivered it.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    pub section: String,
    pub key: String,
    pub value: String,
    pub file: String,
    pub line: u32,
}

impl ConfigEntry {
    pub fn new(section: &str, key: &str, value: &str) -> ConfigEntry {
        ConfigEntry {
            section: section.to_owned(),
            key: key.to_owned(),
            value: value.to_owned(),
            file: "secast.conf".to_owned(),
            line: 0,
        }
    }
}
