//! `secast show number <digits>`: which premium-rate or fraud list a dialled number falls under.

use crate::worker::Shared;

/// `secast show number <digits>`: which fraud or premium list a dialled number falls under.
pub fn number_text(shared: &Shared, dialled: &str) -> String {
    let lookups = shared.lookups();
    let shown = crate::util::escape::for_log(dialled);
    let Some(digits) = crate::lookups::numbers::normalise_number(dialled) else {
        return format!("{shown}: not a dialable number\n");
    };
    let mut out = match lookups.numbers.lookup_digits(&digits) {
        Some(hit) => format!(
            "{shown} ({digits}): {} number, prefix {} in list {}{}\n",
            hit.category,
            hit.prefix,
            crate::util::escape::for_log(&hit.list),
            hit.note
                .as_deref()
                .map(|n| format!(" ({})", crate::util::escape::for_log(n)))
                .unwrap_or_default()
        ),
        None => format!("{shown} ({digits}): on no list\n"),
    };
    if lookups.numbers.is_empty() {
        out.push_str("No number lists are configured ([fraud] numbers).\n");
    }
    out
}
