//! Blocklist files in each format give known answers; bad lines and bad files are reported
//! with file and line and never stop the rest from loading.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use res_secast::lookups::intel::{Blocklist, ListFormat, ListHit, ListIssue, ListSpec};

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("secast-intel-{name}-{}", std::process::id()));
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

fn write(dir: &Path, file: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(file);
    std::fs::write(&p, text).unwrap();
    p
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

fn hit(b: &Blocklist, addr: &str) -> Option<(String, IpNet)> {
    b.lookup(ip(addr)).map(|ListHit { list, net }| (list, net))
}

fn on(list: &str, n: &str) -> Option<(String, IpNet)> {
    Some((list.to_string(), net(n)))
}

fn lines(issues: &[ListIssue]) -> Vec<usize> {
    issues.iter().map(|i| i.line).collect()
}

#[test]
fn format_names_are_read_in_any_case() {
    assert_eq!("plain".parse::<ListFormat>().ok(), Some(ListFormat::Plain));
    assert_eq!(
        " APIBAN ".parse::<ListFormat>().ok(),
        Some(ListFormat::ApiBan)
    );
    assert_eq!(
        "VoIPBL".parse::<ListFormat>().ok(),
        Some(ListFormat::VoipBl)
    );
    assert_eq!("csv".parse::<ListFormat>().ok(), None);
    assert_eq!("".parse::<ListFormat>().ok(), None);
}

#[test]
fn plain_list_answers_for_addresses_prefixes_and_ipv6() {
    let dir = tempdir("plain");
    let p = write(
        &dir,
        "own.txt",
        "# our own list\n\
         203.0.113.7\n\
         \n\
         198.51.100.0/24   ; scanner farm\n\
         198.51.0.0/16\n\
         198.51.100.128/25 # the worst half\n\
         2001:db8:bad::/48\n\
         2001:db8:bad:1::5\n\
         192.0.2.77/24\r\n",
    );
    let (b, issues) = Blocklist::load(&[spec("own", &p, ListFormat::Plain)]);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(hit(&b, "203.0.113.7"), on("own", "203.0.113.7/32"));
    assert_eq!(
        b.lookup_ref(ip("203.0.113.7")),
        Some(("own", net("203.0.113.7/32")))
    );
    assert_eq!(hit(&b, "203.0.113.8"), None);
    // Overlapping /16, /24 and /25: the longest that covers the address wins.
    assert_eq!(hit(&b, "198.51.100.200"), on("own", "198.51.100.128/25"));
    assert_eq!(hit(&b, "198.51.100.5"), on("own", "198.51.100.0/24"));
    assert_eq!(hit(&b, "198.51.7.1"), on("own", "198.51.0.0/16"));
    assert_eq!(hit(&b, "198.52.0.1"), None);
    assert_eq!(
        hit(&b, "2001:db8:bad:1::5"),
        on("own", "2001:db8:bad:1::5/128")
    );
    assert_eq!(hit(&b, "2001:db8:bad:2::9"), on("own", "2001:db8:bad::/48"));
    assert_eq!(hit(&b, "2001:db8:bae::1"), None);
    // Host bits set in a prefix are cleared, as a firewall reads it.
    assert_eq!(hit(&b, "192.0.2.1"), on("own", "192.0.2.0/24"));
    assert_eq!(b.len(), 7);
    assert_eq!(b.describe(), vec![("own".to_string(), 7)]);
}

#[test]
fn apiban_reply_is_read_with_extra_fields_and_its_no_new_bans_marker() {
    let dir = tempdir("apiban");
    let reply = write(
        &dir,
        "apiban.json",
        r#"{"ipaddress":["203.0.113.7","198.51.100.0/24","2001:db8::66","no new bans"],"ID":"1712345678","extra":{"x":[1,2]}}"#,
    );
    let array = write(&dir, "array.json", r#"[ "192.0.2.1", "2001:db8:1::/48" ]"#);
    let objects = write(
        &dir,
        "objects.json",
        r#"{"ipaddress":[{"IP":"192.0.2.99","seen":"x"}],"ID":"none"}"#,
    );
    let (b, issues) = Blocklist::load(&[
        spec("apiban", &reply, ListFormat::ApiBan),
        spec("array", &array, ListFormat::ApiBan),
        spec("objects", &objects, ListFormat::ApiBan),
    ]);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(hit(&b, "203.0.113.7"), on("apiban", "203.0.113.7/32"));
    assert_eq!(hit(&b, "198.51.100.9"), on("apiban", "198.51.100.0/24"));
    assert_eq!(hit(&b, "2001:db8::66"), on("apiban", "2001:db8::66/128"));
    assert_eq!(hit(&b, "192.0.2.1"), on("array", "192.0.2.1/32"));
    assert_eq!(hit(&b, "2001:db8:1:2::3"), on("array", "2001:db8:1::/48"));
    assert_eq!(hit(&b, "192.0.2.99"), on("objects", "192.0.2.99/32"));
    assert_eq!(
        b.describe(),
        vec![
            ("apiban".to_string(), 3),
            ("array".to_string(), 2),
            ("objects".to_string(), 1)
        ]
    );
}

#[test]
fn voipbl_export_reads_the_first_field_and_hash_comments() {
    let dir = tempdir("voipbl");
    let p = write(
        &dir,
        "voipbl.txt",
        "#\n# VoIPBL.org - blacklist\n#\n203.0.113.0/24\n198.51.100.7/32\n192.0.2.5 extra fields\n",
    );
    let (b, issues) = Blocklist::load(&[spec("voipbl", &p, ListFormat::VoipBl)]);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(hit(&b, "203.0.113.200"), on("voipbl", "203.0.113.0/24"));
    assert_eq!(hit(&b, "198.51.100.7"), on("voipbl", "198.51.100.7/32"));
    assert_eq!(hit(&b, "192.0.2.5"), on("voipbl", "192.0.2.5/32"));
    assert_eq!(b.len(), 3);
}

#[test]
fn bad_lines_are_reported_with_file_and_line_and_skipped() {
    let dir = tempdir("bad-lines");
    let p = write(
        &dir,
        "plain.txt",
        "203.0.113.7\n\
         not-an-address\n\
         198.51.100.0/33\n\
         192.0.2.1 192.0.2.2\n\
         10.0.0.0/4\n\
         ::/0\n\
         192.0.2.0/+24\n\
         fe80::1%eth0\n\
         198.51.100.9\n",
    );
    let (b, issues) = Blocklist::load(&[spec("plain", &p, ListFormat::Plain)]);
    assert_eq!(lines(&issues), vec![2, 3, 4, 5, 6, 7, 8]);
    let shown = issues[0].to_string();
    assert!(
        shown.starts_with(&format!("{}:2: expected an IPv4 or IPv6", p.display())),
        "{shown}"
    );
    assert!(shown.contains("\"not-an-address\""), "{shown}");
    assert!(
        issues[1].message.contains("0 to 32"),
        "{}",
        issues[1].message
    );
    assert!(
        issues[3].message.contains("wider than /8"),
        "{}",
        issues[3].message
    );
    assert!(
        issues[4].message.contains("wider than /16"),
        "{}",
        issues[4].message
    );
    assert_eq!(hit(&b, "203.0.113.7"), on("plain", "203.0.113.7/32"));
    assert_eq!(hit(&b, "198.51.100.9"), on("plain", "198.51.100.9/32"));
    assert_eq!(hit(&b, "10.1.2.3"), None);
    assert_eq!(b.len(), 2);
}

#[test]
fn a_bad_apiban_entry_is_reported_at_its_own_line() {
    let dir = tempdir("apiban-bad-entry");
    let p = write(
        &dir,
        "apiban.json",
        "{\n  \"ipaddress\": [\n    \"203.0.113.7\",\n    \"bogus\",\n    42,\n    \"198.51.100.1\"\n  ],\n  \"ID\": \"7\"\n}\n",
    );
    let (b, issues) = Blocklist::load(&[spec("apiban", &p, ListFormat::ApiBan)]);
    assert_eq!(lines(&issues), vec![4, 5]);
    assert!(
        issues[0].message.contains("entry 2"),
        "{}",
        issues[0].message
    );
    assert!(
        issues[1]
            .message
            .contains("expected an address string, found 42"),
        "{}",
        issues[1].message
    );
    assert_eq!(b.len(), 2);
}

#[test]
fn an_apiban_file_that_is_not_json_is_one_issue_at_the_line_it_breaks() {
    let dir = tempdir("apiban-broken");
    let truncated = write(
        &dir,
        "cut.json",
        "{\"ipaddress\": [\n\"203.0.113.7\",\n\"198.51",
    );
    let error_reply = write(
        &dir,
        "limited.json",
        r#"{"ipaddress":"rate limit exceeded","ID":"none"}"#,
    );
    let text = write(&dir, "text.json", "203.0.113.7\n");
    let good = write(&dir, "good.txt", "192.0.2.1\n");
    let (b, issues) = Blocklist::load(&[
        spec("cut", &truncated, ListFormat::ApiBan),
        spec("limited", &error_reply, ListFormat::ApiBan),
        spec("text", &text, ListFormat::ApiBan),
        spec("good", &good, ListFormat::Plain),
    ]);
    assert_eq!(issues.len(), 3, "{issues:?}");
    assert_eq!(issues[0].line, 3, "{}", issues[0]);
    assert!(
        issues[0].message.starts_with("expected APIBAN JSON"),
        "{}",
        issues[0]
    );
    assert!(
        issues[1].message.contains("rate limit exceeded"),
        "{}",
        issues[1]
    );
    assert_eq!(issues[2].line, 0);
    assert_eq!(hit(&b, "192.0.2.1"), on("good", "192.0.2.1/32"));
    assert_eq!(hit(&b, "203.0.113.7"), None);
}

#[test]
fn a_missing_file_is_an_issue_and_the_other_lists_still_load() {
    let dir = tempdir("missing");
    let good = write(&dir, "good.txt", "203.0.113.0/24\n");
    let missing = dir.join("nope.txt");
    let (b, issues) = Blocklist::load(&[
        spec("gone", &missing, ListFormat::Plain),
        spec("good", &good, ListFormat::Plain),
        spec("a-directory", &dir, ListFormat::VoipBl),
    ]);
    assert_eq!(issues.len(), 2, "{issues:?}");
    assert_eq!(issues[0].file, missing.display().to_string());
    assert_eq!(issues[0].line, 0);
    assert!(
        issues[0]
            .to_string()
            .starts_with(&format!("{}: ", missing.display()))
    );
    assert!(issues[1].message.contains("regular file"), "{}", issues[1]);
    assert_eq!(hit(&b, "203.0.113.9"), on("good", "203.0.113.0/24"));
    assert_eq!(
        b.describe(),
        vec![
            ("gone".to_string(), 0),
            ("good".to_string(), 1),
            ("a-directory".to_string(), 0)
        ]
    );
}

#[test]
fn ipv4_mapped_ipv6_addresses_and_entries_are_ipv4() {
    let dir = tempdir("mapped");
    let p = write(&dir, "l.txt", "203.0.113.0/24\n::ffff:198.51.100.0/120\n");
    let (b, issues) = Blocklist::load(&[spec("l", &p, ListFormat::Plain)]);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(hit(&b, "::ffff:203.0.113.5"), on("l", "203.0.113.0/24"));
    assert_eq!(hit(&b, "198.51.100.5"), on("l", "198.51.100.0/24"));
    assert_eq!(hit(&b, "::ffff:198.51.100.5"), on("l", "198.51.100.0/24"));
}

#[test]
fn a_prefix_on_two_lists_is_reported_as_the_first_configured() {
    let dir = tempdir("two-lists");
    let a = write(&dir, "a.txt", "203.0.113.0/24\n203.0.113.0/24\n");
    let b_path = write(&dir, "b.txt", "203.0.113.0/24\n203.0.113.128/25\n");
    let (b, issues) = Blocklist::load(&[
        spec("a", &a, ListFormat::Plain),
        spec("b", &b_path, ListFormat::Plain),
    ]);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(hit(&b, "203.0.113.1"), on("a", "203.0.113.0/24"));
    assert_eq!(hit(&b, "203.0.113.200"), on("b", "203.0.113.128/25"));
    assert_eq!(b.len(), 2);
    assert_eq!(
        b.describe(),
        vec![("a".to_string(), 1), ("b".to_string(), 2)]
    );
}

#[test]
fn garbage_files_never_panic_and_their_issues_are_capped() {
    let dir = tempdir("garbage");
    // Deterministic junk: every byte value, control characters, invalid UTF-8, long lines.
    let mut junk = Vec::new();
    let mut x: u32 = 12345;
    for _ in 0..200_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        junk.push((x >> 16) as u8);
    }
    let plain = write(&dir, "junk.txt", &junk);
    let json = write(&dir, "junk.json", &junk);
    let mut nested = "[".repeat(100_000);
    nested.push_str("\"203.0.113.7\"");
    let deep = write(&dir, "deep.json", nested);
    let (b, issues) = Blocklist::load(&[
        spec("plain", &plain, ListFormat::Plain),
        spec("voipbl", &plain, ListFormat::VoipBl),
        spec("json", &json, ListFormat::ApiBan),
        spec("deep", &deep, ListFormat::ApiBan),
    ]);
    let per_file = |f: &Path| {
        issues
            .iter()
            .filter(|i| i.file == f.display().to_string())
            .count()
    };
    // At most 50 lines each, then one "N more" summary.
    assert!(per_file(&plain) <= 2 * 51, "{}", per_file(&plain));
    assert!(issues.iter().any(|i| i.message.contains("more bad lines")));
    assert_eq!(per_file(&deep), 1);
    for i in &issues {
        let shown = i.to_string();
        assert!(
            !shown.chars().any(|c| c.is_control()),
            "control characters reach the log: {shown:?}"
        );
    }
    let _ = b.lookup(ip("203.0.113.7"));
}

#[test]
fn blocklist_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Blocklist>();
    shared::<std::sync::Arc<Blocklist>>();
}

