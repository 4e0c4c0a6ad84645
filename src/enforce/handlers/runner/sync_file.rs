//! The list a sync run reads (`SECAST_SYNC_FILE`): one ban in force per line,
//! `CIDR SECONDS-LEFT|permanent RULE`, after a `#` comment line; replaced atomically.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::super::invocation::SyncEntry;
use crate::util::time::Millis;

/// The sync list for a handler: `CIDR SECONDS-LEFT|permanent RULE` per line, replaced
/// atomically so that a program never reads half a list.
pub(super) fn write_sync_file(
    path: &Path,
    handler: &str,
    list: &[SyncEntry],
    now: Millis,
) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut text = format!(
        "# res_secast: {} bans in force for handler {handler} at {}\n",
        list.len(),
        crate::util::time::format_utc(now)
    );
    for e in list {
        let left = match e.until {
            None => "permanent".to_owned(),
            Some(u) => ((u - now).max(0) + 999).div_euclid(1000).to_string(),
        };
        text.push_str(&format!("{} {left} {}\n", e.net, e.rule));
    }
    let tmp = path.with_extension("list.tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    std::fs::rename(&tmp, path)
}
