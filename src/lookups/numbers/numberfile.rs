//! One line of a number-prefix list (the syntax is documented on [`super::NumberLists`]).

use super::ReadNumber;
use super::category::NumberCategory;
use crate::util::escape::for_log;

/// A usable line: the normalised prefix, its per-line category, its note.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct PrefixLine {
    pub prefix: String,
    pub category: Option<NumberCategory>,
    pub note: Option<String>,
}

const CATEGORY_KEY: &str = "category=";

/// `Ok(None)` for a blank or comment line; `Err` says what was expected.
pub(crate) fn parse_line(line: &str, read: ReadNumber) -> Result<Option<PrefixLine>, String> {
    let content = match line.find('#') {
        Some(i) => &line[..i],
        None => line,
    }
    .trim();
    if content.is_empty() {
        return Ok(None);
    }
    let end = content
        .find(|c: char| c.is_whitespace() || c == ',')
        .unwrap_or(content.len());
    let (prefix_text, rest) = content.split_at(end);
    let Some(prefix) = read(prefix_text) else {
        return Err(format!(
            "expected a number prefix (digits, optionally after + or the international prefix), found \"{}\"",
            for_log(prefix_text)
        ));
    };

    let (mut rest, comma) = skip_separator(rest);
    let mut category = None;
    let word = first_word(rest);
    if word.len() >= CATEGORY_KEY.len()
        && word.is_char_boundary(CATEGORY_KEY.len())
        && word[..CATEGORY_KEY.len()].eq_ignore_ascii_case(CATEGORY_KEY)
    {
        let value = &word[CATEGORY_KEY.len()..];
        let Some(c) = NumberCategory::parse_known(value) else {
            return Err(format!(
                "expected category=premium, shared_cost or known_fraud, found \"{}\"",
                for_log(word)
            ));
        };
        category = Some(c);
        rest = skip_separator(&rest[word.len()..]).0;
    } else if !comma && looks_like_digits(word) {
        // "+44 90 premium" would otherwise list all of +44 with the note "90 premium".
        return Err(format!(
            "\"{}\" is followed by more digits: a prefix is written without spaces (+4490), \
             and a note that starts with digits needs a comma before it",
            for_log(content)
        ));
    }
    let note = Some(rest.trim())
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    Ok(Some(PrefixLine {
        prefix,
        category,
        note,
    }))
}

/// Skips whitespace and at most one comma; says whether there was a comma.
fn skip_separator(s: &str) -> (&str, bool) {
    let s = s.trim_start();
    match s.strip_prefix(',') {
        Some(after) => (after.trim_start(), true),
        None => (s, false),
    }
}

fn first_word(s: &str) -> &str {
    let end = s
        .find(|c: char| c.is_whitespace() || c == ',')
        .unwrap_or(s.len());
    &s[..end]
}

/// A word that would have been part of the number had it not been separated by a space.
fn looks_like_digits(word: &str) -> bool {
    word.bytes().any(|b| b.is_ascii_digit())
        && word
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'(' | b')'))
}