/// The trie against a plain scan of the same entries, on addresses near the entries' edges.
#[test]
fn lookups_agree_with_a_linear_scan() {
    let dir = tempdir("model");
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut nets = Vec::new();
    for _ in 0..1500 {
        let r = next();
        let n = if r % 5 == 0 {
            let len = 16 + (r >> 8) % 113;
            let addr = std::net::Ipv6Addr::from(
                (0x2001_0db8_u128 << 96) | u128::from(next()) << 40 | u128::from(next() & 0xff),
            );
            IpNet::new(IpAddr::V6(addr), len as u8).unwrap().trunc()
        } else {
            let len = 8 + (r >> 8) % 25;
            // Few /8s so that prefixes overlap.
            let addr =
                std::net::Ipv4Addr::from(((r >> 40) as u32 % 4 + 198) << 24 | (next() as u32 >> 8));
            IpNet::new(IpAddr::V4(addr), len as u8).unwrap().trunc()
        };
        nets.push(n);
    }
    let text: String = nets.iter().map(|n| format!("{n}\n")).collect();
    let p = write(&dir, "model.txt", text);
    let (b, issues) = Blocklist::load(&[spec("m", &p, ListFormat::Plain)]);
    assert!(issues.is_empty(), "{:?}", &issues[..issues.len().min(3)]);
    let probes = nets.iter().flat_map(|n| {
        let below = match n.network() {
            IpAddr::V4(a) => IpAddr::V4(u32::from(a).wrapping_sub(1).into()),
            IpAddr::V6(a) => IpAddr::V6(u128::from(a).wrapping_sub(1).into()),
        };
        let above = match n.broadcast() {
            IpAddr::V4(a) => IpAddr::V4(u32::from(a).wrapping_add(1).into()),
            IpAddr::V6(a) => IpAddr::V6(u128::from(a).wrapping_add(1).into()),
        };
        [n.network(), n.broadcast(), below, above]
    });
    for probe in probes {
        let expected = nets
            .iter()
            .filter(|n| n.contains(&probe))
            .max_by_key(|n| n.prefix_len())
            .copied();
        assert_eq!(b.lookup(probe).map(|h| h.net), expected, "{probe}");
    }
}
