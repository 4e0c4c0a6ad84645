//! Country → continent, for databases that carry only a country code (the ip-location-db
//! files). The assignment follows GeoNames, which MaxMind's own `continent.code` uses, so a
//! `continent:` rule means the same thing whichever database is loaded (Russia is `EU`, Turkey
//! and the Caucasus are `AS`, Cyprus is `EU`, Timor-Leste is `OC`).

/// The seven continent codes MaxMind and GeoNames use.
pub const CONTINENT_CODES: [&str; 7] = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"];

/// Each continent with its ISO 3166-1 alpha-2 countries, written as one run of two-letter codes
/// so the table stays a screenful; `XK` (Kosovo) is not ISO but GeoNames and MaxMind use it.
const MEMBERS: [(&str, &str); 7] = [
    (
        "AF",
        "AOBFBIBJBWCDCFCGCICMCVDJDZEGEHERETGAGHGMGNGQGWKEKMLRLSLYMAMGMLMRMUMWMZNANENGRERWSCSDSHSLSNSOSSSTSZTDTGTNTZUGYTZAZMZW",
    ),
    ("AN", "AQBVGSHMTF"),
    (
        "AS",
        "AEAFAMAZBDBHBNBTCCCNCXGEHKIDILINIOIQIRJOJPKGKHKPKRKWKZLALBLKMMMNMOMVMYNPOMPHPKPSQASASGSYTHTJTMTRTWUZVNYE",
    ),
    (
        "EU",
        "ADALATAXBABEBGBYCHCYCZDEDKEEESFIFOFRGBGGGIGRHRHUIEIMISITJELILTLULVMCMDMEMKMTNLNOPLPTRORSRUSESISJSKSMUAVAXK",
    ),
    (
        "NA",
        "AGAIAWBBBLBMBQBSBZCACRCUCWDMDOGDGLGPGTHNHTJMKNKYLCMFMQMSMXNIPAPMPRSVSXTCTTUSVCVGVI",
    ),
    (
        "OC",
        "ASAUCKFJFMGUKIMHMPNCNFNRNUNZPFPGPNPWSBTKTLTOTVUMVUWFWS",
    ),
    ("SA", "ARBOBRCLCOECFKGFGYPEPYSRUYVE"),
];

/// Slot per possible two-letter code (26 × 26), holding 1 + the index into [`CONTINENT_CODES`]
/// or 0; built at compile time so a lookup is one array read on every database lookup.
static BY_COUNTRY: [u8; 676] = build_index();

const fn slot(a: u8, b: u8) -> usize {
    (a - b'A') as usize * 26 + (b - b'A') as usize
}

const fn build_index() -> [u8; 676] {
    let mut index = [0u8; 676];
    let mut c = 0;
    while c < MEMBERS.len() {
        let codes = MEMBERS[c].1.as_bytes();
        let mut i = 0;
        while i + 1 < codes.len() {
            // A code listed under two continents would silently pick one: refuse to compile.
            assert!(
                index[slot(codes[i], codes[i + 1])] == 0,
                "country listed twice"
            );
            index[slot(codes[i], codes[i + 1])] = c as u8 + 1;
            i += 2;
        }
        c += 1;
    }
    index
}

/// The continent code (`"EU"`) for an ISO country code (`"de"` or `"DE"`), or None for codes
/// the table does not know (including the registries' pseudo-codes such as `AP`).
pub fn continent_of(country: &str) -> Option<&'static str> {
    let [a, b] = country.as_bytes() else {
        return None;
    };
    let (a, b) = (a.to_ascii_uppercase(), b.to_ascii_uppercase());
    if !a.is_ascii_uppercase() || !b.is_ascii_uppercase() {
        return None;
    }
    match BY_COUNTRY[slot(a, b)] {
        0 => None,
        n => Some(CONTINENT_CODES[usize::from(n) - 1]),
    }
}

/// Whether `code` is one of the seven continent codes (any case).
pub fn is_continent(code: &str) -> bool {
    CONTINENT_CODES.iter().any(|c| c.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_listed_under_their_own_continent_codes() {
        for (i, (code, _)) in MEMBERS.iter().enumerate() {
            assert_eq!(*code, CONTINENT_CODES[i]);
        }
    }

    #[test]
    fn every_iso_country_plus_kosovo_is_covered() {
        let total: usize = MEMBERS.iter().map(|(_, codes)| codes.len() / 2).sum();
        // ISO 3166-1 has 249 alpha-2 codes; XK makes 250.
        assert_eq!(total, 250);
        assert!(MEMBERS.iter().all(|(_, codes)| codes.len() % 2 == 0));
    }

    #[test]
    fn known_countries_map_to_their_continent_in_any_case() {
        assert_eq!(continent_of("DE"), Some("EU"));
        assert_eq!(continent_of("de"), Some("EU"));
        assert_eq!(continent_of("RU"), Some("EU"));
        assert_eq!(continent_of("US"), Some("NA"));
        assert_eq!(continent_of("BR"), Some("SA"));
        assert_eq!(continent_of("CN"), Some("AS"));
        assert_eq!(continent_of("NG"), Some("AF"));
        assert_eq!(continent_of("AU"), Some("OC"));
        assert_eq!(continent_of("AQ"), Some("AN"));
        // American Samoa, not the continent code for Asia.
        assert_eq!(continent_of("AS"), Some("OC"));
    }

    #[test]
    fn unknown_or_malformed_codes_have_no_continent() {
        for code in ["", "D", "DEU", "AP", "ZZ", "1A", "É"] {
            assert_eq!(continent_of(code), None, "{code}");
        }
    }
}
