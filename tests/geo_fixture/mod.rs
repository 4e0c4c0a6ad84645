//! Fixture geo databases for tests and benches, written with `mmdb-writer` in either schema
//! res_secast reads. Include it from a test file with `mod geo_fixture;` (from a bench:
//! `#[path = "../tests/geo_fixture/mod.rs"] mod geo_fixture;`).
//!
//! ```ignore
//! let dir = geo_fixture::TempDir::new("my_test");
//! let db = dir.path().join("geo.mmdb");
//! geo_fixture::write_fixture_db(&db, FixtureSchema::MaxMindCity, &[
//!     (net("203.0.113.0/24"), FixtureRecord::country("RU")),
//!     (net("2001:db8:1::/48"), FixtureRecord::country("DE").subdivision("BY", "Bavaria").city("Munich")),
//! ])?;
//! ```

// Each test file that includes this module uses a different part of it.
#![allow(dead_code)]

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use ipnet::IpNet;
use mmdb_writer::{IpVersion, Ipv4Aliasing, Value, Writer};

/// Which record layout to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixtureSchema {
    /// MaxMind GeoIP2/GeoLite2 City: nested `continent`, `country`, `subdivisions`, `city`
    /// maps with `names`, plus `location` and `postal` that readers must skip.
    MaxMindCity,
    /// ip-location-db: flat `country_code`, `state1`, `city` strings (and `continent` only
    /// when the record sets one), plus `latitude`/`longitude`.
    IpLocationDb,
}

/// One network's answer. Every field is optional; set what the test needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixtureRecord {
    pub continent: Option<String>,
    pub country: Option<String>,
    /// ISO 3166-2 code without the country (`BY`); only the MaxMind schema writes it.
    pub subdivision_code: Option<String>,
    pub subdivision_name: Option<String>,
    pub city: Option<String>,
    pub asn: Option<u32>,
    pub as_org: Option<String>,
}

impl FixtureRecord {
    /// A record in `country` (ISO code), with no continent: the reader derives it.
    pub fn country(code: &str) -> FixtureRecord {
        FixtureRecord {
            country: Some(code.to_owned()),
            ..FixtureRecord::default()
        }
    }

    pub fn continent(mut self, code: &str) -> FixtureRecord {
        self.continent = Some(code.to_owned());
        self
    }

    pub fn subdivision(mut self, code: &str, name: &str) -> FixtureRecord {
        self.subdivision_code = Some(code.to_owned());
        self.subdivision_name = Some(name.to_owned());
        self
    }

    pub fn city(mut self, name: &str) -> FixtureRecord {
        self.city = Some(name.to_owned());
        self
    }

    pub fn asn(mut self, number: u32, org: &str) -> FixtureRecord {
        self.asn = Some(number);
        self.as_org = Some(org.to_owned());
        self
    }
}

/// Knobs for [`write_fixture_db_with`]; the default is what real databases look like.
#[derive(Debug, Clone)]
pub struct FixtureOptions {
    /// An IPv6 database whose IPv4-mapped range (`::ffff:0:0/96`) leads to the IPv4 data, as
    /// MaxMind's files have. Off: only a reader that canonicalises finds mapped addresses.
    pub ipv4_aliases: bool,
    /// An IPv4-only database (entries must then all be IPv4).
    pub ipv4_only: bool,
    pub database_type: String,
    /// Seconds since the epoch; fixed so that two writes of the same entries are identical.
    pub build_epoch: u64,
}

impl Default for FixtureOptions {
    fn default() -> FixtureOptions {
        FixtureOptions {
            ipv4_aliases: true,
            ipv4_only: false,
            database_type: "SecAst-Fixture-City".to_owned(),
            build_epoch: 1_750_000_000,
        }
    }
}

/// Writes `entries` to `path` as an IPv6 database with IPv4 aliases, by rename (see
/// [`replace_file`]).
pub fn write_fixture_db(
    path: &Path,
    schema: FixtureSchema,
    entries: &[(IpNet, FixtureRecord)],
) -> io::Result<()> {
    write_fixture_db_with(path, schema, entries, &FixtureOptions::default())
}

/// [`write_fixture_db`] with explicit options.
pub fn write_fixture_db_with(
    path: &Path,
    schema: FixtureSchema,
    entries: &[(IpNet, FixtureRecord)],
    options: &FixtureOptions,
) -> io::Result<()> {
    replace_file(path, &fixture_bytes(schema, entries, options)?)
}

