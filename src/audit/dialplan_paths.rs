//! Reading the dialplan the way a caller travels it: which contexts a call starting in one
//! context can reach (includes, `Goto`/`Gosub` targets written out in the app data), which
//! numbers a pattern can match, and which `Dial`s go out to a trunk. This is our own reading
//! of app-data text: targets built from variables are not followed.

use std::collections::BTreeSet;

use super::snapshot::dialplan::{Context, Dialplan, Extension, Priority, include_target};

/// Prefixes that start an international call (`00` in most of the world, `011` in North
/// America, `+` in E.164).
pub const INTERNATIONAL: [&str; 3] = ["00", "011", "+"];

/// Premium-rate prefixes known by heart (North American 1-900/1-976, European 0900/0906/0909,
/// German 0190); `[fraud] numbers` lists are for the call guard.
pub const PREMIUM: [&str; 6] = ["1900", "1976", "0900", "0906", "0909", "0190"];

/// Contexts a call starting in `start` can reach, `start` first.
pub fn reachable<'a>(dp: &'a Dialplan, start: &str) -> Vec<&'a Context> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue = vec![start.to_owned()];
    let mut out = Vec::new();
    while let Some(name) = queue.pop() {
        if !seen.insert(name.to_ascii_lowercase()) {
            continue;
        }
        let Some(ctx) = dp.context(&name) else {
            continue;
        };
        out.push(ctx);
        for inc in &ctx.includes {
            queue.push(include_target(inc).to_owned());
        }
        for ext in &ctx.extensions {
            for p in &ext.priorities {
                if let Some(target) = jump_target(p) {
                    queue.push(target);
                }
            }
        }
    }
    out
}

/// The context a `Goto`, `GotoIf`, `Gosub`, `GosubIf` or `Macro` names, when it is written out.
fn jump_target(p: &Priority) -> Option<String> {
    let app = p.app.to_ascii_lowercase();
    let data = p.data.as_str();
    let target = match app.as_str() {
        "goto" | "gosub" => data,
        "gotoif" | "gosubif" | "execif" => {
            // cond?a:b (either branch; the first is enough for "reachable").
            data.split_once('?')
                .map(|(_, t)| t.split(':').next().unwrap_or(""))?
        }
        "macro" => return Some(format!("macro-{}", top_level_args(data).first()?)),
        _ => return None,
    };
    let args = top_level_args(target);
    // context,extension,priority: only the three-part form names a context.
    let context = if args.len() >= 3 {
        args[0].trim()
    } else {
        return None;
    };
    (!context.is_empty() && !context.contains("${")).then(|| context.to_owned())
}

