//! The architecture, checked: the rules of `src/`'s layout that the compiler alone does not
//! enforce. A change that breaks one fails here with the file and line to look at.
//!
//! - Every `extern "C"` function Asterisk can call goes through the guard macro.
//! - Asterisk's raw declarations (`sys`) are used only in `host/ffi/`.
//! - Nothing outside `host/` imports from it: the engine and everything it needs build and
//!   test without Asterisk.
//! - `unsafe` is allowed only where the crate root and the module files say so.
//! - The stages import each other in one direction only, and no two files import each other,
//!   directly or around a circle (a file may always name its own parent module's items).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/`, as (path relative to src, text without comments).
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src is readable") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&src(), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(src())
                .expect("under src")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&p).expect("source is readable");
            (rel, without_comments(&text))
        })
        .collect()
}

/// The code of a file with `//` comments and string literals blanked (line structure kept),
/// so that prose and messages mentioning `extern "C"` or `crate::host` do not count.
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| {
            let mut out = String::new();
            let mut chars = line.chars().peekable();
            let mut in_string = false;
            while let Some(c) = chars.next() {
                if in_string {
                    if c == '\\' {
                        chars.next();
                    } else if c == '"' {
                        in_string = false;
                        out.push('"');
                    }
                    continue;
                }
                if c == '/' && chars.peek() == Some(&'/') {
                    break;
                }
                if c == '"' {
                    in_string = true;
                }
                out.push(c);
            }
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte].lines().count().max(1)
}

#[test]
fn every_extern_c_function_is_defined_through_the_guarded_entry_macro() {
    let mut offenders = Vec::new();
    for (file, code) in sources() {
        // `extern "C" fn name(` defines a function; `extern "C" fn(` is only a pointer type.
        // (String contents are blanked, so match on the empty literal `""`.)
        let mut from = 0;
        while let Some(at) = code[from..].find("extern \"\" fn ") {
            let start = from + at;
            let rest = &code[start + "extern \"\" fn ".len()..];
            let named = rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
            let in_macro = file == "host/ffi/entry.rs";
            if named && !in_macro {
                offenders.push(format!("src/{file}:{}", line_of(&code, start)));
            }
            from = start + 1;
        }
    }
    assert!(
        offenders.is_empty(),
        "extern \"C\" functions defined without asterisk_entry! (no panic guard): {offenders:?}"
    );
}

#[test]
fn asterisk_declarations_are_used_only_in_host_ffi() {
    let offenders: Vec<String> = sources()
        .into_iter()
        .filter(|(file, code)| !file.starts_with("host/ffi/") && code.contains("sys::"))
        .map(|(file, _)| format!("src/{file}"))
        .collect();
    assert!(
        offenders.is_empty(),
        "sys:: used outside host/ffi: {offenders:?}"
    );
}

#[test]
fn nothing_outside_host_imports_from_it() {
    let offenders: Vec<String> = sources()
        .into_iter()
        .filter(|(file, code)| !file.starts_with("host/") && code.contains("crate::host"))
        .map(|(file, _)| format!("src/{file}"))
        .collect();
    assert!(
        offenders.is_empty(),
        "the pure side must not depend on the Asterisk layer: {offenders:?}"
    );
}

#[test]
fn unsafe_code_is_allowed_only_at_the_walls() {
    let allowed: BTreeSet<&str> = [
        // `mod os`: getifaddrs, getpwnam_r, and the fork-to-exec steps of event handlers'
        // programs (setsid, descriptors close-on-exec, poll on their pipes).
        "lib.rs",
        // `mod firewall`: netlink sockets, libnftables through dlopen.
        "enforce/mod.rs",
        // `mod database`: the geo database's memory map.
        "lookups/geo/mod.rs",
        // `mod ffi`: Asterisk's C API.
        "host/mod.rs",
    ]
    .into();
    let all = sources();
    let root = &all.iter().find(|(f, _)| f == "lib.rs").expect("lib.rs").1;
    assert!(
        root.contains("#![deny(unsafe_code)]"),
        "lib.rs must deny unsafe_code crate-wide"
    );
    assert!(
        root.contains("#![warn(clippy::undocumented_unsafe_blocks)]"),
        "lib.rs must ask for a SAFETY comment on every unsafe block"
    );
    let offenders: Vec<String> = all
        .iter()
        .filter(|(file, code)| {
            code.contains("allow(unsafe_code)") && !allowed.contains(file.as_str())
        })
        .map(|(file, _)| format!("src/{file}"))
        .collect();
    assert!(
        offenders.is_empty(),
        "unsafe allowed somewhere new (add it here only with a reason): {offenders:?}"
    );
}

