//! Small building blocks every stage uses: time, addresses typed by people, escaping of
//! untrusted text, durations, a lock-free histogram, the log sink, poison-tolerant locks.

pub mod asterisk_license_key;
pub mod duration;
pub mod escape;
pub mod histogram;
pub mod lock;
pub mod log;
pub mod net;
pub mod time;
