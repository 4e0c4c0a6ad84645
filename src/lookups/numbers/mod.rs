//! Toll-fraud knowledge that does not depend on traffic: which dialled numbers lead to
//! premium-rate, shared-cost or known-fraud destinations, from prefix lists in files.
//!
//! How a written number becomes digits depends on the PBX's country (in the UK `0113` is
//! Leeds, in the US `011` is the exit code): the caller hands in that reading ([`ReadNumber`];
//! the call guard's E.164 normalisation), and lists are keyed by what it gives.

mod category;
mod lists;
mod numberfile;

pub use category::NumberCategory;
pub use lists::{BuiltinList, NumberHit, NumberListSpec, NumberLists, ReadNumber};
