//! Live reload: a changed list file gives new answers without a restart, an unchanged one is
//! not read again, and a list whose file breaks keeps what it had.

use std::fs::File;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use res_secast::lookups::intel::{BlocklistSource, ListFormat, ListSpec};

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("secast-reload-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn spec(name: &str, path: &Path, format: ListFormat) -> ListSpec {
    ListSpec {
        name: name.into(),
        path: path.to_path_buf(),
        format,
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Rewrites a file in place (same inode) and stamps it with `mtime`, so that a test does not
/// depend on the clock having ticked between two writes.
fn rewrite(path: &Path, text: &str, mtime: SystemTime) {
    std::fs::write(path, text).unwrap();
    File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
}

fn listed(source: &BlocklistSource, addr: &str) -> Option<String> {
    source.current().lookup(ip(addr)).map(|h| h.list)
}

#[test]
fn nothing_changed_means_no_reload() {
    let dir = tempdir("unchanged");
    let p = dir.join("a.txt");
    std::fs::write(&p, "203.0.113.0/24\n").unwrap();
    let (mut source, issues) = BlocklistSource::open(vec![spec("a", &p, ListFormat::Plain)]);
    assert!(issues.is_empty());
    let before = source.current();
    assert_eq!(source.refresh_if_changed(), None);
    assert!(std::sync::Arc::ptr_eq(&before, &source.current()));
}

#[test]
fn a_changed_file_gives_new_answers_and_old_readers_keep_theirs() {
    let dir = tempdir("changed");
    let t0 = SystemTime::now() - Duration::from_secs(600);
    let p = dir.join("a.txt");
    rewrite(&p, "203.0.113.0/24\n", t0);
    let (mut source, _) = BlocklistSource::open(vec![spec("a", &p, ListFormat::Plain)]);
    let old = source.current();
    assert_eq!(listed(&source, "203.0.113.5"), Some("a".into()));

    rewrite(
        &p,
        "198.51.100.0/24\nnonsense\n",
        t0 + Duration::from_secs(1),
    );
    let issues = source.refresh_if_changed().expect("the file changed");
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].line, 2);
    assert_eq!(listed(&source, "203.0.113.5"), None);
    assert_eq!(listed(&source, "198.51.100.5"), Some("a".into()));
    // A reader holding the previous blocklist is unaffected by the swap.
    assert!(old.lookup(ip("203.0.113.5")).is_some());
    assert_eq!(source.refresh_if_changed(), None);
}

#[test]
fn an_unchanged_file_is_not_parsed_again() {
    let dir = tempdir("not-reparsed");
    let t0 = SystemTime::now() - Duration::from_secs(600);
    let a = dir.join("a.txt");
    let b = dir.join("b.txt");
    rewrite(&a, "203.0.113.0/24\n", t0);
    rewrite(&b, "198.51.100.0/24\n", t0);
    let (mut source, _) = BlocklistSource::open(vec![
        spec("a", &a, ListFormat::Plain),
        spec("b", &b, ListFormat::Plain),
    ]);
    // b gets other content of the same length, same inode and same mtime: to a reload it has
    // not changed, so its old entries must still answer, which they only can if b was not
    // read again. a changes for real and triggers the reload.
    let same_length = "192.0.2.0/24\n\n\n\n";
    assert_eq!(same_length.len(), "198.51.100.0/24\n".len());
    rewrite(&b, same_length, t0);
    rewrite(&a, "203.0.114.0/24\n", t0 + Duration::from_secs(1));
    assert_eq!(source.refresh_if_changed(), Some(vec![]));
    assert_eq!(listed(&source, "203.0.114.1"), Some("a".into()));
    assert_eq!(listed(&source, "198.51.100.1"), Some("b".into()));
    assert_eq!(listed(&source, "192.0.2.1"), None);
}

