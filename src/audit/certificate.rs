//! When a TLS certificate ends: the first `CERTIFICATE` block of a PEM file, decoded and walked
//! as DER just far enough to read `tbsCertificate.validity.notAfter` (RFC 5280 §4.1). No
//! signature or chain is checked; this only answers "has it expired, or will it soon".

use crate::util::time::days_from_civil;

/// What the audit found at a certificate path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertState {
    /// No file at the path (or no path where one is needed).
    Missing,
    /// The file is there but cannot be read (permissions, a directory).
    Unreadable(String),
    /// The file has no certificate that could be decoded.
    Unparsable,
    /// Valid until this time (seconds since the Unix epoch).
    NotAfter(i64),
}

impl CertState {
    /// Reads the certificate at `path` (host side: a file read, nothing of Asterisk).
    pub fn read(path: &str) -> CertState {
        if path.is_empty() {
            return CertState::Missing;
        }
        match std::fs::read(path) {
            Ok(bytes) => not_after(&bytes).map_or(CertState::Unparsable, CertState::NotAfter),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => CertState::Missing,
            Err(e) => CertState::Unreadable(e.to_string()),
        }
    }
}

/// The notAfter of the first certificate in a PEM file (or a bare DER certificate).
pub fn not_after(file: &[u8]) -> Option<i64> {
    let der = match first_pem_certificate(file) {
        Some(der) => der,
        None if file.first() == Some(&0x30) => file.to_vec(),
        None => return None,
    };
    validity_not_after(&der)
}

fn first_pem_certificate(file: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(file).ok()?;
    let begin = "-----BEGIN CERTIFICATE-----";
    let start = text.find(begin)? + begin.len();
    let end = start + text[start..].find("-----END CERTIFICATE-----")?;
    base64_decode(&text[start..end])
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            c if c.is_ascii_whitespace() => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// One DER element: (tag, content, the rest after it).
fn element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        // n == 0 is BER's indefinite length, not DER.
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

fn validity_not_after(der: &[u8]) -> Option<i64> {
    const SEQUENCE: u8 = 0x30;
    let (tag, certificate, _) = element(der)?;
    if tag != SEQUENCE {
        return None;
    }
    let (tag, tbs, _) = element(certificate)?;
    if tag != SEQUENCE {
        return None;
    }
    let mut rest = tbs;
    let (tag, _, after) = element(rest)?;
    // [0] version is present from v2 on, absent in v1 certificates.
    if tag == 0xa0 {
        rest = after;
    }
    // serialNumber, signature, issuer, then validity.
    for _ in 0..3 {
        let (_, _, after) = element(rest)?;
        rest = after;
    }
    let (tag, validity, _) = element(rest)?;
    if tag != SEQUENCE {
        return None;
    }
    let (_, _, after_not_before) = element(validity)?;
    let (tag, time, _) = element(after_not_before)?;
    parse_time(tag, time)
}

/// UTCTime (`YYMMDDHHMMSSZ`, 0x17) or GeneralizedTime (`YYYYMMDDHHMMSSZ`, 0x18).
fn parse_time(tag: u8, text: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(text).ok()?;
    let digits = text.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |s: &str| s.parse::<i64>().ok();
    let (year, rest) = match (tag, digits.len()) {
        (0x17, 12) => {
            let yy = num(&digits[..2])?;
            // RFC 5280: YY of 50 or more is 19YY, below is 20YY.
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &digits[2..])
        }
        (0x18, 14) => (num(&digits[..4])?, &digits[4..]),
        _ => return None,
    };
    let (month, day) = (num(&rest[0..2])?, num(&rest[2..4])?);
    let (h, m, s) = (num(&rest[4..6])?, num(&rest[6..8])?, num(&rest[8..10])?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Test certificates made by the research for this check (scratch/audit/certs/mkcerts.py):
    // one that ended on 2021-01-01 12:00:00 UTC (UTCTime), one valid until 2051-06-30
    // 23:59:59 UTC (GeneralizedTime).
    const EXPIRED: &str = include_str!("../../tests/audit_fixture/expired.crt");
    const VALID_2051: &str = include_str!("../../tests/audit_fixture/valid2051.crt");
    const V1: &str = include_str!("../../tests/audit_fixture/v1.crt");

    #[test]
    fn reads_utctime_and_generalizedtime_not_after() {
        assert_eq!(not_after(EXPIRED.as_bytes()), Some(1_609_502_400));
        assert_eq!(not_after(VALID_2051.as_bytes()), Some(2_571_782_399));
    }

    #[test]
    fn reads_a_version_one_certificate_without_the_version_field() {
        assert_eq!(not_after(V1.as_bytes()), Some(1_798_781_129));
    }

    #[test]
    fn garbage_is_unparsable_not_a_panic() {
        assert_eq!(not_after(b"not a certificate"), None);
        assert_eq!(
            not_after(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
            None
        );
        assert_eq!(not_after(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
    }

    #[test]
    fn a_missing_file_is_missing() {
        assert_eq!(
            CertState::read("/nonexistent/secast-audit.crt"),
            CertState::Missing
        );
    }
}
