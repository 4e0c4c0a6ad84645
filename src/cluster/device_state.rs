//! Asterisk's device states (`enum ast_device_state`), whose numbers are fixed because they
//! travel between servers. A state read from Redis is checked to be one of these before it
//! goes anywhere near Asterisk, which indexes tables with it unchecked.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceState {
    Unknown = 0,
    NotInUse = 1,
    InUse = 2,
    Busy = 3,
    Invalid = 4,
    Unavailable = 5,
    Ringing = 6,
    RingInUse = 7,
    OnHold = 8,
}

impl DeviceState {
    const ALL: [DeviceState; 9] = [
        DeviceState::Unknown,
        DeviceState::NotInUse,
        DeviceState::InUse,
        DeviceState::Busy,
        DeviceState::Invalid,
        DeviceState::Unavailable,
        DeviceState::Ringing,
        DeviceState::RingInUse,
        DeviceState::OnHold,
    ];

    pub fn from_code(code: i64) -> Option<DeviceState> {
        usize::try_from(code)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
    }

    pub fn code(self) -> u8 {
        self as u8
    }

    /// As `DEVICE_STATE()` names it.
    pub fn name(self) -> &'static str {
        match self {
            DeviceState::Unknown => "UNKNOWN",
            DeviceState::NotInUse => "NOT_INUSE",
            DeviceState::InUse => "INUSE",
            DeviceState::Busy => "BUSY",
            DeviceState::Invalid => "INVALID",
            DeviceState::Unavailable => "UNAVAILABLE",
            DeviceState::Ringing => "RINGING",
            DeviceState::RingInUse => "RINGINUSE",
            DeviceState::OnHold => "ONHOLD",
        }
    }
}

impl fmt::Display for DeviceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A device name another server may set here: `PJSIP/1001`, `Custom:lamp1`. Printable ASCII
/// without spaces, 1 to 128 bytes (Asterisk asserts on an empty one).
pub fn valid_device(name: &str) -> bool {
    (1..=128).contains(&name.len()) && name.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_asterisks_nine_states_are_accepted() {
        assert_eq!(DeviceState::from_code(2), Some(DeviceState::InUse));
        assert_eq!(DeviceState::from_code(8), Some(DeviceState::OnHold));
        assert_eq!(DeviceState::from_code(9), None);
        assert_eq!(DeviceState::from_code(-1), None);
        assert_eq!(DeviceState::InUse.name(), "INUSE");
    }

    #[test]
    fn device_names_are_short_printable_words() {
        assert!(valid_device("PJSIP/1001"));
        assert!(valid_device("Custom:lamp-1"));
        assert!(!valid_device(""));
        assert!(!valid_device("PJSIP/10 01"));
        assert!(!valid_device("PJSIP/1001\n"));
        assert!(!valid_device(&"x".repeat(129)));
    }
}
