//! GeoDb against fixture databases in both schemas, with known answers.

mod geo_fixture;

use std::net::IpAddr;
use std::path::PathBuf;

use geo_fixture::{
    FixtureOptions, FixtureRecord, FixtureSchema, TempDir, fixture_bytes, net, replace_file,
    write_fixture_db, write_fixture_db_with,
};
use res_secast::lookups::geo::{GeoDb, GeoError, GeoInfo, Residency};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// The same locations in either schema; the continent is written only for Russia so that the
/// others exercise the derivation from the country.
fn entries() -> Vec<(ipnet::IpNet, FixtureRecord)> {
    vec![
        (
            net("203.0.113.0/24"),
            FixtureRecord::country("RU").continent("EU"),
        ),
        (
            net("198.51.100.0/24"),
            FixtureRecord::country("US")
                .subdivision("CA", "California")
                .city("San Francisco")
                .asn(64500, "Example Transit"),
        ),
        (
            net("192.0.2.0/25"),
            FixtureRecord::country("DE")
                .subdivision("BY", "Bavaria")
                .city("Munich"),
        ),
        (
            net("192.0.2.128/25"),
            FixtureRecord::country("FR")
                .subdivision("IDF", "Île-de-France")
                .city("Paris"),
        ),
        (
            net("2001:db8:1::/48"),
            FixtureRecord::country("DE")
                .subdivision("BY", "Bavaria")
                .city("Munich"),
        ),
        (net("2001:db8:2::/48"), FixtureRecord::country("CN")),
    ]
}

fn fixture(dir: &TempDir, schema: FixtureSchema) -> PathBuf {
    let path = dir.path().join("geo.mmdb");
    write_fixture_db(&path, schema, &entries()).unwrap();
    path
}

fn info(
    continent: &str,
    country: &str,
    subdivision: Option<(&str, &str)>,
    city: Option<&str>,
) -> GeoInfo {
    GeoInfo {
        continent: Some(continent.into()),
        country: Some(country.into()),
        subdivision: subdivision.map(|(code, _)| code.into()),
        subdivision_name: subdivision.map(|(_, name)| name.into()),
        city: city.map(Into::into),
        asn: None,
        as_org: None,
    }
}

#[test]
fn maxmind_city_schema_gives_continent_country_subdivision_and_city() {
    let dir = TempDir::new("maxmind_v4");
    let db = GeoDb::open(&fixture(&dir, FixtureSchema::MaxMindCity)).unwrap();

    let munich = db.lookup(ip("192.0.2.10")).unwrap();
    assert_eq!(
        munich,
        info("EU", "DE", Some(("BY", "Bavaria")), Some("Munich"))
    );

    let sf = db.lookup(ip("198.51.100.7")).unwrap();
    assert_eq!(sf.country.as_deref(), Some("US"));
    assert_eq!(sf.continent.as_deref(), Some("NA"));
    assert_eq!(sf.subdivision.as_deref(), Some("CA"));
    assert_eq!(sf.city.as_deref(), Some("San Francisco"));
    assert_eq!(sf.asn, Some(64500));
    assert_eq!(sf.as_org.as_deref(), Some("Example Transit"));

    let paris = db.lookup(ip("192.0.2.200")).unwrap();
    assert_eq!(paris.subdivision_name.as_deref(), Some("Île-de-France"));

    // The continent the file states wins over the derived one.
    let moscow = db.lookup(ip("203.0.113.1")).unwrap();
    assert_eq!(moscow, info("EU", "RU", None, None));
}

#[test]
fn maxmind_city_schema_answers_ipv6_addresses() {
    let dir = TempDir::new("maxmind_v6");
    let db = GeoDb::open(&fixture(&dir, FixtureSchema::MaxMindCity)).unwrap();
    assert_eq!(
        db.lookup(ip("2001:db8:1::5060")).unwrap(),
        info("EU", "DE", Some(("BY", "Bavaria")), Some("Munich"))
    );
    assert_eq!(
        db.lookup(ip("2001:db8:2:ffff::1")).unwrap(),
        info("AS", "CN", None, None)
    );
}

#[test]
fn ip_location_db_schema_gives_country_state_and_city_with_derived_continent() {
    let dir = TempDir::new("flat");
    let db = GeoDb::open(&fixture(&dir, FixtureSchema::IpLocationDb)).unwrap();

    // state1 holds a name: it is both the subdivision rules match and its name.
    assert_eq!(
        db.lookup(ip("192.0.2.10")).unwrap(),
        info("EU", "DE", Some(("Bavaria", "Bavaria")), Some("Munich"))
    );
    let sf = db.lookup(ip("198.51.100.7")).unwrap();
    assert_eq!(
        (
            sf.continent.as_deref(),
            sf.country.as_deref(),
            sf.city.as_deref()
        ),
        (Some("NA"), Some("US"), Some("San Francisco"))
    );
    assert_eq!(sf.asn, Some(64500));
    assert_eq!(
        db.lookup(ip("2001:db8:1::1")).unwrap().city.as_deref(),
        Some("Munich")
    );
    // A flat file that states a continent is believed.
    assert_eq!(
        db.lookup(ip("203.0.113.1")).unwrap().continent.as_deref(),
        Some("EU")
    );
}

