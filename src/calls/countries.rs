//! Where an E.164 number rings: the ITU-T E.164 country codes (with the few places that share a
//! code told apart by the digits after it), the North American Numbering Plan's area codes for
//! every country that is not the United States, and each country's usual dialling prefixes.
//!
//! Facts, not code, from: ITU-T E.164 "List of ITU-T Recommendation E.164 assigned country
//! codes" (Annex to ITU Operational Bulletin), the NANPA list of area codes by location
//! (nationalnanpa.com), and ITU-T E.164 Supplement "national and international prefixes".
//! +1 is not one country: +1-876 is Jamaica, +1-284 the British Virgin Islands, and calls to
//! them are international from the US, which is what makes them the Wangiri and IRSF classics.

use std::fmt;

/// Where a number rings: an ISO 3166-1 country, or one of the non-geographic E.164 codes
/// (international networks +882/+883, satellite +881, Inmarsat +870, freephone +800, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Region {
    Country([u8; 2]),
    NonGeographic(u16),
}

impl Region {
    /// `US`, `GB`… as written in the configuration (any case); None for anything else.
    pub fn country(code: &str) -> Option<Region> {
        let b = code.trim().as_bytes();
        (b.len() == 2 && b.iter().all(u8::is_ascii_alphabetic))
            .then(|| Region::Country([b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()]))
    }

    /// A small number for per-account sets of regions called (two letters, or the code).
    pub fn key(self) -> u16 {
        match self {
            Region::Country([a, b]) => u16::from(a) << 8 | u16::from(b),
            Region::NonGeographic(code) => code,
        }
    }

    pub fn iso(self) -> Option<String> {
        match self {
            Region::Country(c) => Some(String::from_utf8_lossy(&c).into_owned()),
            Region::NonGeographic(_) => None,
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Region::Country(c) => f.write_str(&String::from_utf8_lossy(c)),
            Region::NonGeographic(code) => write!(f, "+{code}"),
        }
    }
}

