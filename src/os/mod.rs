//! What res_secast asks of the operating system directly (beyond the firewall's netlink):
//! the host's own interface addresses, and waiting on several descriptors at once (the
//! cluster's Redis link).

pub mod interfaces;
pub mod poll;
