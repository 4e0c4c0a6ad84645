//! `SECAST_LOCATE(aor[,field])`: where an extension is registered in the cluster, answered
//! from the registry the cluster thread keeps (a read lock for one lookup, never Redis).

use super::cluster_page;
use super::{DialplanFunction, Reader};
use crate::cluster::contact::{MAX_AOR, valid_name};
use crate::util::escape::for_log;
use crate::worker::Shared;

/// The fields SECAST_LOCATE returns; `dial` is the default.
pub const LOCATE_FIELDS: [&str; 7] = [
    "dial",
    "node",
    "contact",
    "address",
    "user_agent",
    "transport",
    "expires",
];

pub const CLUSTER_FUNCTIONS: [DialplanFunction; 1] = [DialplanFunction {
    name: c"SECAST_LOCATE",
    synopsis: c"Where an extension is registered in the res_secast cluster, as a dial string",
    syntax: c"SECAST_LOCATE(aor[,field])",
    description: c"Returns a dial string that reaches the AOR from this server: PJSIP/<aor> when it is registered here, PJSIP/<aor>@<endpoint> or PJSIP/<trunk_endpoint>/sip:<aor>@<address> when it is registered on another node, so that Dial(${SECAST_LOCATE(${EXTEN})}) works. Other fields: node, contact, address, user_agent, transport, expires (Unix time). Empty when the AOR is registered nowhere.",
    value: Some(Reader::Plain(locate)),
    write: None,
}];

fn locate(args: &[String], shared: &Shared) -> Result<String, String> {
    let aor = args.first().map(String::as_str).unwrap_or("");
    if !valid_name(aor, MAX_AOR) {
        return Err(format!("'{}' is not an AOR name", for_log(aor)));
    }
    let field = args
        .get(1)
        .map(|f| f.to_ascii_lowercase())
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| "dial".to_owned());
    if !LOCATE_FIELDS.contains(&field.as_str()) {
        return Err(format!(
            "unknown field '{}' (one of {})",
            for_log(&field),
            LOCATE_FIELDS.join(", ")
        ));
    }
    match shared.cluster.as_deref() {
        Some(hub) if hub.is_running() => cluster_page::locate_value(hub, shared, aor, &field),
        // No cluster: nothing is known about registrations.
        _ => Ok(String::new()),
    }
}