/// E.164 country codes with the country they belong to ("" for the non-geographic ones). A code
/// is 1 to 3 digits and no code is a prefix of another, so the first match is the only one.
const CODES: &[(&str, &str)] = &[
    ("1", "US"),
    ("7", "RU"),
    ("20", "EG"),
    ("27", "ZA"),
    ("30", "GR"),
    ("31", "NL"),
    ("32", "BE"),
    ("33", "FR"),
    ("34", "ES"),
    ("36", "HU"),
    ("39", "IT"),
    ("40", "RO"),
    ("41", "CH"),
    ("43", "AT"),
    ("44", "GB"),
    ("45", "DK"),
    ("46", "SE"),
    ("47", "NO"),
    ("48", "PL"),
    ("49", "DE"),
    ("51", "PE"),
    ("52", "MX"),
    ("53", "CU"),
    ("54", "AR"),
    ("55", "BR"),
    ("56", "CL"),
    ("57", "CO"),
    ("58", "VE"),
    ("60", "MY"),
    ("61", "AU"),
    ("62", "ID"),
    ("63", "PH"),
    ("64", "NZ"),
    ("65", "SG"),
    ("66", "TH"),
    ("81", "JP"),
    ("82", "KR"),
    ("84", "VN"),
    ("86", "CN"),
    ("90", "TR"),
    ("91", "IN"),
    ("92", "PK"),
    ("93", "AF"),
    ("94", "LK"),
    ("95", "MM"),
    ("98", "IR"),
    ("211", "SS"),
    ("212", "MA"),
    ("213", "DZ"),
    ("216", "TN"),
    ("218", "LY"),
    ("220", "GM"),
    ("221", "SN"),
    ("222", "MR"),
    ("223", "ML"),
    ("224", "GN"),
    ("225", "CI"),
    ("226", "BF"),
    ("227", "NE"),
    ("228", "TG"),
    ("229", "BJ"),
    ("230", "MU"),
    ("231", "LR"),
    ("232", "SL"),
    ("233", "GH"),
    ("234", "NG"),
    ("235", "TD"),
    ("236", "CF"),
    ("237", "CM"),
    ("238", "CV"),
    ("239", "ST"),
    ("240", "GQ"),
    ("241", "GA"),
    ("242", "CG"),
    ("243", "CD"),
    ("244", "AO"),
    ("245", "GW"),
    ("246", "IO"),
    ("247", "SH"),
    ("248", "SC"),
    ("249", "SD"),
    ("250", "RW"),
    ("251", "ET"),
    ("252", "SO"),
    ("253", "DJ"),
    ("254", "KE"),
    ("255", "TZ"),
    ("256", "UG"),
    ("257", "BI"),
    ("258", "MZ"),
    ("260", "ZM"),
    ("261", "MG"),
    ("262", "RE"),
    ("263", "ZW"),
    ("264", "NA"),
    ("265", "MW"),
    ("266", "LS"),
    ("267", "BW"),
    ("268", "SZ"),
    ("269", "KM"),
    ("290", "SH"),
    ("291", "ER"),
    ("297", "AW"),
    ("298", "FO"),
    ("299", "GL"),
    ("350", "GI"),
    ("351", "PT"),
    ("352", "LU"),
    ("353", "IE"),
    ("354", "IS"),
    ("355", "AL"),
    ("356", "MT"),
    ("357", "CY"),
    ("358", "FI"),
    ("359", "BG"),
    ("370", "LT"),
    ("371", "LV"),
    ("372", "EE"),
    ("373", "MD"),
    ("374", "AM"),
    ("375", "BY"),
    ("376", "AD"),
    ("377", "MC"),
    ("378", "SM"),
    ("379", "VA"),
    ("380", "UA"),
    ("381", "RS"),
    ("382", "ME"),
    ("383", "XK"),
    ("385", "HR"),
    ("386", "SI"),
    ("387", "BA"),
    ("389", "MK"),
    ("420", "CZ"),
    ("421", "SK"),
    ("423", "LI"),
    ("500", "FK"),
    ("501", "BZ"),
    ("502", "GT"),
    ("503", "SV"),
    ("504", "HN"),
    ("505", "NI"),
    ("506", "CR"),
    ("507", "PA"),
    ("508", "PM"),
    ("509", "HT"),
    ("590", "GP"),
    ("591", "BO"),
    ("592", "GY"),
    ("593", "EC"),
    ("594", "GF"),
    ("595", "PY"),
    ("596", "MQ"),
    ("597", "SR"),
    ("598", "UY"),
    ("599", "CW"),
    ("670", "TL"),
    ("672", "NF"),
    ("673", "BN"),
    ("674", "NR"),
    ("675", "PG"),
    ("676", "TO"),
    ("677", "SB"),
    ("678", "VU"),
    ("679", "FJ"),
    ("680", "PW"),
    ("681", "WF"),
    ("682", "CK"),
    ("683", "NU"),
    ("685", "WS"),
    ("686", "KI"),
    ("687", "NC"),
    ("688", "TV"),
    ("689", "PF"),
    ("690", "TK"),
    ("691", "FM"),
    ("692", "MH"),
    ("800", ""),
    ("808", ""),
    ("850", "KP"),
    ("852", "HK"),
    ("853", "MO"),
    ("855", "KH"),
    ("856", "LA"),
    ("870", ""),
    ("878", ""),
    ("880", "BD"),
    ("881", ""),
    ("882", ""),
    ("883", ""),
    ("886", "TW"),
    ("888", ""),
    ("960", "MV"),
    ("961", "LB"),
    ("962", "JO"),
    ("963", "SY"),
    ("964", "IQ"),
    ("965", "KW"),
    ("966", "SA"),
    ("967", "YE"),
    ("968", "OM"),
    ("970", "PS"),
    ("971", "AE"),
    ("972", "IL"),
    ("973", "BH"),
    ("974", "QA"),
    ("975", "BT"),
    ("976", "MN"),
    ("977", "NP"),
    ("979", ""),
    ("991", ""),
    ("992", "TJ"),
    ("993", "TM"),
    ("994", "AZ"),
    ("995", "GE"),
    ("996", "KG"),
    ("998", "UZ"),
];

/// Places inside a shared country code, told apart by the digits after the code (E.164 digits,
/// longest first where they overlap).
const SUB_ALLOCATIONS: &[(&str, &str)] = &[
    ("441481", "GG"),
    ("441534", "JE"),
    ("441624", "IM"),
    ("76", "KZ"),
    ("77", "KZ"),
    ("262269", "YT"),
    ("262639", "YT"),
    ("5993", "BQ"),
    ("5994", "BQ"),
    ("5997", "BQ"),
    ("35818", "AX"),
];

