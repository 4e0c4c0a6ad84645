//! IAX2 (`iax.conf`, and `users.conf` with `hasiax`): who can call in, with which secret, and
//! whether call tokens are required. Secrets are judged here and dropped.

use crate::audit::password::{Verdict, assess};
use crate::audit::raw::{Lines, RawFile};
use crate::audit::snapshot::pjsip::is_true;

pub const FILE: &str = "iax.conf";

#[derive(Debug, Clone, PartialEq)]
pub struct IaxUser {
    pub name: String,
    /// `user`, `peer` or `friend`; only users and friends take calls in.
    pub kind: String,
    pub secret: Option<Verdict>,
    /// `dbsecret` or `inkeys` (RSA): authenticated another way.
    pub other_auth: bool,
    /// `requirecalltoken` as written.
    pub requirecalltoken: Option<String>,
    pub context: String,
    pub lines: Lines,
}

impl IaxUser {
    pub fn takes_calls(&self) -> bool {
        self.kind == "user" || self.kind == "friend"
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Iax {
    pub users: Vec<IaxUser>,
}

impl Iax {
    pub fn collect(file: &RawFile, users: &RawFile, min_length: usize) -> Option<Iax> {
        if !file.is_present() {
            return None;
        }
        let mut list: Vec<IaxUser> = file
            .sections()
            .iter()
            .filter(|s| s.last("type").is_some())
            .map(|s| IaxUser {
                name: s.name.clone(),
                kind: s.last("type").unwrap_or("").to_ascii_lowercase(),
                secret: s
                    .secret("secret")
                    .map(|p| assess(p, &[&s.name], min_length)),
                other_auth: s.has("dbsecret") || s.has("inkeys"),
                requirecalltoken: s.last("requirecalltoken").map(str::to_owned),
                context: s.last("context").unwrap_or("default").to_owned(),
                lines: s.lines(FILE),
            })
            .collect();
        let general = users.section("general");
        let default_on = general.and_then(|g| g.last("hasiax")).is_some_and(is_true);
        for s in users.sections() {
            if s.name.eq_ignore_ascii_case("general")
                || !s.last("hasiax").map_or(default_on, is_true)
            {
                continue;
            }
            let secret = s
                .secret("secret")
                .or_else(|| general.and_then(|g| g.secret("secret")));
            list.push(IaxUser {
                name: s.name.clone(),
                kind: "friend".to_owned(),
                secret: secret.map(|p| assess(p, &[&s.name], min_length)),
                other_auth: false,
                requirecalltoken: s.last("requirecalltoken").map(str::to_owned),
                context: s
                    .last("context")
                    .or_else(|| general.and_then(|g| g.last("context")))
                    .unwrap_or("default")
                    .to_owned(),
                lines: s.lines("users.conf"),
            });
        }
        Some(Iax { users: list })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::raw::RawSection;

    #[test]
    fn users_conf_users_with_hasiax_take_calls_with_its_general_defaults() {
        let iax = RawFile::Sections(vec![RawSection::new("general")]);
        let users = RawFile::Sections(vec![
            RawSection::new("general")
                .with("hasiax", "yes")
                .with("context", "users"),
            RawSection::new("6001").with("secret", "6001"),
            RawSection::new("6002").with("hasiax", "no"),
        ]);
        let i = Iax::collect(&iax, &users, 12).unwrap();
        assert_eq!(i.users.len(), 1);
        let u = &i.users[0];
        assert!(u.takes_calls());
        assert_eq!(u.context, "users");
        assert!(u.secret.as_ref().unwrap().is_weak());
        assert!(Iax::collect(&RawFile::Missing, &users, 12).is_none());
    }
}
