//! Whether a handler is told about a decision: the decisions it asked for, then its filters
//! (rule, minimum risk, country, network). A filter that needs a fact the decision does not
//! have (a country for an audit) does not match.

use ipnet::IpNet;

use super::event::HandlerEvent;
use crate::config::HandlerConfig;

/// The rule, country and network filters; `risk` also checks `min_risk`.
pub fn passes(h: &HandlerConfig, ev: &HandlerEvent, risk: bool) -> bool {
    if !h.wants(ev.action()) {
        return false;
    }
    facts_pass(h, ev.rule(), ev.country(), ev.net())
        && (!risk || h.min_risk == 0 || ev.risk().is_some_and(|r| u32::from(r) >= h.min_risk))
}

/// The filters on the facts a ban in a sync list has.
pub fn facts_pass(
    h: &HandlerConfig,
    rule: &str,
    country: Option<&str>,
    net: Option<IpNet>,
) -> bool {
    if !h.rules.is_empty() && !h.rules.iter().any(|r| r == rule) {
        return false;
    }
    if !h.countries.is_empty() && !country.is_some_and(|c| h.countries.iter().any(|x| x == c)) {
        return false;
    }
    if !h.networks.is_empty() {
        let Some(net) = net else { return false };
        if !h.networks.iter().any(|f| f.contains(&net)) {
            return false;
        }
    }
    true
}
