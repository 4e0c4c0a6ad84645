//! What res_secast asks of the operating system directly (beyond the firewall's netlink): the
//! host's own interface addresses, its resolvers and default gateways, and host names turned
//! into addresses.

pub mod gateways;
pub mod interfaces;
pub mod name_lookup;
pub mod resolvers;
