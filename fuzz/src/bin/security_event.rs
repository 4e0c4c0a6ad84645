//! The security-event decoder (`src/intake/`): what the stasis callback copies out of an
//! Asterisk security event, parsed into a typed event.
//!
//! Input: the event number on the first line, then one `Field=value` line per field, named as
//! in Asterisk's JSON (`RemoteAddress=IPV4/UDP/203.0.113.5/5060`). A value is raw bytes up to
//! the newline; a name that is no field sets nothing, so the fuzzer can drop fields.

use res_secast::intake::timestamp::parse_event_tv;
use res_secast::intake::{EndpointAddr, Field, RawEvent};

fn decode(data: &[u8]) {
    let mut lines = data.split(|b| *b == b'\n');
    let number = lines
        .next()
        .and_then(|l| std::str::from_utf8(l).ok())
        .and_then(|l| l.trim().parse::<i64>().ok())
        .unwrap_or(-1);
    let mut raw = RawEvent::new(number);
    for line in lines {
        let Some(eq) = line.iter().position(|b| *b == b'=') else {
            continue;
        };
        let (name, value) = (&line[..eq], &line[eq + 1..]);
        if let Some(field) = Field::ALL.iter().find(|f| f.json_key().to_bytes() == name) {
            raw.set(*field, value);
            // What was set is what is read back, cut to the cap.
            let kept = raw.get(*field).expect("a field just set is present");
            assert!(value.starts_with(kept));
        }
    }
    match raw.parse() {
        Ok(event) => {
            let _ = event.source_ip();
            let _ = event.transport();
            let _ = event.named_account();
            let _ = format!("{event:?}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    // The address and timestamp readers on their own, over the whole input.
    let text = String::from_utf8_lossy(data);
    let _ = EndpointAddr::parse(&text);
    let _ = parse_event_tv(&text);
}

fn main() {
    afl::fuzz!(|data: &[u8]| decode(data));
}
