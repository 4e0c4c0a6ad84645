//! `secast show number <digits>`: a dialled number as the call guard reads it: its E.164
//! form, country and class, the list it falls under, and the limits that count it.

use crate::worker::Shared;

pub fn number_text(shared: &Shared, dialled: &str) -> String {
    let mut out = super::calls_page::number_lines(shared, dialled);
    if shared.lookups().numbers.is_empty() {
        out.push_str("No number lists are loaded ([fraud] numbers, [calls] high_risk_list).\n");
    }
    out
}