/// The module a file defines: `engine/rules/mod.rs` → `engine::rules`.
fn module_of(file: &str) -> Vec<String> {
    let path = file.trim_end_matches(".rs");
    let mut parts: Vec<String> = path.split('/').map(str::to_owned).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The paths a file names through `crate::` or `super::`, resolved to absolute segments.
fn referenced_paths(file: &str, code: &str) -> Vec<Vec<String>> {
    let here = module_of(file);
    let mut found = Vec::new();
    // Expand `use a::{b, c::{d}}` roughly: every `crate::`/`super::` path prefix plus each
    // identifier inside its braces is enough to find which modules are named.
    let tokens: Vec<char> = code.chars().collect();
    let text: String = tokens.iter().collect();
    for anchor in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = text[from..].find(anchor) {
            let start = from + at;
            from = start + anchor.len();
            // `super::` preceded by another `super::` is handled from the first one.
            if anchor == "super::" && start >= 7 && &text[start - 7..start] == "super::" {
                continue;
            }
            if start > 0 {
                let prev = text[..start].chars().last().unwrap_or(' ');
                if prev.is_alphanumeric() || prev == '_' || (anchor == "crate::" && prev == ':') {
                    continue;
                }
            }
            let rest = &text[start..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            let path = &rest[..end];
            let mut segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
            let mut base: Vec<String> = Vec::new();
            if segs.first() == Some(&"crate") {
                segs.remove(0);
            } else {
                base = here.clone();
                // In a mod.rs/lib.rs `super` is the parent of the module the file defines.
                while segs.first() == Some(&"super") {
                    segs.remove(0);
                    base.pop();
                }
            }
            let mut full = base;
            full.extend(segs.iter().map(|s| s.to_string()));
            // `a::b::{c, d::e}`: name each braced item too.
            if rest[end..].starts_with('{') {
                let close = rest[end..].find('}').map_or(rest.len(), |c| end + c);
                for item in rest[end + 1..close].split(',') {
                    let item: Vec<String> = item
                        .trim()
                        .split("::")
                        .map(|s| s.trim().trim_start_matches('{').to_owned())
                        .filter(|s| !s.is_empty() && s != "self")
                        .collect();
                    let mut one = full.clone();
                    one.extend(item);
                    found.push(one);
                }
            }
            found.push(full);
        }
    }
    found
}

/// The longest prefix of `path` that is a module with a file of its own.
fn resolve(path: &[String], modules: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains(p))
}

fn import_graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let all = sources();
    let modules: BTreeSet<Vec<String>> = all.iter().map(|(f, _)| module_of(f)).collect();
    let mut graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (file, code) in &all {
        let me = module_of(file);
        let edges = graph.entry(me.clone()).or_default();
        for path in referenced_paths(file, code) {
            // A file naming its own parent (or any ancestor) module is how a Rust module's
            // files share its items; only imports between siblings and cousins can circle.
            if let Some(target) = resolve(&path, &modules)
                && target != me
                && !me.starts_with(&target)
            {
                edges.insert(target);
            }
        }
    }
    graph
}

fn show(m: &[String]) -> String {
    if m.is_empty() {
        "crate".to_owned()
    } else {
        m.join("::")
    }
}

#[test]
fn no_two_files_import_each_other_even_around_a_circle() {
    let graph = import_graph();
    // Depth-first search for a back edge; report the circle it closes.
    fn visit(
        node: &Vec<String>,
        graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<Vec<String>, u8>,
        stack: &mut Vec<Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        state.insert(node.clone(), 1);
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut circle = stack[from..].to_vec();
                    circle.push(next.clone());
                    return Some(circle);
                }
                0 => {
                    if let Some(c) = visit(next, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node).copied().unwrap_or(0) == 0
            && let Some(circle) = visit(node, &graph, &mut state, &mut Vec::new())
        {
            let shown: Vec<String> = circle.iter().map(|m| show(m)).collect();
            panic!("import circle: {}", shown.join(" -> "));
        }
    }
}

/// The stages in the order they may depend on each other: each may import only from those
/// listed before it. `audit` follows `config`: its checks read the `[audit]` section and speak
/// `decision`'s words, need nothing of the engine or the enforcer, and the worker and admin read
/// reports. `cluster` follows `enforce` (its publisher is one of the enforcer's notifiers) and
/// precedes `worker` (the engine thread feeds the cluster's failure tally and applies what the
/// cluster reports) and `admin` (which shows the cluster's state).
const STAGES: &[&str] = &[
    "util", "os", "intake", "decision", "lookups", "config", "audit", "engine", "calls", "enforce",
    "cluster", "sensor", "worker", "admin", "host",
];

#[test]
fn stages_depend_on_earlier_stages_only() {
    let graph = import_graph();
    let rank = |m: &Vec<String>| {
        m.first()
            .and_then(|top| STAGES.iter().position(|s| s == top))
    };
    let mut offenders = Vec::new();
    for (from, targets) in &graph {
        let Some(rf) = rank(from) else { continue };
        for to in targets {
            if let Some(rt) = rank(to)
                && rt > rf
            {
                offenders.push(format!("{} -> {}", show(from), show(to)));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "imports against the stage order {STAGES:?}: {offenders:?}"
    );
    // Every top-level folder is a known stage, so a new one has to take its place here.
    for (file, _) in sources() {
        let top = module_of(&file);
        if let Some(first) = top.first() {
            assert!(
                STAGES.contains(&first.as_str()),
                "src/{file}: stage '{first}' is not in STAGES"
            );
        }
    }
}