/// NANP area codes (after +1) of every country and territory that is not the United States.
/// Codes not listed here (and not Canadian) are US; unassigned codes read as US too.
const NANP: &[(&str, &str)] = &[
    // Canada
    ("204", "CA"),
    ("226", "CA"),
    ("236", "CA"),
    ("249", "CA"),
    ("250", "CA"),
    ("257", "CA"),
    ("263", "CA"),
    ("289", "CA"),
    ("306", "CA"),
    ("343", "CA"),
    ("354", "CA"),
    ("365", "CA"),
    ("367", "CA"),
    ("368", "CA"),
    ("382", "CA"),
    ("403", "CA"),
    ("416", "CA"),
    ("418", "CA"),
    ("428", "CA"),
    ("431", "CA"),
    ("437", "CA"),
    ("438", "CA"),
    ("450", "CA"),
    ("468", "CA"),
    ("474", "CA"),
    ("506", "CA"),
    ("514", "CA"),
    ("519", "CA"),
    ("548", "CA"),
    ("579", "CA"),
    ("581", "CA"),
    ("584", "CA"),
    ("587", "CA"),
    ("600", "CA"),
    ("604", "CA"),
    ("613", "CA"),
    ("622", "CA"),
    ("639", "CA"),
    ("647", "CA"),
    ("672", "CA"),
    ("683", "CA"),
    ("705", "CA"),
    ("709", "CA"),
    ("742", "CA"),
    ("753", "CA"),
    ("778", "CA"),
    ("780", "CA"),
    ("782", "CA"),
    ("807", "CA"),
    ("819", "CA"),
    ("825", "CA"),
    ("867", "CA"),
    ("873", "CA"),
    ("879", "CA"),
    ("902", "CA"),
    ("905", "CA"),
    ("942", "CA"),
    // The Caribbean and the Atlantic: international from the US and Canada, and the ranges
    // Wangiri ("one ring") and IRSF campaigns use most.
    ("242", "BS"),
    ("246", "BB"),
    ("264", "AI"),
    ("268", "AG"),
    ("284", "VG"),
    ("345", "KY"),
    ("441", "BM"),
    ("473", "GD"),
    ("649", "TC"),
    ("658", "JM"),
    ("876", "JM"),
    ("664", "MS"),
    ("721", "SX"),
    ("758", "LC"),
    ("767", "DM"),
    ("784", "VC"),
    ("809", "DO"),
    ("829", "DO"),
    ("849", "DO"),
    ("868", "TT"),
    ("869", "KN"),
    // US territories: their own ISO codes, dialled and charged as domestic from the US.
    ("340", "VI"),
    ("670", "MP"),
    ("671", "GU"),
    ("684", "AS"),
    ("787", "PR"),
    ("939", "PR"),
];

/// Territories a country's carriers treat as domestic (same numbering plan, domestic rates):
/// a call from the country to one of them is not international.
const DOMESTIC_WITH: &[(&str, &[&str])] = &[
    ("US", &["PR", "VI", "GU", "MP", "AS"]),
    ("GB", &["GG", "JE", "IM"]),
    ("RU", &["KZ"]),
    ("KZ", &["RU"]),
];

/// Countries whose numbers start with +1 (NANP): their dialling habits are North American.
pub fn is_nanp(region: Region) -> bool {
    match region {
        Region::Country(c) => {
            &c == b"US" || &c == b"CA" || NANP.iter().any(|(_, iso)| iso.as_bytes() == c)
        }
        Region::NonGeographic(_) => false,
    }
}

/// The country code at the start of E.164 digits (without `+`) and where the number rings.
pub fn region_of(e164: &str) -> Option<(&'static str, Region)> {
    let (code, iso) = CODES
        .iter()
        .find(|(code, _)| e164.starts_with(code))
        .copied()?;
    let rest = &e164[code.len()..];
    let region = if code == "1" {
        let npa = rest.get(..3).unwrap_or("");
        let iso = NANP
            .iter()
            .find(|(a, _)| *a == npa)
            .map_or("US", |(_, iso)| iso);
        Region::country(iso)?
    } else if iso.is_empty() {
        Region::NonGeographic(code.parse().ok()?)
    } else {
        let iso = SUB_ALLOCATIONS
            .iter()
            .filter(|(p, _)| e164.starts_with(p))
            .max_by_key(|(p, _)| p.len())
            .map_or(iso, |(_, iso)| iso);
        Region::country(iso)?
    };
    Some((code, region))
}

