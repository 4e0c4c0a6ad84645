//! Fraud-number and premium-rate prefix lists, matched by longest prefix.

use std::collections::HashMap;
use std::path::PathBuf;

use super::category::NumberCategory;
use super::numberfile::parse_line;
use crate::lookups::list_file::{numbered_lines, read_list};
use crate::lookups::list_issue::{IssueSink, ListIssue, file_label};

/// One configured number list: every prefix in it has `category` unless its line says
/// otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberListSpec {
    pub name: String,
    pub path: PathBuf,
    pub category: NumberCategory,
}

/// How a written number (a list's prefix, a dialled number) becomes the digits lists are keyed
/// by: E.164 without `+` where the country is known, the dialled digits otherwise; None for
/// text that is no number.
pub type ReadNumber<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A list compiled into the module (the shipped high-risk list), read like a file.
pub struct BuiltinList<'a> {
    pub name: &'a str,
    pub category: NumberCategory,
    pub text: &'a str,
}

/// The listed prefix a dialled number falls under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberHit {
    /// Normalised digits, as matched (`4490`, not `+44 90`).
    pub prefix: String,
    pub category: NumberCategory,
    pub list: String,
    pub note: Option<String>,
}

#[derive(Debug)]
struct Listed {
    list: u32,
    /// A per-line `category=`; `None` means the list's own.
    category: Option<NumberCategory>,
    note: Option<Box<str>>,
    /// Where it was read, for the message about a later duplicate.
    line: usize,
}

/// Number prefixes from list files, one category per list.
///
/// A list file has one prefix per line; `#` starts a comment (a whole line or the rest of one):
///
/// ```text
/// # premium-rate ranges we never call
/// +4490 premium rate UK
/// 004491, premium rate UK            # +4491 where 00 is the international prefix
/// +882, satellite                    # a comma may separate the note
/// +881 category=known_fraud Iridium  # this line's category instead of the list's
/// 0900                               # a national number: +44900 in the UK; as dialled
///                                    # where the PBX's country is not configured
/// ```
///
/// The prefix is written as a dialled number would be, read with the PBX's dialling habits
/// ([`ReadNumber`]): `+` (or the country's international prefix) before the country code,
/// `-`, `.` and parentheses allowed, but no spaces: the first space or comma ends it. A note that begins with digits therefore needs a comma
/// (`882, 16 ranges`); without one the line is refused, as `+44 90` most likely meant `+4490`.
/// `category=` accepts `premium`, `shared_cost` and `known_fraud`; anything else refuses the
/// line, so that a typo is reported rather than silently downgrading a fraud prefix.
///
/// A prefix listed twice keeps its first entry (lists in configuration order) and the later
/// line is reported. Lookups use the longest listed prefix of the number.
#[derive(Debug, Default)]
pub struct NumberLists {
    prefixes: HashMap<Box<str>, Listed>,
    /// Distinct prefix lengths, longest first: a lookup tries only lengths that exist.
    lengths: Vec<usize>,
    lists: Vec<(String, NumberCategory, usize)>,
}

impl NumberLists {
    /// Reads every list, then the built-in ones (a prefix in a configured list wins over the
    /// same prefix built in). A missing or unreadable file is reported and counts as empty; bad
    /// lines are reported and skipped.
    pub fn load(
        specs: &[NumberListSpec],
        builtin: &[BuiltinList],
        read: ReadNumber,
    ) -> (NumberLists, Vec<ListIssue>) {
        let mut lists = NumberLists::default();
        let mut issues = Vec::new();
        let mut all: Vec<NumberListSpec> = specs.to_vec();
        all.extend(builtin.iter().map(|b| NumberListSpec {
            name: b.name.to_owned(),
            path: std::path::PathBuf::from(format!("(built in) {}", b.name)),
            category: b.category.clone(),
        }));
        for (index, spec) in all.iter().enumerate() {
            let file = file_label(&spec.path);
            let text = match index.checked_sub(specs.len()) {
                Some(b) => Ok(builtin[b].text.to_owned()),
                None => read_list(&spec.path).map(|(text, _)| text),
            };
            let count = match (text, u32::try_from(index)) {
                (Ok(text), Ok(index)) => {
                    let mut sink = IssueSink::new(&file);
                    let count = lists.add_file(index, &text, &all, read, &mut sink);
                    issues.extend(sink.finish());
                    count
                }
                (Err(message), _) => {
                    issues.push(ListIssue::whole_file(&file, message));
                    0
                }
                (_, Err(_)) => 0,
            };
            lists
                .lists
                .push((spec.name.clone(), spec.category.clone(), count));
        }
        let mut lengths: Vec<usize> = lists.prefixes.keys().map(|p| p.len()).collect();
        lengths.sort_unstable_by(|a, b| b.cmp(a));
        lengths.dedup();
        lists.lengths = lengths;
        (lists, issues)
    }

    /// Adds one file's prefixes; returns how many were new.
    fn add_file(
        &mut self,
        index: u32,
        text: &str,
        specs: &[NumberListSpec],
        read: ReadNumber,
        sink: &mut IssueSink,
    ) -> usize {
        let mut count = 0;
        for (n, line) in numbered_lines(text) {
            let parsed = match parse_line(line, read) {
                Ok(Some(p)) => p,
                Ok(None) => continue,
                Err(e) => {
                    sink.report(n, e);
                    continue;
                }
            };
            if let Some(first) = self.prefixes.get(parsed.prefix.as_str()) {
                let at = specs
                    .get(first.list as usize)
                    .map(|s| file_label(&s.path))
                    .unwrap_or_default();
                sink.report(
                    n,
                    format!(
                        "prefix {} is already listed at {at}:{}; this line is ignored",
                        parsed.prefix, first.line
                    ),
                );
                continue;
            }
            self.prefixes.insert(
                parsed.prefix.into_boxed_str(),
                Listed {
                    list: index,
                    category: parsed.category,
                    note: parsed.note.map(String::into_boxed_str),
                    line: n,
                },
            );
            count += 1;
        }
        count
    }

    /// The longest listed prefix of `dialled` as `read` gives it; `None` for a string that is
    /// no number, or a number on no list.
    pub fn lookup(&self, dialled: &str, read: ReadNumber) -> Option<NumberHit> {
        self.lookup_digits(&read(dialled)?)
    }

    /// The longest listed prefix of digits already read (E.164 without `+`, or dialled digits).
    pub fn lookup_digits(&self, digits: &str) -> Option<NumberHit> {
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (prefix, listed) = self
            .lengths
            .iter()
            .filter(|len| **len <= digits.len())
            .find_map(|len| {
                let prefix = &digits[..*len];
                self.prefixes.get(prefix).map(|l| (prefix, l))
            })?;
        let (list, list_category, _) = self.lists.get(listed.list as usize)?;
        Some(NumberHit {
            prefix: prefix.to_string(),
            category: listed
                .category
                .clone()
                .unwrap_or_else(|| list_category.clone()),
            list: list.clone(),
            note: listed.note.as_deref().map(str::to_string),
        })
    }

    /// Distinct prefixes over all lists.
    pub fn len(&self) -> usize {
        self.prefixes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.prefixes.is_empty()
    }

    /// Each list's name, category and how many prefixes it contributed, in configuration order.
    pub fn describe(&self) -> Vec<(String, NumberCategory, usize)> {
        self.lists.clone()
    }
}
