//! Asterisk refuses a module whose key does not hash to the digest its loader expects.

use md5::{Digest, Md5};
use res_secast::util::asterisk_license_key::ASTERISK_GPL_KEY;

#[test]
fn key_has_the_digest_asterisk_expects() {
    let bytes = ASTERISK_GPL_KEY.to_bytes();
    assert_eq!(bytes.len(), 581, "581 bytes up to the NUL");
    assert_eq!(bytes.last(), Some(&b'\n'));
    let digest = Md5::digest(bytes);
    assert_eq!(
        digest.as_slice(),
        [
            0x87, 0x76, 0x79, 0x35, 0x23, 0xea, 0x3a, 0xd3, 0x25, 0x2a, 0xbb, 0x35, 0x87, 0xe4,
            0x22, 0x24
        ]
    );
}
