//! `[scanner]` User-Agent patterns: case-insensitive substrings (no globs, no regular
//! expressions: a fragment such as `friendly-scanner` is all a fingerprint needs, and a
//! substring cannot be written to match everything by accident the way `.*` can).
//!
//! Matched in one pass over the User-Agent: two tables give, for each byte, the patterns whose
//! first (second) byte it is (64-bit masks, one bit per pattern); only the patterns in both
//! masks at a position are compared there, which is rarely any. A User-Agent is read up to
//! [`MAX_SCANNED`] bytes. Patterns are 2 bytes or longer.

use std::sync::Arc;

/// Bytes of a User-Agent looked at; a scanner announces itself at the start.
pub const MAX_SCANNED: usize = 256;

pub struct ScannerMatch {
    patterns: Vec<Arc<str>>,
    /// For each lower-cased byte, the patterns starting with it.
    starts: [u64; 256],
    /// For each lower-cased byte, the patterns whose second byte it is.
    seconds: [u64; 256],
}

impl ScannerMatch {
    /// From lower-case patterns (at most 64; more are ignored, the config refuses them).
    pub fn new(patterns: &[String]) -> ScannerMatch {
        let mut starts = [0u64; 256];
        let mut seconds = [0u64; 256];
        let patterns: Vec<Arc<str>> = patterns
            .iter()
            .filter(|p| p.len() >= 2)
            .take(64)
            .map(|p| Arc::from(p.to_ascii_lowercase().as_str()))
            .collect();
        for (i, p) in patterns.iter().enumerate() {
            starts[usize::from(p.as_bytes()[0])] |= 1 << i;
            seconds[usize::from(p.as_bytes()[1])] |= 1 << i;
        }
        ScannerMatch {
            patterns,
            starts,
            seconds,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The first pattern found in `user_agent`, ignoring ASCII case.
    pub fn find(&self, user_agent: &[u8]) -> Option<&Arc<str>> {
        let ua = &user_agent[..user_agent.len().min(MAX_SCANNED)];
        for (at, pair) in ua.windows(2).enumerate() {
            let mut mask = self.starts[usize::from(pair[0].to_ascii_lowercase())]
                & self.seconds[usize::from(pair[1].to_ascii_lowercase())];
            while mask != 0 {
                let i = mask.trailing_zeros() as usize;
                mask &= mask - 1;
                let p = self.patterns[i].as_bytes();
                if ua
                    .get(at..at + p.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(p))
                {
                    return Some(&self.patterns[i]);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::BUILTIN_SCANNER_PATTERNS;

    fn builtin() -> ScannerMatch {
        let p: Vec<String> = BUILTIN_SCANNER_PATTERNS
            .iter()
            .map(|s| s.to_string())
            .collect();
        ScannerMatch::new(&p)
    }

    /// User-Agents of scanners as they appear in honeypot captures and the tools' sources.
    const SCANNERS: &[&str] = &[
        "friendly-scanner",
        "Friendly-Scanner",
        "sipvicious",
        "SIPVicious PBX scanner",
        "sipcli/v1.8",
        "sip-scan",
        "SIPScan 1.0",
        "sundayddr",
        "iWar",
        "VaxSIPUserAgent/3.1",
        "VaxSIPUserAgent/3.5",
        "pplsip",
        "smap 0.6.0",
    ];

    /// Real phones, softphones, PBXes, proxies, carriers and test tools: never a match.
    const LEGITIMATE: &[&str] = &[
        "Yealink SIP-T46S 66.86.0.15",
        "Yealink SIP-T54W 96.86.0.70",
        "Yealink W60B 77.85.0.25",
        "PolycomVVX-VVX_411-UA/6.4.3.5018",
        "PolycomSoundPointIP-SPIP_331-UA/4.0.14.1388",
        "Poly/PolyEdgeE450-UA/8.1.3.1301",
        "Grandstream GXP2170 1.0.11.23",
        "Grandstream HT801 1.0.43.11",
        "Grandstream Wave Android 1.0.9.6",
        "Cisco/SPA504G-7.6.2c",
        "Cisco-CP8865/14.1.1",
        "Cisco-SIPGateway/IOS-15.x",
        "snom D785/10.1.54.13",
        "snomPA1/8.7.3.7",
        "Linphone Desktop/5.0.14 (Ubuntu 22.04.1 LTS) Linphone/5.1.61 (belle-sip/5.1.63)",
        "LinphoneAndroid/5.0.10 (Pixel 6) LinphoneSDK/5.2.0",
        "Z 5.6.1 v2.10.19.9",
        "Zoiper rv2.10.19.9-mod",
        "ZoiPer for Windows 2.0",
        "MicroSIP/3.21.3",
        "Bria 6 release 6.5.3 stamp 111209",
        "Bria iOS release 6.13.4",
        "X-Lite release 5.8.3 stamp 102651",
        "Asterisk PBX 22.1.0",
        "Asterisk PBX 18.20.0~dfsg+~cs6.13.40431414-2",
        "FPBX-16.0.40(18.20.0)",
        "FreeSWITCH-mod_sofia/1.10.11-release~64bit",
        "kamailio (5.7.4 (x86_64/linux))",
        "OpenSIPS (3.4.3 (x86_64/linux))",
        "Twilio Gateway",
        "Twilio-SIP",
        "sipp",
        "SIPp/v3.7.2",
        "Fanvil X4U 2.12.3.5",
        "Gigaset N670 IP PRO/83.V2.34.1",
        "AVM FRITZ!Box 7590 154.07.57",
        "Obihai/OBi202-3.2.2",
        "Aastra 6737i/3.3.1.4322",
        "Mitel 6869i/5.2.1.2205",
        "Avaya one-X Deskphone",
        "Panasonic_KX-UT136/01.133",
        "Jitsi2.10.5550Windows 10",
        "Telephone 1.5.1",
        "Groundwire/6.4.1",
        "Acrobits Softphone/5.9",
        "3CXPhone 6.0.26523.0",
        "3CX Phone System 18.0",
        "Vonage HDV300",
        "PJSUA v2.14 Linux-6.1/x86_64/glibc-2.36",
        "Blink 5.1.7 (Linux)",
        "Ekiga/4.0.1",
        "Telavox",
        "Sangoma S505 V3.0.4.79",
        "Htek UC926 2.0.4.4.38",
        "Akuvox R20A 220.30.2.214",
    ];

    #[test]
    fn the_default_patterns_catch_the_known_scanners() {
        let m = builtin();
        for ua in SCANNERS {
            assert!(m.find(ua.as_bytes()).is_some(), "{ua} not recognised");
        }
    }

    #[test]
    fn the_default_patterns_never_match_a_real_phone_or_trunk() {
        let m = builtin();
        for ua in LEGITIMATE {
            assert_eq!(m.find(ua.as_bytes()), None, "{ua} taken for a scanner");
        }
    }

    #[test]
    fn the_match_names_the_pattern_and_ignores_case_anywhere_in_the_value() {
        let m = ScannerMatch::new(&["evil".into(), "friendly-scanner".into()]);
        assert_eq!(
            m.find(b"xx FRIENDLY-scanner yy").map(|p| &**p),
            Some("friendly-scanner")
        );
        assert_eq!(m.find(b"devils").map(|p| &**p), Some("evil"));
        assert_eq!(m.find(b"evi"), None, "a prefix at the end is no match");
        assert_eq!(m.find(&[0xff, 0x00, b'e']), None, "any bytes");
        // Beyond MAX_SCANNED bytes nothing is looked at.
        let mut long = vec![b'a'; MAX_SCANNED];
        long.extend_from_slice(b"evil");
        assert_eq!(m.find(&long), None);
        assert!(ScannerMatch::new(&[]).is_empty());
    }
}
