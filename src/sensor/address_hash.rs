//! A keyed hash of a source address for the sensor's fixed-size tables. Keyed with a secret
//! drawn at start so that an attacker cannot choose addresses that land on a victim's slot.

use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;

/// Two independent keys: the flood table counts in two rows (see `flood_table`).
#[derive(Debug, Clone, Copy)]
pub struct AddressHasher {
    keys: [u64; 2],
}

impl Default for AddressHasher {
    fn default() -> Self {
        let r = RandomState::new();
        AddressHasher {
            keys: [r.hash_one(0x5ec_a57u64), r.hash_one(0xf100du64)],
        }
    }
}

/// A 64-bit finaliser (the MurmurHash3 constants): every input bit moves every output bit.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// An address in one 128-bit space (IPv4 as IPv4-mapped).
pub fn wide(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

impl AddressHasher {
    /// The hash of `ip` under key `which` (0 or 1).
    pub fn hash(&self, ip: IpAddr, which: usize) -> u64 {
        self.hash_wide(wide(ip), which)
    }

    pub fn hash_wide(&self, w: u128, which: usize) -> u64 {
        let k = self.keys[which & 1];
        mix((w as u64) ^ mix(((w >> 64) as u64) ^ k))
    }

    /// Folds more bytes into a hash (REGISTER fingerprints: port, From user, User-Agent).
    pub fn extend(&self, h: u64, bytes: &[u8]) -> u64 {
        // The length first: bytes that differ only by trailing zeros hash apart.
        let mut h = mix(h ^ self.keys[1] ^ (bytes.len() as u64).rotate_left(32));
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            h = mix(h ^ u64::from_le_bytes(w));
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_and_addresses_spread() {
        let h = AddressHasher::default();
        let a: IpAddr = "203.0.113.1".parse().unwrap();
        let b: IpAddr = "203.0.113.2".parse().unwrap();
        assert_ne!(h.hash(a, 0), h.hash(a, 1));
        assert_ne!(h.hash(a, 0), h.hash(b, 0));
        assert_eq!(h.hash(a, 0), h.hash(a, 0));
        assert_ne!(h.extend(1, b"ab"), h.extend(1, b"ab\0"));
    }
}
