//! What a geo database says about one address.

/// The location and network of an address, as far as the database knows it. Codes are as the
/// database wrote them (upper case in every known database); rules compare them ignoring case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GeoInfo {
    /// Continent code, `"EU"`: from the database, or derived from the country when it has none.
    pub continent: Option<String>,
    /// ISO 3166-1 alpha-2 country code, `"DE"`.
    pub country: Option<String>,
    /// ISO 3166-2 subdivision code without the country, `"BY"`; the subdivision's name when
    /// the database has no code (the ip-location-db files only carry names).
    pub subdivision: Option<String>,
    /// The subdivision's English name, `"Bavaria"`.
    pub subdivision_name: Option<String>,
    /// The city's English name, `"Munich"`.
    pub city: Option<String>,
    /// Autonomous system number (ASN databases, or city databases that carry it).
    pub asn: Option<u32>,
    /// Autonomous system organisation.
    pub as_org: Option<String>,
}

/// The names [`GeoInfo::field`] accepts, in the order a status line shows them.
pub const GEO_FIELDS: [&str; 7] = [
    "continent",
    "country",
    "subdivision",
    "subdivision_name",
    "city",
    "asn",
    "as_org",
];

impl GeoInfo {
    /// One field by name (`SECAST_GEO(ip,field)`), any case; `region` is an alias of
    /// `subdivision`. None for an unknown name or a field the database does not have.
    pub fn field(&self, name: &str) -> Option<String> {
        let name = name.trim().to_ascii_lowercase();
        match name.as_str() {
            "continent" => self.continent.clone(),
            "country" => self.country.clone(),
            "subdivision" | "region" => self.subdivision.clone(),
            "subdivision_name" | "region_name" => self.subdivision_name.clone(),
            "city" => self.city.clone(),
            "asn" => self.asn.map(|n| n.to_string()),
            "as_org" => self.as_org.clone(),
            _ => None,
        }
    }

    /// True when the record places the address nowhere (an ASN-only record, say): the policy
    /// treats that like a missing record.
    pub fn has_location(&self) -> bool {
        self.country.is_some() || self.continent.is_some()
    }

    /// `EU/DE/BY/Munich AS64512 (Example)`: the known parts, for logs and `secast show ip`.
    pub fn summary(&self) -> String {
        let place: Vec<&str> = [
            &self.continent,
            &self.country,
            &self.subdivision,
            &self.city,
        ]
        .into_iter()
        .filter_map(|part| part.as_deref())
        .collect();
        let mut out = if place.is_empty() {
            "unknown location".to_owned()
        } else {
            place.join("/")
        };
        if let Some(asn) = self.asn {
            out.push_str(&format!(" AS{asn}"));
        }
        if let Some(org) = &self.as_org {
            out.push_str(&format!(" ({org})"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn munich() -> GeoInfo {
        GeoInfo {
            continent: Some("EU".into()),
            country: Some("DE".into()),
            subdivision: Some("BY".into()),
            subdivision_name: Some("Bavaria".into()),
            city: Some("Munich".into()),
            asn: Some(64512),
            as_org: Some("Example".into()),
        }
    }

    #[test]
    fn fields_are_found_by_name_in_any_case() {
        let info = munich();
        assert_eq!(info.field("Country").as_deref(), Some("DE"));
        assert_eq!(info.field("region").as_deref(), Some("BY"));
        assert_eq!(info.field("asn").as_deref(), Some("64512"));
        assert_eq!(info.field("latitude"), None);
        for name in GEO_FIELDS {
            assert!(info.field(name).is_some(), "{name}");
        }
    }

    #[test]
    fn summary_lists_the_known_parts() {
        assert_eq!(munich().summary(), "EU/DE/BY/Munich AS64512 (Example)");
        assert_eq!(GeoInfo::default().summary(), "unknown location");
    }
}
