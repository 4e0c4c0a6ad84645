//! What res_secast asks of the operating system directly (beyond the firewall's netlink): the
//! host's own interface addresses, its resolvers and default gateways, host names turned into
//! addresses, and waiting on several descriptors at once (the cluster's Redis link).

pub mod gateways;
pub mod interfaces;
pub mod name_lookup;
pub mod poll;
pub mod resolvers;
