//! Blocklists that follow their files: a periodic check re-reads only the files that changed
//! and swaps in a new [`Blocklist`] whole.

use std::sync::Arc;

use ipnet::IpNet;

use super::blocklist::{Blocklist, ListSpec, read_and_parse};
use crate::lookups::list_file::{Fingerprint, fingerprint};
use crate::lookups::list_issue::ListIssue;

/// The configured lists, what was last read from each, and the blocklist built from them.
///
/// [`refresh_if_changed`](Self::refresh_if_changed) does file I/O and, when something changed,
/// parses and rebuilds: call it from a background thread (the engine's timer), never from one
/// of Asterisk's. Readers take [`current`](Self::current) and keep using their `Arc` as long as
/// they like.
///
/// A list file that becomes unusable (deleted, unreadable, not JSON, an APIBAN error reply)
/// keeps the entries read from it before, and the issue says so: a download that failed or is
/// half-way through replacing the file must not empty the list.
#[derive(Debug)]
pub struct BlocklistSource {
    lists: Vec<Tracked>,
    current: Arc<Blocklist>,
}

#[derive(Debug)]
struct Tracked {
    spec: ListSpec,
    /// `None` when the file could not be stat'ed when last looked at.
    seen: Option<Fingerprint>,
    /// The last good parse, kept so that one changed file does not mean re-reading the rest.
    nets: Vec<IpNet>,
}

impl BlocklistSource {
    pub fn open(specs: Vec<ListSpec>) -> (BlocklistSource, Vec<ListIssue>) {
        let mut issues = Vec::new();
        let lists = specs
            .into_iter()
            .map(|spec| {
                let mut t = Tracked {
                    spec,
                    seen: None,
                    nets: Vec::new(),
                };
                t.reload(&mut issues);
                t
            })
            .collect();
        let mut source = BlocklistSource {
            lists,
            current: Arc::default(),
        };
        source.rebuild();
        (source, issues)
    }

    /// The blocklist as of the last load or refresh.
    pub fn current(&self) -> Arc<Blocklist> {
        Arc::clone(&self.current)
    }

    /// The lists as configured.
    pub fn specs(&self) -> impl Iterator<Item = &ListSpec> {
        self.lists.iter().map(|t| &t.spec)
    }

    /// Re-reads the lists whose file changed (size, modification time or inode; a file that
    /// appeared or disappeared) and, if any did, builds a new blocklist. `Some(issues)` when it
    /// reloaded (the issues of the re-read files only, possibly none), `None` when nothing
    /// changed.
    pub fn refresh_if_changed(&mut self) -> Option<Vec<ListIssue>> {
        let mut issues = Vec::new();
        let mut changed = false;
        for t in &mut self.lists {
            if fingerprint(&t.spec.path) != t.seen {
                t.reload(&mut issues);
                changed = true;
            }
        }
        if !changed {
            return None;
        }
        self.rebuild();
        Some(issues)
    }

    fn rebuild(&mut self) {
        let lists = self
            .lists
            .iter()
            .map(|t| (t.spec.name.as_str(), t.nets.as_slice()));
        self.current = Arc::new(Blocklist::build(lists));
    }
}

impl Tracked {
    fn reload(&mut self, issues: &mut Vec<ListIssue>) {
        let (result, seen) = read_and_parse(&self.spec);
        self.seen = seen;
        match result {
            Ok(mut parsed) => {
                self.nets = parsed.nets;
                issues.append(&mut parsed.issues);
            }
            Err(mut issue) => {
                if !self.nets.is_empty() {
                    issue.message = format!(
                        "{}; keeping the {} entries read from it before",
                        issue.message,
                        self.nets.len()
                    );
                }
                issues.push(issue);
            }
        }
    }
}
