//! The `libnftables` backend: nft command text run by libnftables.so.1 inside our process.
//!
//! Kept as the measured alternative to our own netlink messages (see `nft_netlink`). The
//! library is loaded with dlopen at `open`, so the module loads and reports a clear error on a
//! host without it. Command text holds only our table name (checked to be an identifier), our
//! set names and addresses we format ourselves from parsed `IpNet` values.

use std::collections::BTreeSet;
use std::ffi::{CStr, CString, c_char, c_int, c_uint, c_void};
use std::fmt::Write as _;
use std::net::IpAddr;

use ipnet::IpNet;

use super::error::{Doing, FirewallError, FirewallErrorKind};
use super::isolate;
use super::layout::{CHAIN, Family, PRIORITY_RAW, SetSpec};
use super::plan::{self, Action, Plan};
use super::{Firewall, FirewallOp, FirewallSettings, Rejected};

// <nftables/libnftables.h>
const NFT_CTX_DEFAULT: u32 = 0;
/// Listings without set elements (`nft -t`): is_intact must stay cheap at 100k bans.
const NFT_CTX_OUTPUT_TERSE: c_uint = 1 << 11;

type CtxNew = unsafe extern "C" fn(u32) -> *mut c_void;
type CtxFree = unsafe extern "C" fn(*mut c_void);
type CtxInt = unsafe extern "C" fn(*mut c_void) -> c_int;
type CtxBuf = unsafe extern "C" fn(*mut c_void) -> *const c_char;
type CtxFlags = unsafe extern "C" fn(*mut c_void, c_uint);
type RunCmd = unsafe extern "C" fn(*mut c_void, *const c_char) -> c_int;

/// The library's entry points. The handle is never closed: libnftables keeps global state
/// (and pulls in libnftnl, libmnl, libjansson), and the module itself is never unmapped.
#[derive(Clone, Copy)]
struct Api {
    ctx_new: CtxNew,
    ctx_free: CtxFree,
    buffer_output: CtxInt,
    buffer_error: CtxInt,
    get_output: CtxBuf,
    get_error: CtxBuf,
    output_get_flags: unsafe extern "C" fn(*mut c_void) -> c_uint,
    output_set_flags: CtxFlags,
    run_cmd: RunCmd,
}

fn unavailable(msg: String) -> FirewallError {
    FirewallError::new(FirewallErrorKind::Unavailable, msg)
}

