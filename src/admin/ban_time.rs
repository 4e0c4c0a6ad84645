//! How long a ban has left, as the ban list and the ip page show it.

use std::time::Duration;

use crate::decision::Ban;
use crate::util::duration;
use crate::util::time::Millis;

/// `59m50s left`, or `permanent`.
pub(super) fn remaining(b: &Ban, now: Millis) -> String {
    match b.until {
        None => "permanent".to_owned(),
        Some(u) => {
            let secs = ((u - now).max(0) + 999) / 1000;
            format!(
                "{} left",
                duration::format_left(Duration::from_secs(secs as u64))
            )
        }
    }
}
