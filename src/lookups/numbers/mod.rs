//! Toll-fraud knowledge that does not depend on traffic: which dialled numbers lead to
//! premium-rate, shared-cost or known-fraud destinations, from prefix lists in files.

mod category;
mod lists;
mod number;
mod numberfile;

pub use category::NumberCategory;
pub use lists::{NumberHit, NumberListSpec, NumberLists};
pub use number::{DEFAULT_EXIT_CODES, MAX_DIGITS, normalise_number, normalise_number_with};
