//! What parsing one list file gives: its usable entries and its bad lines.

use ipnet::IpNet;

use crate::lookups::list_issue::{IssueSink, ListIssue};

/// The usable entries of one file, sorted and without duplicates, and its bad lines.
#[derive(Debug, Default)]
pub(crate) struct ParsedList {
    pub nets: Vec<IpNet>,
    pub issues: Vec<ListIssue>,
}

impl ParsedList {
    pub(crate) fn new(mut nets: Vec<IpNet>, sink: IssueSink) -> ParsedList {
        nets.sort_unstable();
        nets.dedup();
        nets.shrink_to_fit();
        ParsedList {
            nets,
            issues: sink.finish(),
        }
    }
}
