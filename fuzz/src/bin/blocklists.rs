//! Each blocklist format (`src/lookups/intel/`): plain, APIBAN JSON, VoIPBL, read from a file
//! as a configured list is, then looked up.
//!
//! Input: a selector byte (the format), then the file's contents.

use std::net::IpAddr;
use std::sync::LazyLock;

use res_secast::lookups::intel::{Blocklist, ListFormat, ListSpec};

const FORMATS: [ListFormat; 3] = [ListFormat::Plain, ListFormat::ApiBan, ListFormat::VoipBl];

static FILE: LazyLock<std::path::PathBuf> =
    LazyLock::new(|| res_secast_fuzz::scratch_dir("blocklists").join("list.txt"));

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Some((selector, contents)) = res_secast_fuzz::selector(data) else {
            return;
        };
        let format = FORMATS[usize::from(selector) % FORMATS.len()];
        std::fs::write(&*FILE, contents).expect("the scratch file can be written");
        let spec = ListSpec {
            name: "fuzzed".to_owned(),
            path: FILE.clone(),
            format,
        };
        let (list, issues) = Blocklist::load(&[spec]);
        for issue in &issues {
            let _ = issue.to_string();
        }
        // Anything that looks like an address is looked up: listed ones must hit.
        let text = res_secast_fuzz::text(contents);
        for word in text.split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':')) {
            if let Ok(ip) = word.parse::<IpAddr>() {
                if let Some(hit) = list.lookup(ip) {
                    assert!(hit.net.contains(&res_secast::util::net::canonical_ip(ip)));
                }
            }
        }
        let _ = list.describe();
    });
}
