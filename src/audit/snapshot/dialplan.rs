//! The dialplan as it is loaded: contexts with their includes and extensions, every priority
//! with its application and raw (unsubstituted) data. Copied out under Asterisk's contexts
//! lock and analysed after it is released; capped at [`MAX_PRIORITIES`].

/// Priorities copied at most; a bigger dialplan is audited in part and the report says so.
pub const MAX_PRIORITIES: usize = 200_000;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dialplan {
    pub contexts: Vec<Context>,
    /// More than [`MAX_PRIORITIES`] priorities: the rest were not copied.
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Context {
    pub name: String,
    /// Included context names (a time-limited include counts, its timing cut off).
    pub includes: Vec<String>,
    pub extensions: Vec<Extension>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Extension {
    /// As written, patterns with their leading `_`.
    pub name: String,
    /// Caller-ID match, when the extension has one.
    pub cid: Option<String>,
    /// In priority order; hints are left out.
    pub priorities: Vec<Priority>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Priority {
    pub number: i32,
    pub label: Option<String>,
    pub app: String,
    pub data: String,
    /// The file and line it was written at (`extensions.conf`, an `#include`d file).
    pub file: String,
    pub line: u32,
}

impl Dialplan {
    pub fn context(&self, name: &str) -> Option<&Context> {
        self.contexts
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

impl Context {
    pub fn new(name: &str) -> Context {
        Context {
            name: name.to_owned(),
            ..Context::default()
        }
    }

    /// Adds `exten => NAME,N,APP(DATA)` lines as one extension (fixtures).
    pub fn exten(mut self, name: &str, steps: &[(&str, &str)]) -> Context {
        let priorities = steps
            .iter()
            .enumerate()
            .map(|(i, (app, data))| Priority {
                number: i as i32 + 1,
                label: None,
                app: (*app).to_owned(),
                data: (*data).to_owned(),
                file: "extensions.conf".to_owned(),
                line: 0,
            })
            .collect();
        self.extensions.push(Extension {
            name: name.to_owned(),
            cid: None,
            priorities,
        });
        self
    }

    pub fn include(mut self, name: &str) -> Context {
        self.includes.push(name.to_owned());
        self
    }
}

/// `daytime,09:00-17:00,mon-fri,*,*` → `daytime` (what `ast_get_include_name` returns).
pub fn include_target(value: &str) -> &str {
    value.split([',', '|']).next().unwrap_or(value).trim()
}
