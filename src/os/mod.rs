//! What res_secast asks of the operating system directly (beyond the firewall's netlink):
//! the host's own interface addresses.

pub mod interfaces;