/// Splits app data at commas outside parentheses and `${…}`.
pub fn top_level_args(data: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in data.char_indices() {
        match c {
            '(' | '{' => depth += 1,
            ')' | '}' => depth -= 1,
            ',' if depth <= 0 => {
                out.push(&data[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&data[start..]);
    out
}

/// One element of an extension pattern.
enum Elem {
    Set(Vec<char>),
    /// `.`: one or more of anything; `!`: zero or more.
    Rest,
}

fn elements(pattern: &str) -> Vec<Elem> {
    let mut out = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        let set = match c {
            'X' | 'x' => ('0'..='9').collect(),
            'Z' | 'z' => ('1'..='9').collect(),
            'N' | 'n' => ('2'..='9').collect(),
            '.' | '!' => {
                out.push(Elem::Rest);
                continue;
            }
            '[' => {
                let mut set = Vec::new();
                let mut prev: Option<char> = None;
                while let Some(c) = chars.next() {
                    match c {
                        ']' => break,
                        '-' if prev.is_some() && chars.peek().is_some_and(|n| *n != ']') => {
                            let from = prev.unwrap_or('0');
                            let to = chars.next().unwrap_or(from);
                            set.extend(from..=to);
                            prev = None;
                        }
                        c => {
                            set.push(c);
                            prev = Some(c);
                        }
                    }
                }
                set
            }
            c => vec![c],
        };
        out.push(Elem::Set(set));
    }
    out
}

/// Whether the extension can match a number that starts with `prefix` and goes on past it.
pub fn can_match_prefix(exten: &str, prefix: &str) -> bool {
    let Some(pattern) = exten.strip_prefix('_') else {
        return exten.starts_with(prefix) && exten.len() > prefix.len();
    };
    let elems = elements(pattern);
    let mut i = 0;
    for c in prefix.chars() {
        match elems.get(i) {
            Some(Elem::Rest) => return true,
            Some(Elem::Set(s)) if s.contains(&c) => i += 1,
            _ => return false,
        }
    }
    i < elems.len()
}

/// Whether the extension matches numbers of open length (`.` or `!` in a pattern).
pub fn open_ended(exten: &str) -> bool {
    exten.starts_with('_') && (exten.contains('.') || exten.contains('!'))
}

/// The dial string of a `Dial` (its first argument), if the priority is one.
fn dial_string(p: &Priority) -> Option<&str> {
    p.app
        .eq_ignore_ascii_case("dial")
        .then(|| top_level_args(&p.data).first().copied().unwrap_or(""))
}

/// A `Dial` whose destination is the dialled number or goes through a trunk: `${EXTEN…}`,
/// `…@trunk`, or a technology taken from a variable (`${TRUNK}/…`).
pub fn dials_out(p: &Priority) -> bool {
    dial_string(p).is_some_and(|d| {
        d.to_ascii_uppercase().contains("${EXTEN") || d.contains('@') || d.starts_with("${")
    })
}

/// A `Dial` that puts the dialled number in the dial string unfiltered (no `FILTER()`).
pub fn dials_raw_exten(p: &Priority) -> bool {
    dial_string(p).is_some_and(|d| {
        let upper = d.to_ascii_uppercase();
        upper.contains("${EXTEN") && !upper.contains("FILTER(")
    })
}

/// Whether a priority before `p` in the extension consults `SECAST_CALLCHECK`.
pub fn call_checked_before(ext: &Extension, p: &Priority) -> bool {
    ext.priorities.iter().any(|q| {
        q.number < p.number
            && (q.data.to_ascii_uppercase().contains("SECAST_CALLCHECK")
                || q.app.to_ascii_uppercase().contains("SECAST_CALLCHECK"))
    })
}

/// Whether any context reachable from `start` has a `Dial` that goes out.
pub fn can_dial_out(dp: &Dialplan, start: &str) -> bool {
    reachable(dp, start).iter().any(|c| {
        c.extensions
            .iter()
            .any(|e| e.priorities.iter().any(dials_out))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_that_can_dial_abroad_are_recognised() {
        assert!(can_match_prefix("_00X.", "00"));
        assert!(can_match_prefix("_X.", "00"));
        assert!(can_match_prefix("_X.", "011"));
        assert!(can_match_prefix("_+X.", "+"));
        assert!(can_match_prefix("_.", "+"));
        assert!(can_match_prefix("_[0-1]XX.", "011"));
        assert!(can_match_prefix("0044123456", "00"));
        assert!(!can_match_prefix("_NXXXXXX", "00"));
        assert!(!can_match_prefix("_1XXX", "011"));
        assert!(
            !can_match_prefix("_00", "00"),
            "exactly 00 is no number abroad"
        );
        assert!(!can_match_prefix("1001", "00"));
        assert!(can_match_prefix("_1900NXXXXXX", "1900"));
    }

    #[test]
    fn includes_and_written_out_gotos_are_followed() {
        let dp = Dialplan {
            contexts: vec![
                Context::new("from-trunk").exten("_X.", &[("Goto", "sandbox,${EXTEN},1")]),
                Context::new("sandbox").include("outbound,09:00-17:00,mon-fri,*,*"),
                Context::new("outbound").exten("_00X.", &[("Dial", "PJSIP/${EXTEN}@carrier")]),
                Context::new("island").exten("_X.", &[("Dial", "PJSIP/${EXTEN}@carrier")]),
            ],
            truncated: false,
        };
        let names: Vec<&str> = reachable(&dp, "from-trunk")
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, ["from-trunk", "sandbox", "outbound"]);
        assert!(can_dial_out(&dp, "from-trunk"));
        assert!(!can_dial_out(&dp, "nowhere"));
    }

    #[test]
    fn dials_out_means_the_dialled_number_or_a_trunk() {
        let p = |app: &str, data: &str| Priority {
            app: app.to_owned(),
            data: data.to_owned(),
            ..Priority::default()
        };
        assert!(dials_out(&p("Dial", "PJSIP/${EXTEN}@carrier,30")));
        assert!(dials_out(&p("dial", "${TRUNK}/${EXTEN:1}")));
        assert!(!dials_out(&p("Dial", "PJSIP/1001,20")));
        assert!(!dials_out(&p("Playback", "${EXTEN}@x")));
        assert!(dials_raw_exten(&p("Dial", "PJSIP/${EXTEN}")));
        assert!(!dials_raw_exten(&p(
            "Dial",
            "PJSIP/${FILTER(0-9,${EXTEN})}@carrier"
        )));
    }
}
