//! GeoSource: reopening the configured file when it is replaced, keeping the old database when
//! the replacement is broken.

mod geo_fixture;

use std::fs::File;
use std::net::IpAddr;
use std::path::Path;

use geo_fixture::{FixtureRecord, FixtureSchema, TempDir, net, replace_file, write_fixture_db};
use res_secast::lookups::geo::{GeoError, GeoSource, Residency};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn write_country(path: &Path, country: &str) {
    write_fixture_db(
        path,
        FixtureSchema::MaxMindCity,
        &[
            (net("203.0.113.0/24"), FixtureRecord::country(country)),
            (net("2001:db8::/32"), FixtureRecord::country(country)),
        ],
    )
    .unwrap();
}

fn country_of(source: &GeoSource, addr: &str) -> Option<String> {
    source.current().lookup(ip(addr)).and_then(|i| i.country)
}

#[test]
fn unchanged_file_is_not_reopened() {
    let dir = TempDir::new("unchanged");
    let path = dir.path().join("geo.mmdb");
    write_country(&path, "RU");
    let mut source = GeoSource::open(&path).unwrap();
    let before = source.current();
    assert!(!source.refresh_if_changed().unwrap());
    assert!(std::sync::Arc::ptr_eq(&before, &source.current()));
}

#[test]
fn replaced_file_is_reopened_with_the_new_answers() {
    let dir = TempDir::new("replaced");
    let path = dir.path().join("geo.mmdb");
    write_country(&path, "RU");
    let mut source = GeoSource::open(&path).unwrap();
    let old = source.current();
    assert_eq!(country_of(&source, "203.0.113.5").as_deref(), Some("RU"));

    write_country(&path, "CN");
    assert!(source.refresh_if_changed().unwrap());
    assert_eq!(country_of(&source, "203.0.113.5").as_deref(), Some("CN"));
    assert_eq!(country_of(&source, "2001:db8::1").as_deref(), Some("CN"));
    assert!(!source.refresh_if_changed().unwrap());

    // A lookup that still holds the previous database keeps getting its answers.
    assert_eq!(
        old.lookup(ip("203.0.113.5")).unwrap().country.as_deref(),
        Some("RU")
    );
}

#[test]
fn replacement_with_same_size_and_mtime_is_still_seen() {
    let dir = TempDir::new("same_size");
    let path = dir.path().join("geo.mmdb");
    write_country(&path, "RU");
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    let len = std::fs::metadata(&path).unwrap().len();
    let mut source = GeoSource::open(&path).unwrap();

    // Same length (two-letter codes), same mtime (npm packages pin every file's mtime): only
    // the inode differs.
    write_country(&path, "CN");
    File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), len);
    assert!(source.refresh_if_changed().unwrap());
    assert_eq!(country_of(&source, "203.0.113.5").as_deref(), Some("CN"));
}

#[test]
fn corrupt_replacement_keeps_the_old_database_and_is_reported_once() {
    let dir = TempDir::new("corrupt_reload");
    let path = dir.path().join("geo.mmdb");
    write_country(&path, "RU");
    let mut source = GeoSource::open(&path).unwrap();

    replace_file(&path, b"\x00\x01 definitely not an mmdb").unwrap();
    let err = source.refresh_if_changed().unwrap_err();
    assert!(matches!(err, GeoError::Invalid { .. }), "{err:?}");
    assert_eq!(country_of(&source, "203.0.113.5").as_deref(), Some("RU"));
    // The same broken file is not reported again on the next poll...
    assert!(!source.refresh_if_changed().unwrap());
    assert_eq!(country_of(&source, "203.0.113.5").as_deref(), Some("RU"));

    // ...and a good file after it is picked up.
    write_country(&path, "BR");
    assert!(source.refresh_if_changed().unwrap());
    assert_eq!(country_of(&source, "203.0.113.5").as_deref(), Some("BR"));
}

#[test]
fn vanished_file_keeps_the_old_database_until_it_returns() {
    let dir = TempDir::new("vanished");
    let path = dir.path().join("geo.mmdb");
    write_country(&path, "RU");
    let mut source = GeoSource::open(&path).unwrap();

    std::fs::remove_file(&path).unwrap();
    assert!(matches!(
        source.refresh_if_changed(),
        Err(GeoError::Io { .. })
    ));
    assert!(!source.refresh_if_changed().unwrap());
    assert_eq!(country_of(&source, "203.0.113.5").as_deref(), Some("RU"));

    write_country(&path, "DE");
    assert!(source.refresh_if_changed().unwrap());
    assert_eq!(country_of(&source, "203.0.113.5").as_deref(), Some("DE"));
}

#[test]
fn reload_reopens_even_an_unchanged_file_and_keeps_the_old_one_on_error() {
    let dir = TempDir::new("reload");
    let path = dir.path().join("geo.mmdb");
    write_country(&path, "RU");
    let mut source = GeoSource::open_as(&path, Residency::InMemory).unwrap();
    let before = source.current();
    source.reload().unwrap();
    assert!(!std::sync::Arc::ptr_eq(&before, &source.current()));
    assert!(source.current().describe().contains("in memory"));

    replace_file(&path, b"garbage").unwrap();
    assert!(source.reload().is_err());
    assert_eq!(country_of(&source, "203.0.113.5").as_deref(), Some("RU"));
}

#[test]
fn opening_a_broken_file_fails_without_a_source() {
    let dir = TempDir::new("open_broken");
    let path = dir.path().join("geo.mmdb");
    replace_file(&path, b"garbage").unwrap();
    assert!(matches!(
        GeoSource::open(&path),
        Err(GeoError::Invalid { .. })
    ));
    assert!(matches!(
        GeoSource::open(&dir.path().join("absent.mmdb")),
        Err(GeoError::Io { .. })
    ));
}