#[test]
fn country_only_file_like_geo_whois_asn_country_gives_country_and_continent() {
    let dir = TempDir::new("country_only");
    let path = dir.path().join("geo-whois-asn-country.mmdb");
    write_fixture_db(
        &path,
        FixtureSchema::IpLocationDb,
        &[
            (net("203.0.113.0/24"), FixtureRecord::country("BR")),
            (net("2001:db8::/32"), FixtureRecord::country("JP")),
        ],
    )
    .unwrap();
    let db = GeoDb::open(&path).unwrap();
    assert_eq!(
        db.lookup(ip("203.0.113.9")).unwrap(),
        info("SA", "BR", None, None)
    );
    assert_eq!(
        db.lookup(ip("2001:db8::9")).unwrap(),
        info("AS", "JP", None, None)
    );
}

#[test]
fn ipv4_mapped_ipv6_is_looked_up_as_ipv4_even_when_the_file_has_no_alias() {
    let dir = TempDir::new("mapped");
    let path = dir.path().join("geo.mmdb");
    let options = FixtureOptions {
        ipv4_aliases: false,
        ..FixtureOptions::default()
    };
    write_fixture_db_with(&path, FixtureSchema::MaxMindCity, &entries(), &options).unwrap();

    // Proof that the file itself does not answer the mapped form...
    let raw = maxminddb::Reader::open_readfile(&path).unwrap();
    assert!(!raw.lookup(ip("::ffff:192.0.2.10")).unwrap().has_data());

    // ...so GeoDb finds it only by canonicalising first.
    let db = GeoDb::open(&path).unwrap();
    assert_eq!(
        db.lookup(ip("::ffff:192.0.2.10")),
        db.lookup(ip("192.0.2.10"))
    );
    assert_eq!(
        db.lookup(ip("::ffff:192.0.2.10")).unwrap().city.as_deref(),
        Some("Munich")
    );
}

#[test]
fn ipv4_mapped_ipv6_works_in_an_ipv4_only_file() {
    let dir = TempDir::new("v4only");
    let path = dir.path().join("geo.mmdb");
    let options = FixtureOptions {
        ipv4_only: true,
        ..FixtureOptions::default()
    };
    let v4: Vec<_> = entries()
        .into_iter()
        .filter(|(n, _)| n.addr().is_ipv4())
        .collect();
    write_fixture_db_with(&path, FixtureSchema::IpLocationDb, &v4, &options).unwrap();
    let db = GeoDb::open(&path).unwrap();
    assert_eq!(
        db.lookup(ip("::ffff:203.0.113.1"))
            .unwrap()
            .country
            .as_deref(),
        Some("RU")
    );
    // A real IPv6 address cannot be in an IPv4 file: a miss, not an error.
    assert_eq!(db.lookup(ip("2001:db8:1::1")), None);
    assert!(!db.describe().contains("undecodable"));
}

#[test]
fn addresses_outside_every_network_are_misses() {
    let dir = TempDir::new("miss");
    for schema in [FixtureSchema::MaxMindCity, FixtureSchema::IpLocationDb] {
        let db = GeoDb::open(&fixture(&dir, schema)).unwrap();
        assert_eq!(db.lookup(ip("198.18.0.1")), None);
        assert_eq!(db.lookup(ip("2001:db8:ffff::1")), None);
        assert_eq!(db.lookup(ip("::ffff:198.18.0.1")), None);
    }
}

#[test]
fn asn_only_record_gives_the_network_but_no_location() {
    let dir = TempDir::new("asn");
    let path = dir.path().join("asn.mmdb");
    write_fixture_db(
        &path,
        FixtureSchema::MaxMindCity,
        &[(
            net("198.51.100.0/24"),
            FixtureRecord::default().asn(64501, "Example ISP"),
        )],
    )
    .unwrap();
    let db = GeoDb::open(&path).unwrap();
    let found = db.lookup(ip("198.51.100.1")).unwrap();
    assert_eq!(
        (found.asn, found.as_org.as_deref()),
        (Some(64501), Some("Example ISP"))
    );
    assert!(!found.has_location());
}

#[test]
fn record_with_only_a_registered_country_is_placed_there() {
    // MaxMind writes records like this for anycast and satellite networks.
    let dir = TempDir::new("registered");
    let path = dir.path().join("geo.mmdb");
    let mut writer = mmdb_writer::Writer::new("GeoIP2-Country");
    let registered = mmdb_writer::Value::map([(
        "registered_country",
        mmdb_writer::Value::map([("iso_code", mmdb_writer::Value::from("NL"))]),
    )]);
    writer
        .insert_value(net("192.0.2.0/24"), registered)
        .unwrap();
    replace_file(&path, &writer.to_bytes().unwrap()).unwrap();
    assert_eq!(
        GeoDb::open(&path).unwrap().lookup(ip("192.0.2.1")).unwrap(),
        info("EU", "NL", None, None)
    );
}

