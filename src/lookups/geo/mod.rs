//! Geofencing: where a source is (a MaxMind DB file: GeoIP2/GeoLite2 or ip-location-db) and
//! whether the configured rules let it in. Checked in-process when a source contacts
//! Asterisk, never expanded into firewall rules.
//!
//! - [`GeoDb`]: one opened database; [`GeoDb::lookup`] gives a [`GeoInfo`].
//! - [`GeoSource`]: the configured file, reopened when it changes (on the caller's thread).
//! - [`GeoRule`], [`parse_rule`]: the rule text (syntax in [`rule`]).
//! - [`GeoPolicy`]: rules plus default plus local networks → [`GeoVerdict`].

mod continent;
#[allow(unsafe_code)]
mod database;
mod error;
mod info;
mod policy;
mod record;
pub mod rule;
mod source;

pub use continent::{CONTINENT_CODES, continent_of};
pub use database::{GeoDb, Residency};
pub use error::GeoError;
pub use info::{GEO_FIELDS, GeoInfo};
pub use policy::{GeoOutcomes, GeoPolicy, GeoVerdict};
pub use rule::{GeoAction, GeoRule, GeoTarget, parse_rule};
pub use source::GeoSource;
