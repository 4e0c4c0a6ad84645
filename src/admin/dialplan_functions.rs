//! The `SECAST_*` dialplan functions: their names, documentation and values. They answer from
//! the snapshot the engine publishes (an Arc clone, or the engine lock held for one lookup)
//! and never wait for the engine's queue, the disk or the network. The host layer registers
//! this table and hands each call's arguments here.

use std::ffi::CStr;

use super::function_args;
use crate::lookups::geo::GEO_FIELDS;
use crate::util::escape::for_log;
use crate::worker::Shared;

pub struct DialplanFunction {
    pub name: &'static CStr,
    pub synopsis: &'static CStr,
    pub syntax: &'static CStr,
    pub description: &'static CStr,
    /// The value for the arguments, or what is wrong with them (logged as a warning).
    value: fn(&[String], &Shared) -> Result<String, String>,
}

pub const FUNCTIONS: [DialplanFunction; 2] = [
    DialplanFunction {
        name: c"SECAST_GEO",
        synopsis: c"Where res_secast's GeoIP database places an address",
        syntax: c"SECAST_GEO(address[,field])",
        description: c"Returns the field (country by default; continent, subdivision, subdivision_name, city, asn, as_org) for the address, which may carry a port as CHANNEL(pjsip,remote_addr) returns it. Empty when the database has no answer or geofencing is off.",
        value: geo,
    },
    DialplanFunction {
        name: c"SECAST_RISK",
        synopsis: c"res_secast's risk score for an address",
        syntax: c"SECAST_RISK(address)",
        description: c"Returns the address's current risk score, 0 to 100 (100 while it is banned).",
        value: risk,
    },
];

impl DialplanFunction {
    /// The value for `arguments` (the text inside the parentheses; None when there were none).
    pub fn read(&self, arguments: Option<&str>, shared: Option<&Shared>) -> Result<String, String> {
        let Some(text) = arguments else {
            return Err(format!(
                "needs arguments: {}",
                self.syntax.to_string_lossy()
            ));
        };
        let shared = shared.ok_or_else(|| "res_secast is not running".to_owned())?;
        (self.value)(&function_args::split(text), shared)
    }
}

fn geo(args: &[String], shared: &Shared) -> Result<String, String> {
    let ip = function_args::address(args)?;
    let field = args
        .get(1)
        .map(String::as_str)
        .filter(|f| !f.is_empty())
        .unwrap_or("country");
    if !GEO_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(field))
        && !field.eq_ignore_ascii_case("region")
    {
        return Err(format!(
            "unknown field '{}' (one of {})",
            for_log(field),
            GEO_FIELDS.join(", ")
        ));
    }
    Ok(shared
        .lookups()
        .geo_db
        .as_ref()
        .and_then(|db| db.lookup(ip))
        .and_then(|info| info.field(field))
        .unwrap_or_default())
}

fn risk(args: &[String], shared: &Shared) -> Result<String, String> {
    let ip = function_args::address(args)?;
    Ok(shared.engine().risk_of(ip, shared.now()).to_string())
}
