//! Decoding one database record into [`GeoInfo`], whichever of the two schemas it uses:
//!
//! - MaxMind GeoIP2/GeoLite2 (nested): `continent.code`, `country.iso_code`,
//!   `subdivisions[0].iso_code` and `.names.en`, `city.names.en`; ASN databases add
//!   `autonomous_system_number` and `autonomous_system_organization`.
//! - ip-location-db (flat): `country_code`, `state1`, `city`, and `continent` when present,
//!   all plain strings.
//!
//! The same key (`city`, `continent`) is a map in one schema and a string in the other, so each
//! place is decoded by a visitor that accepts both; everything else in the record (locations,
//! postal codes, translations) is skipped without being allocated.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::continent::continent_of;
use super::info::GeoInfo;

/// The keys of both schemas that we use; unknown keys are skipped by serde. Strings borrow
/// from the database: only the ones that end up in the [`GeoInfo`] are copied.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct RawRecord<'a> {
    #[serde(borrow)]
    continent: Option<Place<'a>>,
    #[serde(borrow)]
    country: Option<Place<'a>>,
    country_code: Option<&'a str>,
    #[serde(borrow)]
    subdivisions: Option<FirstPlace<'a>>,
    state1: Option<&'a str>,
    #[serde(borrow)]
    city: Option<Place<'a>>,
    autonomous_system_number: Option<u32>,
    autonomous_system_organization: Option<&'a str>,
}

/// A continent, country, subdivision or city: a map with a code and/or English name
/// (MaxMind), or a bare string (ip-location-db), which is a code for continents and countries
/// and a name for subdivisions and cities.
#[derive(Default)]
struct Place<'de> {
    code: Option<&'de str>,
    name: Option<&'de str>,
    /// Set when the value was a bare string rather than a map.
    text: Option<&'de str>,
}

impl<'de> Place<'de> {
    /// The code, or the bare string: for continents and countries.
    fn code(&self) -> Option<&'de str> {
        non_empty(self.code.or(self.text))
    }

    /// The English name, or the bare string: for cities and subdivision names.
    fn name(&self) -> Option<&'de str> {
        non_empty(self.name.or(self.text))
    }
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.trim().is_empty())
}

// 'de: 'a as serde's borrow attribute requires; the visitor borrows for 'de, which the
// covariant Place then shortens to 'a.
impl<'de: 'a, 'a> Deserialize<'de> for Place<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Place<'a>, D::Error> {
        deserializer.deserialize_any(PlaceVisitor)
    }
}

struct PlaceVisitor;

impl<'de> Visitor<'de> for PlaceVisitor {
    type Value = Place<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a place: a string, or a map with code/iso_code and names")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Place<'de>, E> {
        Ok(Place {
            text: Some(v),
            ..Place::default()
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Place<'de>, A::Error> {
        let mut place = Place::default();
        while let Some(key) = map.next_key::<&str>()? {
            match key {
                "code" | "iso_code" => place.code = map.next_value()?,
                "names" => place.name = map.next_value::<EnglishName>()?.0,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(place)
    }
}

/// The `en` entry of a MaxMind `names` map; the other languages are skipped.
struct EnglishName<'de>(Option<&'de str>);

impl<'de> Deserialize<'de> for EnglishName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<EnglishName<'de>, D::Error> {
        struct NamesVisitor;
        impl<'de> Visitor<'de> for NamesVisitor {
            type Value = EnglishName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of language to name")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<EnglishName<'de>, A::Error> {
                let mut en = None;
                while let Some(lang) = map.next_key::<&str>()? {
                    if lang == "en" {
                        en = Some(map.next_value::<&str>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(EnglishName(en))
            }
        }
        deserializer.deserialize_map(NamesVisitor)
    }
}

/// The first entry of MaxMind's `subdivisions` array (the largest one, by MaxMind's order);
/// the smaller ones after it are skipped.
struct FirstPlace<'de>(Option<Place<'de>>);

impl<'de: 'a, 'a> Deserialize<'de> for FirstPlace<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<FirstPlace<'a>, D::Error> {
        struct FirstVisitor;
        impl<'de> Visitor<'de> for FirstVisitor {
            type Value = FirstPlace<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of places")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FirstPlace<'de>, A::Error> {
                let first = seq.next_element::<Place<'de>>()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(FirstPlace(first))
            }
        }
        deserializer.deserialize_seq(FirstVisitor)
    }
}

impl RawRecord<'_> {
    /// The record as a [`GeoInfo`], or None when it holds nothing we use. `registered_country`
    /// is the caller's fallback for a record without a country (see `GeoDb::lookup`).
    pub(crate) fn into_info(
        self,
        registered_country: impl FnOnce() -> Option<String>,
    ) -> Option<GeoInfo> {
        let country = self
            .country
            .as_ref()
            .and_then(Place::code)
            .or_else(|| non_empty(self.country_code))
            .map(str::to_owned)
            .or_else(registered_country);
        let continent = self
            .continent
            .as_ref()
            .and_then(Place::code)
            .or_else(|| country.as_deref().and_then(continent_of))
            .map(str::to_owned);
        let (subdivision, subdivision_name) = match self.subdivisions.and_then(|first| first.0) {
            Some(place) => {
                let name = place.name();
                (non_empty(place.code).or(name), name)
            }
            // The flat schema's state1 is a name; it doubles as the code rules can match.
            None => (non_empty(self.state1), non_empty(self.state1)),
        };
        let info = GeoInfo {
            continent,
            country,
            subdivision: subdivision.map(str::to_owned),
            subdivision_name: subdivision_name.map(str::to_owned),
            city: self.city.as_ref().and_then(Place::name).map(str::to_owned),
            asn: self.autonomous_system_number,
            as_org: non_empty(self.autonomous_system_organization).map(str::to_owned),
        };
        (info != GeoInfo::default()).then_some(info)
    }
}