#[test]
fn subdivision_without_code_is_known_by_its_name() {
    let dir = TempDir::new("subdiv_name");
    let path = dir.path().join("geo.mmdb");
    let mut record = FixtureRecord::country("GB").city("London");
    record.subdivision_name = Some("England".into());
    write_fixture_db(
        &path,
        FixtureSchema::MaxMindCity,
        &[(net("192.0.2.0/24"), record)],
    )
    .unwrap();
    let found = GeoDb::open(&path).unwrap().lookup(ip("192.0.2.1")).unwrap();
    assert_eq!(found.subdivision.as_deref(), Some("England"));
    assert_eq!(found.subdivision_name.as_deref(), Some("England"));
}

#[test]
fn in_memory_residency_answers_like_the_mapped_file() {
    let dir = TempDir::new("in_memory");
    let path = fixture(&dir, FixtureSchema::MaxMindCity);
    let mapped = GeoDb::open_as(&path, Residency::Mapped).unwrap();
    let loaded = GeoDb::open_as(&path, Residency::InMemory).unwrap();
    for addr in ["192.0.2.10", "198.51.100.7", "2001:db8:1::1", "198.18.0.1"] {
        assert_eq!(mapped.lookup(ip(addr)), loaded.lookup(ip(addr)), "{addr}");
    }
    assert!(loaded.describe().contains("in memory"));
}

#[test]
fn describe_names_type_build_time_ip_version_and_node_count() {
    let dir = TempDir::new("describe");
    let path = fixture(&dir, FixtureSchema::MaxMindCity);
    let db = GeoDb::open(&path).unwrap();
    let text = db.describe();
    let nodes = maxminddb::Reader::open_readfile(&path)
        .unwrap()
        .metadata()
        .node_count;
    assert!(text.starts_with("SecAst-Fixture-City, "), "{text}");
    assert!(text.contains("built 2025-06-15 15:06:40 UTC"), "{text}");
    assert!(text.contains("IPv6"), "{text}");
    assert!(text.contains(&format!("{nodes} nodes")), "{text}");
    assert!(
        text.contains("in memory"),
        "read into memory by default: {text}"
    );
    assert_eq!(db.size() as u64, std::fs::metadata(&path).unwrap().len());
}

/// The default residency does not care what happens to the file once it is open: `cp` of
/// another file over it (truncate, then write) or truncating it to nothing changes no answer.
/// A mapped database would fault (SIGBUS) on the first lookup after the truncation.
#[test]
fn the_default_database_survives_its_file_being_rewritten_in_place() {
    let dir = TempDir::new("cp_over");
    let path = fixture(&dir, FixtureSchema::MaxMindCity);
    let db = GeoDb::open(&path).unwrap();
    let before: Vec<_> = ["192.0.2.10", "198.51.100.7", "2001:db8:1::1"]
        .iter()
        .map(|a| db.lookup(ip(a)))
        .collect();
    assert!(before.iter().any(Option::is_some), "the fixture knows some");
    // What `cp other geo.mmdb` does to the open file: truncate, then write new bytes.
    std::fs::write(&path, b"not a database any more").unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    let after: Vec<_> = ["192.0.2.10", "198.51.100.7", "2001:db8:1::1"]
        .iter()
        .map(|a| db.lookup(ip(a)))
        .collect();
    assert_eq!(before, after);
}

#[test]
fn missing_file_is_an_io_error_naming_the_path() {
    let dir = TempDir::new("missing");
    let path = dir.path().join("absent.mmdb");
    let err = GeoDb::open(&path).unwrap_err();
    assert!(matches!(err, GeoError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("absent.mmdb"), "{err}");
}

#[test]
fn corrupt_or_truncated_file_is_refused_as_invalid() {
    let dir = TempDir::new("corrupt");
    let path = dir.path().join("geo.mmdb");
    let good = fixture_bytes(
        FixtureSchema::MaxMindCity,
        &entries(),
        &FixtureOptions::default(),
    )
    .unwrap();
    for bad in [
        b"this is not a database".to_vec(),
        Vec::new(),
        good[..good.len() / 2].to_vec(),
    ] {
        replace_file(&path, &bad).unwrap();
        for residency in [Residency::Mapped, Residency::InMemory] {
            let err = GeoDb::open_as(&path, residency).unwrap_err();
            assert!(matches!(err, GeoError::Invalid { .. }), "{err:?}");
            assert!(err.to_string().contains("not a valid MaxMind DB"), "{err}");
        }
    }
}

#[test]
fn databases_are_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<GeoDb>();
    send_sync::<res_secast::lookups::geo::GeoSource>();
    send_sync::<res_secast::lookups::geo::GeoPolicy>();

    let dir = TempDir::new("threads");
    let db = std::sync::Arc::new(GeoDb::open(&fixture(&dir, FixtureSchema::MaxMindCity)).unwrap());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let db = std::sync::Arc::clone(&db);
            std::thread::spawn(move || db.lookup(ip("192.0.2.10")).unwrap().country)
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().as_deref(), Some("DE"));
    }
}
