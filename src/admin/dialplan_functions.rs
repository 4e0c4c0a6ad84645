//! The `SECAST_*` dialplan functions: their names, documentation and values. They run on
//! channel threads and answer from what the engine publishes (`Shared::risk_of`, an Arc clone
//! of the lookups): never the engine's lock, never its queue, the disk or the network. The host layer registers
//! this table and hands each call's arguments here.

use std::ffi::CStr;

use super::channel_context::ChannelContext;
use super::function_args;
use crate::lookups::geo::GEO_FIELDS;
use crate::util::escape::for_log;
use crate::worker::Shared;

/// How a function is read: from its arguments alone, or also from the channel it runs on.
pub enum Reader {
    Plain(fn(&[String], &Shared) -> Result<String, String>),
    OnChannel(fn(&[String], &Shared, &mut dyn ChannelContext) -> Result<String, String>),
}

/// `Set(FUNC(arguments)=value)`: Ok, or what is wrong (logged as a warning).
pub type Writer = fn(&[String], &str, &Shared) -> Result<(), String>;

pub struct DialplanFunction {
    pub name: &'static CStr,
    pub synopsis: &'static CStr,
    pub syntax: &'static CStr,
    pub description: &'static CStr,
    /// The value for the arguments, or what is wrong with them (logged as a warning); None for
    /// a function that is only written.
    pub value: Option<Reader>,
    pub write: Option<Writer>,
}

/// How many functions the host can register (its entry table is a fixed-size static).
pub const MAX_FUNCTIONS: usize = 32;

/// Every function. A capability with functions of its own keeps them in its own table and
/// adds it here.
pub fn functions() -> &'static [&'static DialplanFunction] {
    static ALL: std::sync::LazyLock<Vec<&'static DialplanFunction>> =
        std::sync::LazyLock::new(|| {
            LOOKUP_FUNCTIONS
                .iter()
                .chain(super::cluster_functions::CLUSTER_FUNCTIONS.iter())
                .chain(super::calls_functions::CALL_FUNCTIONS.iter())
                .collect()
        });
    &ALL
}

/// Where an address is and how risky it is.
const LOOKUP_FUNCTIONS: [DialplanFunction; 2] = [
    DialplanFunction {
        name: c"SECAST_GEO",
        synopsis: c"Where res_secast's GeoIP database places an address",
        syntax: c"SECAST_GEO(address[,field])",
        description: c"Returns the field (country by default; continent, subdivision, subdivision_name, city, asn, as_org) for the address, which may carry a port as CHANNEL(pjsip,remote_addr) returns it. Empty when the database has no answer or geofencing is off.",
        value: Some(Reader::Plain(geo)),
        write: None,
    },
    DialplanFunction {
        name: c"SECAST_RISK",
        synopsis: c"res_secast's risk score for an address or an account",
        syntax: c"SECAST_RISK(address|account)",
        description: c"Returns the current risk score, 0 to 100, of the address (100 while it is banned), or of the account (endpoint) when the argument is no address: failures against it from many sources, logins after failing other accounts.",
        value: Some(Reader::Plain(risk)),
        write: None,
    },
];

impl DialplanFunction {
    /// The value for `arguments` (the text inside the parentheses; None when there were none).
    pub fn read(
        &self,
        arguments: Option<&str>,
        shared: Option<&Shared>,
        channel: &mut dyn ChannelContext,
    ) -> Result<String, String> {
        let Some(text) = arguments else {
            return Err(format!(
                "needs arguments: {}",
                self.syntax.to_string_lossy()
            ));
        };
        let shared = shared.ok_or_else(|| "res_secast is not running".to_owned())?;
        let args = function_args::split(text);
        match &self.value {
            Some(Reader::Plain(f)) => f(&args, shared),
            Some(Reader::OnChannel(f)) => f(&args, shared, channel),
            None => Err(format!(
                "is written, not read: Set({}={})",
                self.syntax.to_string_lossy(),
                "value"
            )),
        }
    }

    /// `Set(FUNC(arguments)=value)`.
    pub fn write(
        &self,
        arguments: Option<&str>,
        value: &str,
        shared: Option<&Shared>,
    ) -> Result<(), String> {
        let Some(write) = self.write else {
            return Err("cannot be written".to_owned());
        };
        let Some(text) = arguments else {
            return Err(format!(
                "needs arguments: {}",
                self.syntax.to_string_lossy()
            ));
        };
        let shared = shared.ok_or_else(|| "res_secast is not running".to_owned())?;
        write(&function_args::split(text), value, shared)
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
    if let Ok(ip) = function_args::address(args) {
        return Ok(shared.risk_of(ip).to_string());
    }
    let account = function_args::account(args.first().map(String::as_str))?;
    Ok(shared.risk_of_account(account).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_fits_the_host_table_once() {
        let all = functions();
        assert!(all.len() <= MAX_FUNCTIONS);
        let names: std::collections::HashSet<_> = all.iter().map(|f| f.name).collect();
        assert_eq!(names.len(), all.len(), "a function is registered twice");
        for f in all {
            assert!(f.name.to_str().unwrap().starts_with("SECAST_"));
            assert!(!f.synopsis.is_empty() && !f.syntax.is_empty());
        }
    }

    #[test]
    fn a_function_without_parentheses_says_what_it_needs() {
        let f = functions()[0];
        let no = &mut super::super::channel_context::NoChannel;
        let err = f.read(None, None, no).unwrap_err();
        assert!(err.contains(f.syntax.to_str().unwrap()), "{err}");
        assert_eq!(
            f.read(Some("203.0.113.5"), None, no).unwrap_err(),
            "res_secast is not running"
        );
    }
}
