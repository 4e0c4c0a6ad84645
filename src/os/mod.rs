//! What res_secast asks of the operating system directly (beyond the firewall's netlink):
//! the host's own interface addresses and name, users and groups by name, and running an
//! event handler's program (fork/exec in its own session, descriptors closed, a timeout).

pub mod accounts;
pub mod host_name;
pub mod interfaces;
pub mod process;
