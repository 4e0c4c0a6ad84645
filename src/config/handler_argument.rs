//! One argument of an event handler's program, as written in its `argument =` line: text with
//! `${name}` placeholders for the decision's fields. Each line is exactly one argv element:
//! the placeholders are replaced inside it and the result is never split, quoted or handed to
//! a shell, so `${account}` holding `$(touch /tmp/x);|&` arrives as those 18 bytes.

use std::fmt;
use std::str::FromStr;

/// A field of a decision, as a placeholder names it and as the `SECAST_*` variable carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecisionField {
    Action,
    Ip,
    Cidr,
    Family,
    Duration,
    Until,
    Rule,
    Reason,
    Risk,
    Account,
    Country,
    Offence,
    Node,
    SyncFile,
}

impl DecisionField {
    pub const ALL: [DecisionField; 14] = [
        DecisionField::Action,
        DecisionField::Ip,
        DecisionField::Cidr,
        DecisionField::Family,
        DecisionField::Duration,
        DecisionField::Until,
        DecisionField::Rule,
        DecisionField::Reason,
        DecisionField::Risk,
        DecisionField::Account,
        DecisionField::Country,
        DecisionField::Offence,
        DecisionField::Node,
        DecisionField::SyncFile,
    ];

    /// The placeholder's name: `${ip}`.
    pub fn name(self) -> &'static str {
        match self {
            DecisionField::Action => "action",
            DecisionField::Ip => "ip",
            DecisionField::Cidr => "cidr",
            DecisionField::Family => "family",
            DecisionField::Duration => "duration",
            DecisionField::Until => "until",
            DecisionField::Rule => "rule",
            DecisionField::Reason => "reason",
            DecisionField::Risk => "risk",
            DecisionField::Account => "account",
            DecisionField::Country => "country",
            DecisionField::Offence => "offence",
            DecisionField::Node => "node",
            DecisionField::SyncFile => "sync_file",
        }
    }

    /// The environment variable that carries it: `SECAST_IP`.
    pub fn env_name(self) -> &'static str {
        match self {
            DecisionField::Action => "SECAST_ACTION",
            DecisionField::Ip => "SECAST_IP",
            DecisionField::Cidr => "SECAST_CIDR",
            DecisionField::Family => "SECAST_FAMILY",
            DecisionField::Duration => "SECAST_DURATION",
            DecisionField::Until => "SECAST_UNTIL",
            DecisionField::Rule => "SECAST_RULE",
            DecisionField::Reason => "SECAST_REASON",
            DecisionField::Risk => "SECAST_RISK",
            DecisionField::Account => "SECAST_ACCOUNT",
            DecisionField::Country => "SECAST_COUNTRY",
            DecisionField::Offence => "SECAST_OFFENCE",
            DecisionField::Node => "SECAST_NODE",
            DecisionField::SyncFile => "SECAST_SYNC_FILE",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field(DecisionField),
}

/// An `argument =` line, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerArgument {
    written: String,
    pieces: Vec<Piece>,
}

impl HandlerArgument {
    /// The argv element for a decision: each placeholder replaced by `value` of its field (an
    /// absent field gives an empty string). One element in, one element out.
    pub fn render(&self, value: impl Fn(DecisionField) -> String) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Field(f) => out.push_str(&value(*f)),
            }
        }
        out
    }
}

impl fmt::Display for HandlerArgument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

impl FromStr for HandlerArgument {
    type Err = String;

    /// `${name}` is a placeholder, `$$` a literal `$`; any other `$` is itself.
    fn from_str(v: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut rest = v;
        while let Some(at) = rest.find('$') {
            text.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            if let Some(tail) = after.strip_prefix('$') {
                text.push('$');
                rest = tail;
            } else if let Some(inner) = after.strip_prefix('{') {
                let close = inner
                    .find('}')
                    .ok_or_else(|| format!("a closing }} after '${{' in \"{v}\""))?;
                let name = &inner[..close];
                let field = DecisionField::ALL
                    .into_iter()
                    .find(|f| f.name() == name)
                    .ok_or_else(|| {
                        let known: Vec<String> = DecisionField::ALL
                            .iter()
                            .map(|f| format!("${{{}}}", f.name()))
                            .collect();
                        format!("one of the placeholders {}", known.join(" "))
                    })?;
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Field(field));
                rest = &inner[close + 1..];
            } else {
                text.push('$');
                rest = after;
            }
        }
        text.push_str(rest);
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(HandlerArgument {
            written: v.to_owned(),
            pieces,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(arg: &str) -> String {
        let a: HandlerArgument = arg.parse().unwrap();
        a.render(|f| match f {
            DecisionField::Ip => "203.0.113.5".to_owned(),
            DecisionField::Account => "$(touch /tmp/x);|& two words".to_owned(),
            _ => String::new(),
        })
    }

    #[test]
    fn placeholders_fill_one_element_and_are_never_reinterpreted() {
        assert_eq!(render("${ip}"), "203.0.113.5");
        assert_eq!(render("--address=${ip}/32"), "--address=203.0.113.5/32");
        assert_eq!(render("${account}"), "$(touch /tmp/x);|& two words");
        assert_eq!(render("${country}"), "");
        assert_eq!(render("cost $$5 and $HOME"), "cost $5 and $HOME");
    }

    #[test]
    fn unknown_or_unclosed_placeholders_are_refused() {
        assert!("${ipaddress}".parse::<HandlerArgument>().is_err());
        assert!("${ip".parse::<HandlerArgument>().is_err());
    }
}
