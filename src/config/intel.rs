//! `[intel]`: blocklists and neighbour risk.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::keys::{KeyDef, key, list_key};
use super::values::{parse_duration, parse_u32, show_as_written};
use crate::lookups::intel::{ListFormat, ListSpec};

/// What to do with a source on a blocklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListedAction {
    Ban,
    Score,
}

impl fmt::Display for ListedAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ListedAction::Ban => "ban",
            ListedAction::Score => "score",
        })
    }
}

impl FromStr for ListedAction {
    type Err = String;

    fn from_str(v: &str) -> Result<Self, String> {
        match v.to_ascii_lowercase().as_str() {
            "ban" => Ok(ListedAction::Ban),
            "score" => Ok(ListedAction::Score),
            _ => Err("ban or score".to_owned()),
        }
    }
}

show_as_written!(ListedAction);

#[derive(Debug, Clone, PartialEq)]
pub struct IntelConfig {
    /// `blocklist = FORMAT:PATH` lines (formats: plain, apiban, voipbl).
    pub lists: Vec<ListSpec>,
    pub listed: ListedAction,
    /// Risk points a listed source gets when `listed = score`.
    pub listed_risk: u32,
    /// Risk points for a source whose /24 (IPv4) or /48 (IPv6) holds several recent offenders.
    pub neighbour_risk: u32,
    /// How often changed list and database files are noticed and reloaded.
    pub check_interval: Duration,
}

impl Default for IntelConfig {
    fn default() -> Self {
        IntelConfig {
            lists: Vec::new(),
            listed: ListedAction::Ban,
            listed_risk: 50,
            neighbour_risk: 30,
            check_interval: Duration::from_secs(10),
        }
    }
}

/// `FORMAT:PATH`, e.g. `apiban:/var/lib/asterisk/secast/apiban.json`; the list is named after
/// its file.
fn parse_blocklist(v: &str) -> Result<ListSpec, String> {
    const EXPECTED: &str = "FORMAT:/absolute/path with FORMAT plain, apiban or voipbl";
    let (format, path) = v.split_once(':').ok_or(EXPECTED)?;
    let format: ListFormat = format.parse().map_err(|_| EXPECTED)?;
    let path = path.trim();
    if !path.starts_with('/') {
        return Err(EXPECTED.to_owned());
    }
    let path = std::path::PathBuf::from(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "list".to_owned());
    Ok(ListSpec { name, path, format })
}

pub(super) fn keys() -> Vec<KeyDef> {
    vec![
        list_key("intel", "blocklist", |c, v| {
            let spec = parse_blocklist(v)?;
            c.intel.lists.push(spec);
            Ok(())
        }),
        key!("intel", "listed", intel.listed, |v: &str| v
            .parse::<ListedAction>()),
        key!("intel", "listed_risk", intel.listed_risk, |v| parse_u32(
            v, 0, 100
        )),
        key!("intel", "ban", rules.intel.ban, parse_duration),
        key!(
            "intel",
            "neighbour_threshold",
            rules.neighbour.threshold,
            |v| parse_u32(v, 1, 1000)
        ),
        key!(
            "intel",
            "neighbour_window",
            rules.neighbour.window,
            parse_duration
        ),
        key!("intel", "neighbour_risk", intel.neighbour_risk, |v| {
            parse_u32(v, 0, 100)
        }),
        key!(
            "intel",
            "check_interval",
            intel.check_interval,
            parse_duration
        ),
    ]
}