#[test]
fn a_file_replaced_by_rename_is_reloaded_even_with_the_same_size_and_time() {
    let dir = tempdir("rename");
    let t0 = SystemTime::now() - Duration::from_secs(600);
    let p = dir.join("a.txt");
    rewrite(&p, "203.0.113.0/24\n", t0);
    let (mut source, _) = BlocklistSource::open(vec![spec("a", &p, ListFormat::Plain)]);
    let tmp = dir.join("a.txt.new");
    rewrite(&tmp, "198.51.100.0/24", t0);
    // Keep the old file alive under another name so that its inode is not reused at once.
    std::fs::rename(&p, dir.join("a.txt.old")).unwrap();
    std::fs::rename(&tmp, &p).unwrap();
    assert!(source.refresh_if_changed().is_some());
    assert_eq!(listed(&source, "198.51.100.1"), Some("a".into()));
}

#[test]
fn a_list_whose_file_breaks_keeps_its_entries_and_says_so() {
    let dir = tempdir("breaks");
    let t0 = SystemTime::now() - Duration::from_secs(600);
    let plain = dir.join("a.txt");
    let json = dir.join("apiban.json");
    rewrite(&plain, "203.0.113.0/24\n", t0);
    rewrite(&json, r#"{"ipaddress":["198.51.100.7"],"ID":"1"}"#, t0);
    let (mut source, _) = BlocklistSource::open(vec![
        spec("a", &plain, ListFormat::Plain),
        spec("apiban", &json, ListFormat::ApiBan),
    ]);

    std::fs::remove_file(&plain).unwrap();
    rewrite(
        &json,
        r#"{"ipaddress":["198.51.1"#,
        t0 + Duration::from_secs(1),
    );
    let issues = source.refresh_if_changed().expect("both changed");
    assert_eq!(issues.len(), 2, "{issues:?}");
    assert!(
        issues[0]
            .message
            .ends_with("keeping the 1 entries read from it before"),
        "{}",
        issues[0]
    );
    assert!(
        issues[1].message.contains("keeping the 1 entries"),
        "{}",
        issues[1]
    );
    assert_eq!(listed(&source, "203.0.113.5"), Some("a".into()));
    assert_eq!(listed(&source, "198.51.100.7"), Some("apiban".into()));
    // Still missing: no news, no repeated issue.
    assert_eq!(source.refresh_if_changed(), None);

    rewrite(&plain, "192.0.2.0/24\n", t0 + Duration::from_secs(2));
    assert_eq!(source.refresh_if_changed(), Some(vec![]));
    assert_eq!(listed(&source, "203.0.113.5"), None);
    assert_eq!(listed(&source, "192.0.2.5"), Some("a".into()));
}

#[test]
fn an_apiban_no_new_bans_reply_saved_over_the_list_keeps_the_list() {
    let dir = tempdir("no-new-bans");
    let t0 = SystemTime::now() - Duration::from_secs(600);
    let p = dir.join("apiban.json");
    rewrite(&p, r#"{"ipaddress":["203.0.113.7"],"ID":"1"}"#, t0);
    let (mut source, _) = BlocklistSource::open(vec![spec("apiban", &p, ListFormat::ApiBan)]);
    rewrite(
        &p,
        r#"{"ipaddress":["no new bans"],"ID":"none"}"#,
        t0 + Duration::from_secs(1),
    );
    let issues = source.refresh_if_changed().expect("changed");
    assert_eq!(issues.len(), 1);
    assert!(
        issues[0].message.contains("incremental reply"),
        "{}",
        issues[0]
    );
    assert_eq!(listed(&source, "203.0.113.7"), Some("apiban".into()));
}

#[test]
fn a_list_missing_at_start_loads_when_its_file_appears() {
    let dir = tempdir("appears");
    let p = dir.join("late.txt");
    let (mut source, issues) = BlocklistSource::open(vec![spec("late", &p, ListFormat::VoipBl)]);
    assert_eq!(issues.len(), 1);
    assert!(source.current().is_empty());
    assert_eq!(source.refresh_if_changed(), None);
    std::fs::write(&p, "203.0.113.0/24\n").unwrap();
    assert_eq!(source.refresh_if_changed(), Some(vec![]));
    assert_eq!(listed(&source, "203.0.113.9"), Some("late".into()));
    assert_eq!(source.specs().count(), 1);
}
