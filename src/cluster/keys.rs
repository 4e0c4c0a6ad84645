//! The names of everything res_secast keeps in Redis, all under the configured prefix
//! (`secast:` by default), so that an ACL `~secast:* &secast:*` confines a server to them:
//!
//! | key | type | holds |
//! |---|---|---|
//! | `<p>events` | channel | every live message (bans, unbans, failure batches, contacts, device states, hellos) |
//! | `<p>bans` | hash | network → ban in force (JSON) |
//! | `<p>unbans` | hash | network → when and where a ban was lifted by hand (JSON) |
//! | `<p>offences` | hash | network → highest offence number and when (JSON) |
//! | `<p>node:<node>` | string, expires | the node's announcement (JSON), refreshed every second |
//! | `<p>contact:<node>:<id>` | string, expires with the registration | one registered contact (JSON) |
//! | `<p>devstate:<node>` | hash, expires unless refreshed | device → state (0–8) |

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    pub fn new(prefix: &str) -> Keys {
        Keys {
            prefix: prefix.to_owned(),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn channel(&self) -> String {
        format!("{}events", self.prefix)
    }

    pub fn bans(&self) -> String {
        format!("{}bans", self.prefix)
    }

    pub fn unbans(&self) -> String {
        format!("{}unbans", self.prefix)
    }

    pub fn offences(&self) -> String {
        format!("{}offences", self.prefix)
    }

    pub fn node(&self, node: &str) -> String {
        format!("{}node:{node}", self.prefix)
    }

    pub fn nodes_pattern(&self) -> String {
        format!("{}node:*", glob_escape(&self.prefix))
    }

    pub fn contact(&self, node: &str, id: &str) -> String {
        format!("{}contact:{node}:{id}", self.prefix)
    }

    pub fn contacts_pattern(&self) -> String {
        format!("{}contact:*", glob_escape(&self.prefix))
    }

    pub fn devstate(&self, node: &str) -> String {
        format!("{}devstate:{node}", self.prefix)
    }

    pub fn devstates_pattern(&self) -> String {
        format!("{}devstate:*", glob_escape(&self.prefix))
    }

    /// The node a `devstate:<node>` key belongs to.
    pub fn node_of_devstate_key<'a>(&self, key: &'a str) -> Option<&'a str> {
        key.strip_prefix(&self.prefix)?.strip_prefix("devstate:")
    }
}

/// A prefix used in a SCAN pattern matches itself only.
fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_and_the_channel_carry_the_prefix() {
        let k = Keys::new("secast:");
        assert_eq!(k.channel(), "secast:events");
        assert_eq!(
            k.contact("nodeB", "1001;@ab"),
            "secast:contact:nodeB:1001;@ab"
        );
        assert_eq!(k.devstates_pattern(), "secast:devstate:*");
        assert_eq!(
            k.node_of_devstate_key("secast:devstate:nodeB"),
            Some("nodeB")
        );
        assert_eq!(k.node_of_devstate_key("other:devstate:nodeB"), None);
        assert_eq!(Keys::new("c{1}:").nodes_pattern(), "c{1}:node:*");
    }
}
