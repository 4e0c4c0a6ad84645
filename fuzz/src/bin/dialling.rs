//! Dialled-number normalisation (`src/calls/dialling.rs`): what the call guard makes of a
//! dialled string (attacker-supplied: it comes from the INVITE) with the PBX's dialling habits,
//! and the destination it classifies it as.
//!
//! Input: the first line is `CC exit,exit trunk` (the PBX's country and prefixes; `-` for the
//! country's defaults), every further line a dialled number.

use std::sync::LazyLock;

use res_secast::calls::{Destination, Dialling, Region};
use res_secast::lookups::numbers::NumberLists;

/// Classification needs lists; an empty set exercises the reading, not the lookups.
static NO_LISTS: LazyLock<NumberLists> = LazyLock::new(NumberLists::default);

fn habits(line: &str) -> Dialling {
    let mut parts = line.split_whitespace();
    let country = parts.next().and_then(Region::country);
    let exit: Option<Vec<String>> = parts
        .next()
        .filter(|p| *p != "-")
        .map(|p| p.split(',').map(str::to_owned).collect());
    let trunk = parts.next().map(|t| (t != "-").then_some(t));
    Dialling::new(country, exit.as_deref(), trunk)
}

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let text = res_secast_fuzz::text(data);
        let mut lines = text.split('\n');
        let dialling = habits(lines.next().unwrap_or(""));
        for dialled in lines {
            if let Some(number) = dialling.read(dialled) {
                assert!(
                    !number.digits.is_empty() && number.digits.bytes().all(|b| b.is_ascii_digit()),
                    "{dialled:?} read as {:?}",
                    number.digits
                );
                // An E.164 number reads back as itself with a `+`.
                if number.e164 {
                    let again = dialling.read(&format!("+{}", number.digits));
                    assert_eq!(again.map(|n| n.digits), Some(number.digits.clone()));
                }
            }
            let _ = Destination::classify(dialled, &dialling, &NO_LISTS);
        }
    });
}
