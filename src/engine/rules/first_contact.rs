//! Who and where a source is, asked on its first contact, when the lists change, and on every
//! login: the blocklists (`intel`), the geo policy (`geo`), and recent offenders nearby
//! (`neighbour`).

use std::net::IpAddr;

use super::{Facts, Findings, Trigger};
use crate::config::Config;
use crate::config::ListedAction;
use crate::decision::RuleId;
use crate::engine::neighbourhood::Neighbourhood;
use crate::engine::source_state::SourceState;
use crate::intake::EventKind;
use crate::lookups::Lookups;
use crate::lookups::geo::{GeoAction, GeoVerdict};
use crate::util::escape::for_log;

/// Text from a database (a city name) for a log line: control characters out.
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(120).collect()
}

/// `intel`: a source on a blocklist is banned at once, or only scored (`listed = score`).
pub(in crate::engine) fn blocklist(
    facts: &Facts,
    lookups: &Lookups,
    st: &mut SourceState,
) -> Option<Trigger> {
    if !facts.look_up {
        return None;
    }
    let (list, net) = lookups.blocklist.lookup_ref(facts.ip)?;
    let cfg = facts.cfg;
    match cfg.intel.listed {
        ListedAction::Ban => Some(Trigger {
            rule: RuleId::Intel,
            reason: format!("intel: listed in {} ({net})", for_log(list)),
        }),
        ListedAction::Score => {
            st.risk.add(
                RuleId::Intel,
                cfg.intel.listed_risk as f32,
                facts.now,
                cfg.general.risk_half_life,
            );
            None
        }
    }
}

/// `geo`: a source located where the policy denies it is banned, scored or reported, as the
/// matching rule says. A successful login from there is always reported.
pub(in crate::engine) fn geo(
    facts: &Facts,
    lookups: &Lookups,
    st: &mut SourceState,
    findings: &mut Findings,
) -> Option<Trigger> {
    if !facts.look_up {
        return None;
    }
    let db = lookups.geo_db.as_ref()?;
    let info = db.lookup(facts.ip);
    let verdict = lookups
        .geo_policy
        .evaluate(facts.ip, facts.account, info.as_ref());
    let GeoVerdict::Denied { action, .. } = &verdict else {
        return None;
    };
    let place = info
        .as_ref()
        .map(|i| printable(&i.summary()))
        .unwrap_or_default();
    let reason = format!("geo: {place} {verdict}");
    let mut alert = None;
    let mut trigger = None;
    match action {
        GeoAction::Ban => {
            trigger = Some(Trigger {
                rule: RuleId::Geo,
                reason: reason.clone(),
            })
        }
        GeoAction::Risk(n) => st.risk.add(
            RuleId::Geo,
            f32::from(*n),
            facts.now,
            facts.cfg.general.risk_half_life,
        ),
        GeoAction::Alert => alert = Some(reason),
    }
    if facts.ev.kind == EventKind::SuccessfulAuth {
        alert = Some(format!(
            "successful login as \"{}\" from {} ({place}), a place the geo policy denies: {verdict}",
            facts.account.map(for_log).unwrap_or_default(),
            facts.ip
        ));
    }
    if let Some(message) = alert {
        findings.alerts.push((RuleId::Geo, message));
    }
    trigger
}

/// The blocklist and geo verdicts that ban a source at its first request, as the PJSIP sensor
/// asks before the distributor and the engine confirms when told: listed with `listed =
/// ban`, or located where a geo rule with the `ban` action denies it. `account` is what the
/// request claims (its From user): a roaming user's own allow rule applies. The geo policy's
/// counters are not bumped (the engine counts its own verdicts).
pub(in crate::engine) fn denial(
    cfg: &Config,
    lookups: &Lookups,
    ip: IpAddr,
    account: Option<&str>,
) -> Option<Trigger> {
    if cfg.intel.listed == ListedAction::Ban
        && let Some((list, net)) = lookups.blocklist.lookup_ref(ip)
    {
        return Some(Trigger {
            rule: RuleId::Intel,
            reason: format!("intel: listed in {} ({net})", for_log(list)),
        });
    }
    let db = lookups.geo_db.as_ref()?;
    let info = db.lookup(ip);
    let verdict = lookups
        .geo_policy
        .evaluate_quietly(ip, account, info.as_ref());
    match &verdict {
        GeoVerdict::Denied {
            action: GeoAction::Ban,
            ..
        } => {
            let place = info
                .as_ref()
                .map(|i| printable(&i.summary()))
                .unwrap_or_default();
            Some(Trigger {
                rule: RuleId::Geo,
                reason: format!("geo: {place} {verdict} (first request, PJSIP sensor)"),
            })
        }
        _ => None,
    }
}

/// `neighbour`: a new source in the same /24 or /48 as several recent offenders starts with
/// some risk. Never bans on its own.
pub(in crate::engine) fn neighbour(
    facts: &Facts,
    neighbours: &Neighbourhood,
    st: &mut SourceState,
) -> Option<Trigger> {
    let rule = &facts.cfg.rules.neighbour;
    if !facts.first_contact || !facts.look_up || !rule.enabled {
        return None;
    }
    let near = neighbours.offenders_near(facts.ip, facts.now);
    if near as u32 >= rule.threshold {
        st.risk.add(
            RuleId::Neighbour,
            facts.cfg.intel.neighbour_risk as f32,
            facts.now,
            facts.cfg.general.risk_half_life,
        );
    }
    None
}
