//! A PJSIP configuration object as Asterisk's sorcery holds it: its type, its id and its
//! fields as text, copied out on our own thread (the host layer walks the sorcery). Only the
//! types res_secast reads are kept: transports (the addresses Asterisk listens on), outbound
//! registrations, AORs and identifies, whose addresses the PBX depends on.

/// The sorcery types read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PjsipKind {
    /// `type=transport`: `bind`, an address Asterisk itself listens on.
    Transport,
    /// `type=registration` (res_pjsip_outbound_registration): `server_uri`, `outbound_proxy`.
    Registration,
    /// `type=aor`: static `contact`s (trunks, peers at a fixed address).
    Aor,
    /// `type=identify` (res_pjsip_endpoint_identifier_ip): `match`.
    Identify,
}

impl PjsipKind {
    pub const ALL: [PjsipKind; 4] = [
        PjsipKind::Transport,
        PjsipKind::Registration,
        PjsipKind::Aor,
        PjsipKind::Identify,
    ];

    /// The sorcery type name.
    pub fn type_name(self) -> &'static str {
        match self {
            PjsipKind::Transport => "transport",
            PjsipKind::Registration => "registration",
            PjsipKind::Aor => "aor",
            PjsipKind::Identify => "identify",
        }
    }

    /// The fields whose values name addresses; every other field is left in Asterisk.
    pub fn wanted_fields(self) -> &'static [&'static str] {
        match self {
            PjsipKind::Transport => &["bind"],
            PjsipKind::Registration => &["server_uri", "outbound_proxy"],
            PjsipKind::Aor => &["contact", "outbound_proxy"],
            PjsipKind::Identify => &["match"],
        }
    }
}

/// One object: a type, an id (the pjsip.conf section name) and the wanted fields, each as
/// often as the objectset lists it (an identify has one `match` per entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PjsipObject {
    pub kind: PjsipKind,
    pub id: String,
    pub fields: Vec<(String, String)>,
}

impl PjsipObject {
    /// Every value of `name`.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
