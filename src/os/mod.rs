//! What res_secast asks of the operating system directly (beyond the firewall's netlink): the
//! host's own interface addresses and name, its resolvers and default gateways, host names
//! turned into addresses, users and groups by name, waiting on several descriptors at once
//! (the cluster's Redis link), running an event handler's program (fork/exec in its own
//! session, descriptors closed, a timeout), and mapping the module's large blocks itself.

pub mod accounts;
pub mod gateways;
pub mod host_name;
pub mod interfaces;
pub mod large_blocks;
pub mod name_lookup;
pub mod poll;
pub mod process;
pub mod resolvers;