fn dlerror_text() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated string valid until the next dl call.
    let p = unsafe { libc::dlerror() };
    if p.is_null() {
        "unknown error".to_owned()
    } else {
        // SAFETY: non-null, NUL-terminated (see above).
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

impl Api {
    fn load(path: &str) -> Result<Api, FirewallError> {
        let cpath =
            CString::new(path).map_err(|_| unavailable(format!("bad library path {path:?}")))?;
        // SAFETY: dlopen of a C library by name; RTLD_LOCAL keeps its symbols out of
        // Asterisk's global namespace.
        let handle = unsafe { libc::dlopen(cpath.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if handle.is_null() {
            return Err(unavailable(format!(
                "cannot load {path} ({}); install libnftables1 or use firewall = nftables",
                dlerror_text()
            )));
        }
        let sym = |name: &CStr| -> Result<*mut c_void, FirewallError> {
            // SAFETY: handle is a live dlopen handle; name is NUL-terminated.
            let p = unsafe { libc::dlsym(handle, name.as_ptr()) };
            if p.is_null() {
                Err(unavailable(format!(
                    "{path} lacks {}",
                    name.to_string_lossy()
                )))
            } else {
                Ok(p)
            }
        };
        // SAFETY: (all transmutes) each symbol has this C signature in libnftables.h.
        unsafe {
            Ok(Api {
                ctx_new: std::mem::transmute::<*mut c_void, CtxNew>(sym(c"nft_ctx_new")?),
                ctx_free: std::mem::transmute::<*mut c_void, CtxFree>(sym(c"nft_ctx_free")?),
                buffer_output: std::mem::transmute::<*mut c_void, CtxInt>(sym(
                    c"nft_ctx_buffer_output",
                )?),
                buffer_error: std::mem::transmute::<*mut c_void, CtxInt>(sym(
                    c"nft_ctx_buffer_error",
                )?),
                get_output: std::mem::transmute::<*mut c_void, CtxBuf>(sym(
                    c"nft_ctx_get_output_buffer",
                )?),
                get_error: std::mem::transmute::<*mut c_void, CtxBuf>(sym(
                    c"nft_ctx_get_error_buffer",
                )?),
                output_get_flags: std::mem::transmute::<
                    *mut c_void,
                    unsafe extern "C" fn(*mut c_void) -> c_uint,
                >(sym(c"nft_ctx_output_get_flags")?),
                output_set_flags: std::mem::transmute::<*mut c_void, CtxFlags>(sym(
                    c"nft_ctx_output_set_flags",
                )?),
                run_cmd: std::mem::transmute::<*mut c_void, RunCmd>(sym(
                    c"nft_run_cmd_from_buffer",
                )?),
            })
        }
    }
}

/// One nft context, owned by one backend.
struct Ctx {
    api: Api,
    ptr: *mut c_void,
}

// SAFETY: the context is used only through &mut of its one owner (the enforcer thread);
// libnftables contexts are not shared, just not thread-safe.
unsafe impl Send for Ctx {}

impl Drop for Ctx {
    fn drop(&mut self) {
        // SAFETY: ptr came from nft_ctx_new and is freed once.
        unsafe { (self.api.ctx_free)(self.ptr) }
    }
}

impl Ctx {
    fn new(api: Api) -> Result<Ctx, FirewallError> {
        // SAFETY: documented constructor; NULL on failure.
        let ptr = unsafe { (api.ctx_new)(NFT_CTX_DEFAULT) };
        if ptr.is_null() {
            return Err(unavailable("nft_ctx_new failed".to_owned()));
        }
        let ctx = Ctx { api, ptr };
        // SAFETY: ptr is a live context. Buffered: output and errors come back to us instead
        // of going to Asterisk's stdout/stderr.
        unsafe {
            (api.buffer_output)(ptr);
            (api.buffer_error)(ptr);
        }
        Ok(ctx)
    }

    /// Runs commands as one transaction; Ok(output) or Err(error text).
    fn run(&mut self, cmds: &str, terse: bool) -> Result<String, String> {
        let c = CString::new(cmds).map_err(|_| "command text holds a NUL".to_owned())?;
        // SAFETY: ptr is live; c is NUL-terminated; the buffers are read before the next call.
        unsafe {
            let flags = (self.api.output_get_flags)(self.ptr);
            let flags = if terse {
                flags | NFT_CTX_OUTPUT_TERSE
            } else {
                flags & !NFT_CTX_OUTPUT_TERSE
            };
            (self.api.output_set_flags)(self.ptr, flags);
            let rc = (self.api.run_cmd)(self.ptr, c.as_ptr());
            let out = text((self.api.get_output)(self.ptr));
            let err = text((self.api.get_error)(self.ptr));
            if rc == 0 { Ok(out) } else { Err(err) }
        }
    }
}

/// # Safety
/// `p` is NULL or a NUL-terminated string.
unsafe fn text(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        // SAFETY: see the function's contract.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

/// libnftables reports errno only as strerror text in its error buffer.
fn classify(err: &str, doing: Doing, what: &str) -> FirewallError {
    let kind = if err.contains("Operation not permitted") || err.contains("Permission denied") {
        FirewallErrorKind::PermissionDenied
    } else if err.contains("No such file or directory") {
        match doing {
            Doing::Using => FirewallErrorKind::TableMissing,
            Doing::Creating => FirewallErrorKind::Unavailable,
        }
    } else if err.contains("not supported") {
        FirewallErrorKind::Unavailable
    } else if doing == Doing::Using
        && (err.contains("Invalid argument") || err.contains("out of range"))
    {
        // The kernel judged one element (or the set made for it), not the batch.
        FirewallErrorKind::Refused
    } else {
        FirewallErrorKind::Other
    };
    let first = err.lines().next().unwrap_or("").trim();
    FirewallError::new(kind, format!("{what}: {first}"))
}

pub(crate) struct LibNftables {
    ctx: Ctx,
    table: String,
    sets: BTreeSet<SetSpec>,
    readd: bool,
}

fn base_sets() -> BTreeSet<SetSpec> {
    [SetSpec::host(Family::V4), SetSpec::host(Family::V6)].into()
}

impl LibNftables {
    pub(crate) fn open(settings: &FirewallSettings) -> Result<LibNftables, FirewallError> {
        let api = Api::load(&settings.libnftables)?;
        Ok(LibNftables {
            ctx: Ctx::new(api)?,
            table: settings.table.clone(),
            sets: base_sets(),
            readd: plan::readd_needed(settings.refresh),
        })
    }

    /// One plan as one nft command buffer (one transaction).
    fn send_plan(&mut self, plan: &Plan) -> Result<(), FirewallError> {
        let new_sets: BTreeSet<SetSpec> = plan.sets().difference(&self.sets).copied().collect();
        let mut cmds = String::with_capacity(
            64 + plan.steps.iter().map(|s| s.elems.len()).sum::<usize>() * 32,
        );
        for &set in &new_sets {
            self.set_decl(&mut cmds, set);
            self.rule(&mut cmds, set);
        }
        for step in &plan.steps {
            let verb = match step.action {
                Action::Add => "add",
                Action::Delete => "delete",
            };
            let _ = write!(
                cmds,
                "{verb} element inet {} {} {{ ",
                self.table,
                step.set.name()
            );
            for (i, e) in step.elems.iter().enumerate() {
                let sep = if i == 0 { "" } else { ", " };
                // Only an address we parsed and format ourselves ever reaches the command.
                let _ = write!(cmds, "{sep}{}", e.target.net.addr());
                if let (Action::Add, Some(ms)) = (step.action, e.timeout_ms) {
                    let _ = write!(cmds, " timeout {}", nft_duration(ms));
                }
            }
            cmds.push_str(" }\n");
        }
        self.ctx
            .run(&cmds, false)
            .map_err(|e| classify(&e, Doing::Using, "applying bans"))?;
        self.sets.extend(new_sets);
        Ok(())
    }

    fn set_decl(&self, out: &mut String, set: SetSpec) {
        let _ = writeln!(
            out,
            "add set inet {} {} {{ type {}; flags timeout; }}",
            self.table,
            set.name(),
            set.type_text()
        );
    }

    fn rule(&self, out: &mut String, set: SetSpec) {
        let _ = writeln!(
            out,
            "add rule inet {} {CHAIN} {}",
            self.table,
            set.rule_text()
        );
    }

    /// The terse listing of our table, or None if it does not exist.
    fn table_listing(&mut self) -> Result<Option<String>, FirewallError> {
        match self
            .ctx
            .run(&format!("list table inet {}", self.table), true)
        {
            Ok(out) => Ok(Some(out)),
            Err(e) if e.contains("No such file or directory") => Ok(None),
            Err(e) => Err(classify(&e, Doing::Using, "listing our table")),
        }
    }
}

/// nft's time syntax, largest unit first: nft refuses a plain count above 2^32 - 1 of any
/// one unit ("value too large" for 3650 days written in ms) but takes 3650d.
fn nft_duration(ms: u64) -> String {
    let mut out = String::new();
    let mut rest = ms;
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
    ] {
        if rest >= size {
            let _ = write!(out, "{}{unit}", rest / size);
            rest %= size;
        }
    }
    if rest > 0 || out.is_empty() {
        let _ = write!(out, "{rest}ms");
    }
    out
}

/// Our sets named in an nft listing (`set NAME {` lines).
fn listed_sets(listing: &str) -> BTreeSet<SetSpec> {
    listing
        .lines()
        .filter_map(|l| l.trim().strip_prefix("set ")?.strip_suffix(" {"))
        .filter_map(SetSpec::parse)
        .collect()
}

/// Rules in our chain (lines ending in `drop` inside `chain prerouting {`).
fn listed_rules(listing: &str) -> usize {
    let mut in_chain = false;
    let mut n = 0;
    for line in listing.lines().map(str::trim) {
        if line == format!("chain {CHAIN} {{") {
            in_chain = true;
        } else if in_chain && line == "}" {
            in_chain = false;
        } else if in_chain && line.ends_with(" drop") {
            n += 1;
        }
    }
    n
}

/// The element keys of an `nft list set` output: the first word of each entry between
/// `elements = {` and `}`.
fn listed_elements(set: SetSpec, listing: &str, out: &mut Vec<IpNet>) {
    let Some(start) = listing.find("elements = {") else {
        return;
    };
    let body = &listing[start + "elements = {".len()..];
    let body = &body[..body.find('}').unwrap_or(body.len())];
    for entry in body.split(',') {
        let word = entry.split_whitespace().next().unwrap_or("");
        if let Some(net) = word.parse::<IpAddr>().ok().and_then(|a| set.net(a)) {
            out.push(net);
        }
    }
}

impl Firewall for LibNftables {
    fn name(&self) -> &'static str {
        "libnftables"
    }

    fn ensure(&mut self) -> Result<(), FirewallError> {
        let mut sets = match self.table_listing()? {
            Some(listing) => listed_sets(&listing),
            None => BTreeSet::new(),
        };
        sets.extend(self.sets.iter().copied());
        sets.extend(base_sets());
        let t = &self.table;
        let mut cmds = format!("add table inet {t}\n");
        for &set in &sets {
            self.set_decl(&mut cmds, set);
        }
        let _ = writeln!(
            cmds,
            "add chain inet {t} {CHAIN} {{ type filter hook prerouting priority {PRIORITY_RAW}; \
             policy accept; }}"
        );
        let _ = writeln!(cmds, "flush chain inet {t} {CHAIN}");
        for &set in &sets {
            self.rule(&mut cmds, set);
        }
        self.ctx
            .run(&cmds, false)
            .map_err(|e| classify(&e, Doing::Creating, "creating our table, sets and chain"))?;
        self.sets = sets;
        Ok(())
    }

    fn apply(&mut self, ops: &[FirewallOp]) -> Result<Vec<Rejected>, FirewallError> {
        let readd = self.readd;
        isolate::apply_isolating(ops, readd, &mut |plan| self.send_plan(plan))
    }

    fn list(&mut self) -> Result<Vec<IpNet>, FirewallError> {
        let Some(listing) = self.table_listing()? else {
            return Err(FirewallError::new(
                FirewallErrorKind::TableMissing,
                format!("table inet {} does not exist", self.table),
            ));
        };
        let mut out = Vec::new();
        for set in listed_sets(&listing) {
            let text = self
                .ctx
                .run(
                    &format!("list set inet {} {}", self.table, set.name()),
                    false,
                )
                .map_err(|e| classify(&e, Doing::Using, "listing a set"))?;
            listed_elements(set, &text, &mut out);
        }
        out.sort();
        Ok(out)
    }

    fn is_intact(&mut self) -> Result<bool, FirewallError> {
        let Some(listing) = self.table_listing()? else {
            return Ok(false);
        };
        let present = listed_sets(&listing);
        Ok(self.sets.is_subset(&present) && listed_rules(&listing) == present.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTING: &str = "table inet secast {
\tset v4 {
\t\ttype ipv4_addr
\t\tflags timeout
\t\telements = { 1.2.3.4 timeout 1h expires 59m59s992ms, 5.6.7.8 }
\t}

\tset v6_64 {
\t\ttype ipv6_addr
\t\tflags timeout
\t\telements = { 2001:db8:: timeout 1s500ms expires 1s496ms }
\t}

\tset other {
\t\ttype ipv4_addr
\t}

\tchain prerouting {
\t\ttype filter hook prerouting priority raw; policy accept;
\t\tip saddr @v4 counter packets 0 bytes 0 drop
\t\tip6 saddr & ffff:ffff:ffff:ffff:: == @v6_64 counter packets 0 bytes 0 drop
\t}
}
";

    #[test]
    fn parses_listings() {
        let sets = listed_sets(LISTING);
        assert_eq!(
            sets.iter().map(|s| s.name()).collect::<Vec<_>>(),
            ["v4", "v6_64"]
        );
        assert_eq!(listed_rules(LISTING), 2);
        let mut out = Vec::new();
        listed_elements(SetSpec::host(Family::V4), LISTING, &mut out);
        let shown: Vec<String> = out.iter().map(|n| n.to_string()).collect();
        assert_eq!(shown, ["1.2.3.4/32", "5.6.7.8/32"]);
    }

    #[test]
    fn durations_in_nft_syntax() {
        assert_eq!(nft_duration(1), "1ms");
        assert_eq!(nft_duration(1_500), "1s500ms");
        assert_eq!(nft_duration(3_600_000), "1h");
        assert_eq!(nft_duration(90_061_001), "1d1h1m1s1ms");
        assert_eq!(nft_duration(super::plan::MAX_TIMEOUT_MS), "3650d");
    }

    #[test]
    fn errors_are_classified_from_text() {
        let e = classify(
            "Error: Could not process rule: Operation not permitted\nadd ...",
            Doing::Using,
            "x",
        );
        assert_eq!(e.kind, FirewallErrorKind::PermissionDenied);
        assert_eq!(
            e.message,
            "x: Error: Could not process rule: Operation not permitted"
        );
        let missing = "Error: No such file or directory";
        assert_eq!(
            classify(missing, Doing::Using, "x").kind,
            FirewallErrorKind::TableMissing
        );
        assert_eq!(
            classify(missing, Doing::Creating, "x").kind,
            FirewallErrorKind::Unavailable
        );
        assert_eq!(
            classify("syntax error", Doing::Using, "x").kind,
            FirewallErrorKind::Other
        );
    }
}
