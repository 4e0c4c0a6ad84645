//! `[fraud]`: number lists that tell premium-rate, shared-cost and known-fraud destinations.

use super::keys::{KeyDef, list_key};
use crate::lookups::numbers::{NumberCategory, NumberListSpec};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct FraudConfig {
    /// `numbers = CATEGORY:PATH` lines (categories: premium, shared_cost, known_fraud, …).
    pub lists: Vec<NumberListSpec>,
}

/// `CATEGORY:PATH`, e.g. `premium:/etc/asterisk/secast-premium.txt`.
fn parse_number_list(v: &str) -> Result<NumberListSpec, String> {
    const EXPECTED: &str = "CATEGORY:/absolute/path, e.g. premium:/etc/asterisk/premium.txt";
    let (category, path) = v.split_once(':').ok_or(EXPECTED)?;
    let path = path.trim();
    if !path.starts_with('/') || category.trim().is_empty() {
        return Err(EXPECTED.to_owned());
    }
    let path = std::path::PathBuf::from(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "numbers".to_owned());
    let Ok(category) = category.parse::<NumberCategory>();
    Ok(NumberListSpec {
        name,
        path,
        category,
    })
}

pub(super) fn keys() -> Vec<KeyDef> {
    vec![list_key("fraud", "numbers", |c, v| {
        let spec = parse_number_list(v)?;
        c.fraud.lists.push(spec);
        Ok(())
    })]
}
