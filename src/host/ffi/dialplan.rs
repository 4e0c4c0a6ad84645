//! The loaded dialplan, copied for the audit.
//!
//! `ast_rdlock_contexts` is one global mutex that every call's dialplan lookup takes, so the
//! walk only copies strings (bounded by [`MAX_PRIORITIES`]) and all analysis happens after
//! the lock is released. Runs on the audit thread, never on a call's.

use std::ffi::{CStr, c_char};

use super::sys;
use crate::audit::snapshot::dialplan::{
    Context, Dialplan, Extension, MAX_PRIORITIES, Priority, include_target,
};

fn text(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: strings of the dialplan, alive while we hold the contexts lock.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// Every context, include, extension and priority (hints left out); None if the contexts
/// could not be locked.
pub fn copy() -> Option<Dialplan> {
    let mut dp = Dialplan::default();
    let mut priorities = 0usize;
    // SAFETY: the walk functions are called between ast_rdlock_contexts and
    // ast_unlock_contexts, each context between its own lock and unlock, as pbx.h requires;
    // every pointer comes from the previous call of the same walk and is only passed back.
    unsafe {
        if sys::ast_rdlock_contexts() != 0 {
            return None;
        }
        let mut con = sys::ast_walk_contexts(std::ptr::null_mut());
        'contexts: while !con.is_null() {
            sys::ast_rdlock_context(con);
            let mut ctx = Context::new(&text(sys::ast_get_context_name(con)));
            for i in 0..sys::ast_context_includes_count(con) {
                let inc = sys::ast_context_includes_get(con, i);
                if !inc.is_null() {
                    let name = text(sys::ast_get_include_name(inc));
                    ctx.includes.push(include_target(&name).to_owned());
                }
            }
            let mut ext = sys::ast_walk_context_extensions(con, std::ptr::null_mut());
            while !ext.is_null() {
                let mut e = Extension {
                    name: text(sys::ast_get_extension_name(ext)),
                    cid: (sys::ast_get_extension_matchcid(ext) != 0)
                        .then(|| text(sys::ast_get_extension_cidmatch(ext))),
                    priorities: Vec::new(),
                };
                let mut p = sys::ast_walk_extension_priorities(ext, std::ptr::null_mut());
                while !p.is_null() {
                    let number = sys::ast_get_extension_priority(p);
                    // Hints are priority -1: a device, not a step of a call.
                    if number >= 0 {
                        priorities += 1;
                        if priorities > MAX_PRIORITIES {
                            dp.truncated = true;
                            ctx.extensions.push(e);
                            dp.contexts.push(ctx);
                            sys::ast_unlock_context(con);
                            break 'contexts;
                        }
                        let label = text(sys::ast_get_extension_label(p));
                        e.priorities.push(Priority {
                            number,
                            label: (!label.is_empty()).then_some(label),
                            app: text(sys::ast_get_extension_app(p)),
                            data: text(sys::ast_get_extension_app_data(p) as *const c_char),
                            file: text(sys::ast_get_extension_registrar_file(p)),
                            line: u32::try_from(sys::ast_get_extension_registrar_line(p))
                                .unwrap_or(0),
                        });
                    }
                    p = sys::ast_walk_extension_priorities(ext, p);
                }
                ctx.extensions.push(e);
                ext = sys::ast_walk_context_extensions(con, ext);
            }
            sys::ast_unlock_context(con);
            dp.contexts.push(ctx);
            con = sys::ast_walk_contexts(con);
        }
        sys::ast_unlock_contexts();
    }
    Some(dp)
}
