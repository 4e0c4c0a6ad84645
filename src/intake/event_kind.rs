//! The 15 security event types Asterisk raises, as numbered and named by Asterisk.

use std::fmt;

/// The 15 event types of Asterisk's security event framework, numbered as in
/// `enum ast_security_event_type` (security_events_defs.h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum EventKind {
    FailedAcl = 0,
    InvalidAccountId = 1,
    SessionLimit = 2,
    MemoryLimit = 3,
    LoadAverageLimit = 4,
    RequestNotSupported = 5,
    RequestNotAllowed = 6,
    AuthMethodNotAllowed = 7,
    RequestBadFormat = 8,
    SuccessfulAuth = 9,
    UnexpectedAddress = 10,
    ChallengeResponseFailed = 11,
    InvalidPassword = 12,
    ChallengeSent = 13,
    InvalidTransport = 14,
}

impl EventKind {
    pub const COUNT: usize = 15;

    pub const ALL: [EventKind; Self::COUNT] = [
        EventKind::FailedAcl,
        EventKind::InvalidAccountId,
        EventKind::SessionLimit,
        EventKind::MemoryLimit,
        EventKind::LoadAverageLimit,
        EventKind::RequestNotSupported,
        EventKind::RequestNotAllowed,
        EventKind::AuthMethodNotAllowed,
        EventKind::RequestBadFormat,
        EventKind::SuccessfulAuth,
        EventKind::UnexpectedAddress,
        EventKind::ChallengeResponseFailed,
        EventKind::InvalidPassword,
        EventKind::ChallengeSent,
        EventKind::InvalidTransport,
    ];

    pub fn from_number(n: i64) -> Option<EventKind> {
        usize::try_from(n)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The name Asterisk uses for the event in its security log and AMI.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::FailedAcl => "FailedACL",
            EventKind::InvalidAccountId => "InvalidAccountID",
            EventKind::SessionLimit => "SessionLimit",
            EventKind::MemoryLimit => "MemoryLimit",
            EventKind::LoadAverageLimit => "LoadAverageLimit",
            EventKind::RequestNotSupported => "RequestNotSupported",
            EventKind::RequestNotAllowed => "RequestNotAllowed",
            EventKind::AuthMethodNotAllowed => "AuthMethodNotAllowed",
            EventKind::RequestBadFormat => "RequestBadFormat",
            EventKind::SuccessfulAuth => "SuccessfulAuth",
            EventKind::UnexpectedAddress => "UnexpectedAddress",
            EventKind::ChallengeResponseFailed => "ChallengeResponseFailed",
            EventKind::InvalidPassword => "InvalidPassword",
            EventKind::ChallengeSent => "ChallengeSent",
            EventKind::InvalidTransport => "InvalidTransport",
        }
    }

    pub fn from_name(name: &str) -> Option<EventKind> {
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
