//! A password or secret read from the PBX's configuration, on its way to being judged.
//!
//! It exists only during gathering: the audit keeps which rules a secret breaks
//! ([`super::password::Verdict`]), never the secret. The type cannot be printed (its `Debug`
//! shows no content, it has no `Display`) and its bytes are overwritten when it is dropped.

pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: Vec<u8>) -> Secret {
        Secret(bytes)
    }

    /// The bytes, for the password rules only.
    pub(super) fn bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        for b in self.0.iter_mut() {
            *b = 0;
        }
        // Keeps the overwrite from being optimised away as a dead store.
        std::hint::black_box(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_its_content() {
        let s = Secret::new(b"hunter2-very-secret".to_vec());
        assert_eq!(format!("{s:?}"), "Secret(..)");
    }
}
