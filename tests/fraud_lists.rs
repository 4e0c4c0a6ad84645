//! Fraud and premium-rate prefix lists: longest-prefix match on normalised digits, categories
//! from the configuration or the line, bad lines reported with file and line.

use std::path::{Path, PathBuf};

use res_secast::calls::Dialling;
use res_secast::lookups::numbers::{NumberCategory, NumberHit, NumberListSpec, NumberLists};

/// Lists read as a PBX whose country is not configured reads them: `+`, `00` and `011` are
/// international prefixes, national numbers are kept as dialled.
fn read(s: &str) -> Option<String> {
    Dialling::new(None, None, None).read(s).map(|n| n.digits)
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("secast-fraud-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, file: &str, text: &str) -> PathBuf {
    let p = dir.join(file);
    std::fs::write(&p, text).unwrap();
    p
}

fn spec(name: &str, path: &Path, category: NumberCategory) -> NumberListSpec {
    NumberListSpec {
        name: name.into(),
        path: path.to_path_buf(),
        category,
    }
}

fn hit(prefix: &str, category: NumberCategory, list: &str, note: Option<&str>) -> NumberHit {
    NumberHit {
        prefix: prefix.into(),
        category,
        list: list.into(),
        note: note.map(str::to_string),
    }
}

/// The example of NumberLists' documentation, as a file.
const DOC_EXAMPLE: &str = "\
# premium-rate ranges we never call
+4490 premium rate UK
004491, premium rate UK            # same as +4491: the international prefix is removed
882, satellite                     # a comma may separate the note
881 category=known_fraud Iridium   # this line's category instead of the list's
0900                               # a national number, matched as dialled (0900…)
";

#[test]
fn the_documented_example_reads_as_documented() {
    let dir = tempdir("doc");
    let p = write(&dir, "premium.txt", DOC_EXAMPLE);
    let (lists, issues) =
        NumberLists::load(&[spec("premium", &p, NumberCategory::Premium)], &[], &read);
    assert!(issues.is_empty(), "{issues:?}");
    use NumberCategory::*;
    assert_eq!(
        lists.lookup("+44 90 1234 5678", &read),
        Some(hit("4490", Premium, "premium", Some("premium rate UK")))
    );
    assert_eq!(
        lists.lookup("011 44 91 1234 5678", &read),
        Some(hit("4491", Premium, "premium", Some("premium rate UK")))
    );
    assert_eq!(
        lists.lookup("00882 1234", &read),
        Some(hit("882", Premium, "premium", Some("satellite")))
    );
    assert_eq!(
        lists.lookup("+881 631 000", &read),
        Some(hit("881", KnownFraud, "premium", Some("Iridium")))
    );
    assert_eq!(
        lists.lookup("0900-123456", &read),
        Some(hit("0900", Premium, "premium", None))
    );
    assert_eq!(lists.lookup("+44 20 7946 0000", &read), None);
    assert_eq!(lists.lookup("*98#", &read), None);
    assert_eq!(lists.len(), 5);
    assert_eq!(lists.describe(), vec![("premium".to_string(), Premium, 5)]);
}

#[test]
fn the_longest_listed_prefix_wins() {
    let dir = tempdir("longest");
    let p = write(&dir, "l.txt", "44 UK\n4490 UK premium\n449012 one range\n");
    let (lists, issues) =
        NumberLists::load(&[spec("l", &p, NumberCategory::SharedCost)], &[], &read);
    assert!(issues.is_empty(), "{issues:?}");
    let prefix = |d: &str| lists.lookup(d, &read).map(|h| h.prefix);
    assert_eq!(prefix("+449012777").as_deref(), Some("449012"));
    assert_eq!(prefix("+449013777").as_deref(), Some("4490"));
    assert_eq!(prefix("+4420").as_deref(), Some("44"));
    assert_eq!(prefix("+4").as_deref(), None);
    assert_eq!(prefix("+33").as_deref(), None);
    assert_eq!(
        lists.lookup_digits("449012").map(|h| h.prefix).as_deref(),
        Some("449012")
    );
    assert_eq!(lists.lookup_digits("+449012"), None);
}

#[test]
fn categories_come_from_the_list_unless_a_line_says_otherwise() {
    let dir = tempdir("categories");
    let premium = write(&dir, "premium.txt", "4490\n4487 category=shared_cost\n");
    let fraud = write(&dir, "fraud.txt", "882\n 881 category=Premium, Iridium\n");
    let other = write(&dir, "other.txt", "4470 personal numbers\n");
    let (lists, issues) = NumberLists::load(
        &[
            spec("premium", &premium, NumberCategory::Premium),
            spec("fraud", &fraud, NumberCategory::KnownFraud),
            spec(
                "personal",
                &other,
                "personal".parse::<NumberCategory>().unwrap(),
            ),
        ],
        &[],
        &read,
    );
    assert!(issues.is_empty(), "{issues:?}");
    let cat = |d: &str| lists.lookup(d, &read).map(|h| h.category);
    assert_eq!(cat("+449000"), Some(NumberCategory::Premium));
    assert_eq!(cat("+448700"), Some(NumberCategory::SharedCost));
    assert_eq!(cat("+88200"), Some(NumberCategory::KnownFraud));
    assert_eq!(cat("+88100"), Some(NumberCategory::Premium));
    assert_eq!(
        cat("+447000"),
        Some(NumberCategory::Other("personal".into()))
    );
    assert_eq!(
        lists.lookup("+88100", &read).unwrap().note.as_deref(),
        Some("Iridium")
    );
    assert_eq!(
        lists.describe(),
        vec![
            ("premium".into(), NumberCategory::Premium, 2),
            ("fraud".into(), NumberCategory::KnownFraud, 2),
            (
                "personal".into(),
                NumberCategory::Other("personal".into()),
                1
            ),
        ]
    );
}

#[test]
fn category_names_parse_in_either_spelling() {
    assert_eq!(
        "premium".parse::<NumberCategory>().unwrap(),
        NumberCategory::Premium
    );
    assert_eq!(
        "Shared-Cost".parse::<NumberCategory>().unwrap(),
        NumberCategory::SharedCost
    );
    assert_eq!(
        "KNOWN_FRAUD".parse::<NumberCategory>().unwrap(),
        NumberCategory::KnownFraud
    );
    assert_eq!(
        " irsf ".parse::<NumberCategory>().unwrap(),
        NumberCategory::Other("irsf".into())
    );
    assert_eq!(NumberCategory::parse_known("irsf"), None);
    assert_eq!(NumberCategory::SharedCost.to_string(), "shared_cost");
}

#[test]
fn bad_lines_are_reported_with_file_and_line_and_skipped() {
    let dir = tempdir("bad");
    let p = write(
        &dir,
        "l.txt",
        "4490\n\
         +44 90 premium\n\
         abc\n\
         881 category=premiun\n\
         *98\n\
         882 satellite\n\
         4490 again\n\
         \n\
         883,  123 note with digits\n",
    );
    let (lists, issues) = NumberLists::load(&[spec("l", &p, NumberCategory::Premium)], &[], &read);
    let at: Vec<usize> = issues.iter().map(|i| i.line).collect();
    assert_eq!(at, vec![2, 3, 4, 5, 7], "{issues:?}");
    assert!(
        issues[0]
            .to_string()
            .starts_with(&format!("{}:2: ", p.display())),
        "{}",
        issues[0]
    );
    assert!(
        issues[0].message.contains("without spaces"),
        "{}",
        issues[0]
    );
    assert!(
        issues[1].message.starts_with("expected a number prefix"),
        "{}",
        issues[1]
    );
    assert!(
        issues[2]
            .message
            .contains("premium, shared_cost or known_fraud"),
        "{}",
        issues[2]
    );
    assert!(
        issues[4]
            .message
            .contains(&format!("already listed at {}:1", p.display())),
        "{}",
        issues[4]
    );
    assert_eq!(lists.len(), 3);
    // "+44 90" was refused, so 44 is not listed as a whole.
    assert_eq!(lists.lookup("+4420", &read), None);
    assert_eq!(
        lists
            .lookup("+883 1", &read)
            .and_then(|h| h.note)
            .as_deref(),
        Some("123 note with digits")
    );
}

#[test]
fn a_missing_list_is_an_issue_and_the_others_still_load() {
    let dir = tempdir("missing");
    let good = write(&dir, "good.txt", "882\n");
    let missing = dir.join("missing.txt");
    let (lists, issues) = NumberLists::load(
        &[
            spec("missing", &missing, NumberCategory::Premium),
            spec("good", &good, NumberCategory::KnownFraud),
        ],
        &[],
        &read,
    );
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].line, 0);
    assert_eq!(issues[0].file, missing.display().to_string());
    assert_eq!(
        lists.lookup("+88216", &read).map(|h| h.list).as_deref(),
        Some("good")
    );
    assert_eq!(lists.describe()[0].2, 0);
}

#[test]
fn junk_files_never_panic() {
    let dir = tempdir("junk");
    let mut junk = Vec::new();
    let mut x: u32 = 99;
    for _ in 0..100_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        junk.push((x >> 16) as u8);
    }
    let p = dir.join("junk.txt");
    std::fs::write(&p, &junk).unwrap();
    let (lists, issues) =
        NumberLists::load(&[spec("junk", &p, NumberCategory::Premium)], &[], &read);
    assert!(issues.len() <= 51);
    for i in &issues {
        assert!(!i.to_string().chars().any(|c| c.is_control()), "{i:?}");
    }
    let _ = lists.lookup("12345", &read);
}