/// The database bytes, for a caller that wants to place them itself.
pub fn fixture_bytes(
    schema: FixtureSchema,
    entries: &[(IpNet, FixtureRecord)],
    options: &FixtureOptions,
) -> io::Result<Vec<u8>> {
    let mut writer = Writer::builder(options.database_type.clone())
        .ip_version(if options.ipv4_only {
            IpVersion::V4
        } else {
            IpVersion::V6
        })
        .ipv4_aliasing(if options.ipv4_aliases {
            Ipv4Aliasing::Enabled
        } else {
            Ipv4Aliasing::Disabled
        })
        .build_epoch(SystemTime::UNIX_EPOCH + Duration::from_secs(options.build_epoch))
        .build();
    for (net, record) in entries {
        let value = match schema {
            FixtureSchema::MaxMindCity => maxmind_value(record),
            FixtureSchema::IpLocationDb => flat_value(record),
        };
        writer.insert_value(*net, value).map_err(io::Error::other)?;
    }
    writer.to_bytes().map_err(io::Error::other)
}

/// Writes `bytes` next to `path` and renames them over it, as database updaters do: a reader
/// that has the old file mapped keeps its old pages instead of faulting on a truncated file.
pub fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn names(en: &str) -> Value {
    // A second language, so readers are seen to pick English rather than the only entry.
    Value::map([
        ("de", Value::from(format!("{en} (de)"))),
        ("en", Value::from(en)),
    ])
}

fn maxmind_value(r: &FixtureRecord) -> Value {
    let mut top: Vec<(&str, Value)> = Vec::new();
    if let Some(code) = &r.continent {
        top.push((
            "continent",
            Value::map([
                ("code", Value::from(code.as_str())),
                ("geoname_id", Value::from(6_255_148_u32)),
                ("names", names(code)),
            ]),
        ));
    }
    if let Some(code) = &r.country {
        let country = Value::map([
            ("geoname_id", Value::from(2_921_044_u32)),
            ("iso_code", Value::from(code.as_str())),
            ("names", names(code)),
        ]);
        top.push(("registered_country", country.clone()));
        top.push(("country", country));
    }
    if r.subdivision_code.is_some() || r.subdivision_name.is_some() {
        let mut first: Vec<(&str, Value)> = Vec::new();
        if let Some(code) = &r.subdivision_code {
            first.push(("iso_code", Value::from(code.as_str())));
        }
        if let Some(name) = &r.subdivision_name {
            first.push(("names", names(name)));
        }
        // A smaller second-level subdivision after the first, as MaxMind writes for the UK.
        let second = Value::map([
            ("iso_code", Value::from("ZZZ")),
            ("names", names("Second Level")),
        ]);
        top.push(("subdivisions", Value::array([Value::map(first), second])));
    }
    if let Some(name) = &r.city {
        top.push((
            "city",
            Value::map([("geoname_id", Value::from(1u32)), ("names", names(name))]),
        ));
    }
    if let Some(asn) = r.asn {
        top.push(("autonomous_system_number", Value::from(asn)));
    }
    if let Some(org) = &r.as_org {
        top.push(("autonomous_system_organization", Value::from(org.as_str())));
    }
    top.push((
        "location",
        Value::map([
            ("accuracy_radius", Value::from(100u16)),
            ("latitude", Value::from(48.1_f64)),
            ("longitude", Value::from(11.6_f64)),
            ("time_zone", Value::from("Europe/Berlin")),
        ]),
    ));
    top.push(("postal", Value::map([("code", Value::from("80331"))])));
    Value::map(top)
}

fn flat_value(r: &FixtureRecord) -> Value {
    let mut top: Vec<(&str, Value)> = Vec::new();
    let mut put = |key, value: &Option<String>| {
        if let Some(v) = value {
            top.push((key, Value::from(v.as_str())));
        }
    };
    put("continent", &r.continent);
    put("country_code", &r.country);
    // ip-location-db carries subdivision names only.
    put(
        "state1",
        &r.subdivision_name.clone().or(r.subdivision_code.clone()),
    );
    put("city", &r.city);
    put("autonomous_system_organization", &r.as_org);
    if let Some(asn) = r.asn {
        top.push(("autonomous_system_number", Value::from(asn)));
    }
    top.push(("latitude", Value::from(48.1_f64)));
    top.push(("longitude", Value::from(11.6_f64)));
    Value::map(top)
}

/// A directory under cargo's per-target temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "geo-{name}-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create fixture dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `"203.0.113.0/24"` as an [`IpNet`], for tables of entries.
pub fn net(text: &str) -> IpNet {
    text.parse().expect("fixture network")
}