/// The country code of a country (`GB` → `44`); NANP countries have `1`.
pub fn code_of(country: Region) -> Option<&'static str> {
    if is_nanp(country) {
        return Some("1");
    }
    let Region::Country(c) = country else {
        return None;
    };
    CODES
        .iter()
        .find(|(_, iso)| iso.as_bytes() == c)
        .or_else(|| {
            SUB_ALLOCATIONS
                .iter()
                .find(|(_, iso)| iso.as_bytes() == c)
                .and_then(|(p, _)| CODES.iter().find(|(code, _)| p.starts_with(code)))
        })
        .map(|(code, _)| *code)
}

/// Whether a call from `home` to `to` is domestic (same country, or a territory charged as one).
pub fn same_country(home: Region, to: Region) -> bool {
    if home == to {
        return true;
    }
    let (Region::Country(h), Region::Country(t)) = (home, to) else {
        return false;
    };
    DOMESTIC_WITH
        .iter()
        .any(|(c, with)| c.as_bytes() == h && with.iter().any(|w| w.as_bytes() == t))
}

/// A country's usual international (exit) prefixes and its national trunk prefix (None where
/// national numbers are dialled without one, as in Italy or Spain).
pub fn dialling_defaults(country: Region) -> (&'static [&'static str], Option<&'static str>) {
    if is_nanp(country) {
        return (&["011"], Some("1"));
    }
    let Region::Country(c) = country else {
        return (&["00"], Some("0"));
    };
    let c = std::str::from_utf8(&c).unwrap_or("");
    match c {
        "IT" | "ES" | "PT" | "NO" | "DK" | "PL" | "GR" | "CZ" | "SK" | "LU" | "MC" | "SM"
        | "VA" | "MT" | "CY" | "IS" | "EE" | "LV" | "MX" => (&["00"], None),
        "HU" => (&["00"], Some("06")),
        "RU" | "KZ" | "BY" => (&["810", "00"], Some("8")),
        "LT" => (&["00"], Some("8")),
        "AU" => (&["0011"], Some("0")),
        "JP" => (&["010"], Some("0")),
        "KR" => (&["001", "002", "00700"], Some("0")),
        "TW" => (&["002"], Some("0")),
        "TH" => (&["001"], Some("0")),
        "ID" => (&["001", "007"], Some("0")),
        "SG" => (&["000", "001"], None),
        "HK" => (&["001"], None),
        "KE" => (&["000"], Some("0")),
        "NG" => (&["009"], Some("0")),
        "IL" => (&["00", "012", "013", "014"], Some("0")),
        "BR" => (&["0014", "0015", "0021", "0031", "0041", "00"], Some("0")),
        _ => (&["00"], Some("0")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(s: &str) -> Region {
        Region::country(s).unwrap()
    }

    #[test]
    fn nanp_caribbean_ranges_are_their_own_countries() {
        assert_eq!(region_of("18765551234").unwrap().1, cc("JM"));
        assert_eq!(region_of("12845551234").unwrap().1, cc("VG"));
        assert_eq!(region_of("18095551234").unwrap().1, cc("DO"));
        assert_eq!(region_of("14165551234").unwrap().1, cc("CA"));
        assert_eq!(region_of("12125551234").unwrap().1, cc("US"));
        assert!(!same_country(cc("US"), cc("JM")));
        assert!(same_country(cc("US"), cc("PR")));
    }

    #[test]
    fn codes_are_never_prefixes_of_one_another() {
        for (a, _) in CODES {
            for (b, _) in CODES {
                assert!(a == b || !b.starts_with(a), "{a} is a prefix of {b}");
            }
        }
    }

    #[test]
    fn non_geographic_codes_and_shared_codes() {
        assert_eq!(region_of("88216123").unwrap().1, Region::NonGeographic(882));
        assert_eq!(region_of("870773").unwrap().1.to_string(), "+870");
        assert_eq!(region_of("77011234567").unwrap().1, cc("KZ"));
        assert_eq!(region_of("441534123456").unwrap().1, cc("JE"));
        assert_eq!(code_of(cc("GB")), Some("44"));
        assert_eq!(code_of(cc("JM")), Some("1"));
        assert_eq!(code_of(cc("JE")), Some("44"));
    }
}
