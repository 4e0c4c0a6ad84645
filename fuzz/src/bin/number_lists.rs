//! The number-list format (`src/lookups/numbers/`): fraud and premium-rate prefix lists, read
//! with the PBX's dialling habits, then looked up.
//!
//! Input: a selector byte (which country's habits read the prefixes), then the list's text.
//! The list goes in as a built-in list (the same reader as a file's, without the disk).

use res_secast::calls::{Dialling, Region};
use res_secast::lookups::numbers::{BuiltinList, NumberCategory, NumberLists};

const COUNTRIES: [Option<&str>; 4] = [None, Some("GB"), Some("US"), Some("AU")];

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Some((selector, rest)) = res_secast_fuzz::selector(data) else {
            return;
        };
        let country = COUNTRIES[usize::from(selector) % COUNTRIES.len()].and_then(Region::country);
        let dialling = Dialling::new(country, None, None);
        let read = |s: &str| dialling.read(s).map(|n| n.digits);
        let text = res_secast_fuzz::text(rest);
        let list = BuiltinList {
            name: "fuzzed",
            category: NumberCategory::Premium,
            text: &text,
        };
        let (lists, issues) = NumberLists::load(&[], &[list], &read);
        for issue in &issues {
            let _ = issue.to_string();
        }
        // Every line's first word is looked up as a dialled number.
        for line in text.lines() {
            if let Some(word) = line.split_whitespace().next() {
                let _ = lists.lookup(word, &read);
            }
        }
        let _ = lists.describe();
    });
}
