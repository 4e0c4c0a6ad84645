//! The call guard without Asterisk: counters against a model under random call sequences,
//! check-and-reserve under contention, slots released exactly once however a call ends, the
//! passive watch never counting a checked call twice, duration limits acting while a call is
//! up, restrictions from the engine's alerts.

use std::sync::{Arc, Barrier};

use res_secast::calls::{
    CallGuard, CallPolicy, ChannelRef, CheckRequest, Dial, NoRisk, RiskView, Slot, Verdict,
};
use res_secast::config::{Config, ConfigEntry};
use res_secast::decision::FraudLevel;
use res_secast::lookups::numbers::NumberLists;

/// 2026-12-02 00:00:00 UTC.
const T0: i64 = 1_796_169_600_000;

fn guard(entries: &[(&str, &str, &str)]) -> CallGuard {
    let mut all = vec![ConfigEntry::new("calls", "country", "US")];
    all.extend(entries.iter().map(|(s, k, v)| ConfigEntry::new(s, k, v)));
    let (cfg, issues) = Config::from_entries(&all, &Config::default());
    assert!(issues.is_empty(), "{issues:?}");
    CallGuard::new(CallPolicy::new(&cfg))
}

fn check(g: &CallGuard, account: &str, number: &str, at: i64) -> (Verdict, Option<Slot>, String) {
    let o = g.check(
        &CheckRequest {
            account,
            address: None,
            dialled: number,
            channel: None,
        },
        &NumberLists::default(),
        &NoRisk,
        at,
    );
    (o.verdict, o.slot, o.reason)
}

fn live(g: &CallGuard, account: &str) -> u32 {
    g.account_use_of(account, T0).map_or(0, |a| a.live)
}

/// xorshift64*: reproducible sequences without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the counters should say, written the plain way: every admitted call kept forever.
#[derive(Default, Clone)]
struct ModelAccount {
    times: Vec<i64>,
    live: u32,
    last_number: Option<usize>,
    sequential: u32,
    last_call: i64,
}

const CPM: u32 = 3;
const CONCURRENT: u32 = 2;
const TOTAL: u32 = 5;
const INTERVAL: i64 = 600;
const SEQUENTIAL: u32 = 2;

impl ModelAccount {
    /// Whether one more call to `number` at `now` (seconds) passes every critical level.
    fn admits(&self, number: usize, now: i64) -> bool {
        let within = |secs: i64| self.times.iter().filter(|t| now - **t < secs).count() as u32;
        let seq_alive = self.sequential > 0 && now - self.last_call < INTERVAL;
        let sequential = if seq_alive && self.last_number == Some(number) {
            self.sequential + 1
        } else {
            1
        };
        within(60) < CPM
            && self.live < CONCURRENT
            && within(INTERVAL) < TOTAL
            && sequential <= SEQUENTIAL
    }

    fn admit(&mut self, number: usize, now: i64) {
        let seq_alive = self.sequential > 0 && now - self.last_call < INTERVAL;
        self.sequential = if seq_alive && self.last_number == Some(number) {
            self.sequential + 1
        } else {
            1
        };
        self.last_number = Some(number);
        self.last_call = now;
        self.times.push(now);
        self.live += 1;
    }
}

#[test]
fn counters_match_a_model_under_random_call_sequences() {
    let numbers = ["2125550001", "2125550002", "2125550003"];
    let accounts = ["1001", "1002", "o'brien"];
    for seed in 1..=150u64 {
        let g = guard(&[
            ("calls-international", "enabled", "no"),
            ("calls-high_risk", "enabled", "no"),
            ("calls-new_country", "enabled", "no"),
            ("calls-p", "match", "all"),
            ("calls-p", "calls_per_minute_critical", &CPM.to_string()),
            ("calls-p", "concurrent_critical", &CONCURRENT.to_string()),
            ("calls-p", "total_critical", &TOTAL.to_string()),
            ("calls-p", "interval", "10m"),
            ("calls-p", "sequential_critical", &SEQUENTIAL.to_string()),
        ]);
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut model = vec![ModelAccount::default(); accounts.len()];
        let mut held: Vec<(usize, Slot)> = Vec::new();
        let mut now = 0i64;
        for step in 0..300 {
            match rng.below(10) {
                // Time passes: seconds, sometimes minutes.
                0 | 1 => {
                    now += if rng.below(4) == 0 {
                        rng.below(700) as i64
                    } else {
                        rng.below(30) as i64
                    }
                }
                // A call ends (answered, busy, cancelled: all the same to its slot).
                2 | 3 if !held.is_empty() => {
                    let (a, slot) = held.swap_remove(rng.below(held.len() as u64) as usize);
                    drop(slot);
                    model[a].live -= 1;
                }
                _ => {
                    let a = rng.below(accounts.len() as u64) as usize;
                    let n = rng.below(numbers.len() as u64) as usize;
                    let expect = model[a].admits(n, now);
                    let (verdict, slot, reason) =
                        check(&g, accounts[a], numbers[n], T0 + now * 1000);
                    assert_eq!(
                        verdict != Verdict::Deny,
                        expect,
                        "seed {seed} step {step}: {} calls {} at {now}s: {verdict} ({reason})",
                        accounts[a],
                        numbers[n]
                    );
                    if let Some(slot) = slot {
                        model[a].admit(n, now);
                        held.push((a, slot));
                    }
                }
            }
            for (i, m) in model.iter().enumerate() {
                assert_eq!(live(&g, accounts[i]), m.live, "seed {seed} step {step}");
            }
        }
        drop(held);
        for a in accounts {
            assert_eq!(live(&g, a), 0, "every slot came back");
        }
        assert_eq!(
            g.accounts()
                .release_mismatches
                .load(std::sync::atomic::Ordering::Relaxed),
            0
        );
    }
}

#[test]
fn fifty_simultaneous_calls_against_a_limit_of_ten_let_exactly_ten_through() {
    let g = guard(&[
        ("calls-international", "concurrent_critical", "10"),
        ("calls-international", "calls_per_minute_critical", "off"),
    ]);
    let start = Arc::new(Barrier::new(50));
    let handles: Vec<_> = (0..50)
        .map(|_| {
            let (g, start) = (g.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                check(&g, "1001", "011442071234567", T0).1
            })
        })
        .collect();
    let slots: Vec<Slot> = handles
        .into_iter()
        .filter_map(|h| h.join().unwrap())
        .collect();
    assert_eq!(slots.len(), 10);
    assert_eq!(live(&g, "1001"), 10);
    drop(slots);
    assert_eq!(live(&g, "1001"), 0);
    assert_ne!(check(&g, "1001", "011442071234567", T0).0, Verdict::Deny);
}

#[test]
fn calls_per_minute_slide_to_the_second() {
    let g = guard(&[]);
    for i in 0..10 {
        let (v, _, _) = check(&g, "1001", "011442071234567", T0 + i * 1000);
        assert_ne!(v, Verdict::Deny, "call {i}");
    }
    let (v, _, reason) = check(&g, "1001", "011442071234567", T0 + 59_999);
    assert_eq!(v, Verdict::Deny);
    assert_eq!(
        reason,
        "international: calls_per_minute 11 above the critical level"
    );
    // The first call is a minute old at 60 s: one slot in the window frees up, exactly then.
    let (v, _, _) = check(&g, "1001", "011442071234567", T0 + 60_000);
    assert_ne!(v, Verdict::Deny);
    assert_eq!(
        check(&g, "1001", "011442071234567", T0 + 60_500).0,
        Verdict::Deny
    );
    // Another account has its own counters.
    assert_eq!(
        check(&g, "1002", "011442071234567", T0 + 60_500).0,
        Verdict::Warn
    );
}

#[test]
fn built_in_limits_warn_on_a_new_country_and_the_high_risk_list() {
    let cfg = {
        let (c, _) = Config::from_entries(
            &[ConfigEntry::new("calls", "country", "US")],
            &Config::default(),
        );
        c
    };
    let g = CallGuard::new(CallPolicy::new(&cfg));
    let lists = {
        let d = CallPolicy::dialling_of(&cfg);
        let read = |s: &str| d.read(s).map(|n| n.digits);
        NumberLists::load(
            &[],
            &[res_secast::lookups::numbers::BuiltinList {
                name: "secast-high-risk",
                category: res_secast::lookups::numbers::NumberCategory::Other("high_risk".into()),
                text: res_secast::calls::BUILTIN_HIGH_RISK,
            }],
            &read,
        )
        .0
    };
    let call = |n: &str, at: i64| {
        g.check(
            &CheckRequest {
                account: "1001",
                address: None,
                dialled: n,
                channel: None,
            },
            &lists,
            &NoRisk,
            at,
        )
    };
    let first = call("18765551234", T0);
    assert_eq!(
        first.destination.class, "high_risk",
        "Jamaica, dialled 1+10 digits"
    );
    assert_eq!(first.verdict, Verdict::Warn);
    assert_eq!(call("18765551234", T0 + 1000).verdict, Verdict::Warn);
    let third = call("18765551234", T0 + 2000);
    assert_eq!(third.verdict, Verdict::Deny, "{}", third.reason);
    assert_eq!(third.reason, "high_risk: total 3 above the critical level");
    let alerts = &first.alerts;
    assert!(
        alerts
            .iter()
            .any(|a| a.counter == "new_country" && a.country.as_deref() == Some("JM"))
    );
    // A domestic call is nobody's business.
    assert_eq!(call("2125551234", T0).verdict, Verdict::Allow);
}

#[test]
fn a_flagged_account_and_a_risky_source_are_restricted_until_cleared() {
    struct Risky;
    impl RiskView for Risky {
        fn is_banned(&self, _: std::net::IpAddr) -> bool {
            false
        }
        fn risk_of(&self, ip: std::net::IpAddr) -> u8 {
            if ip.to_string() == "192.0.2.66" {
                80
            } else {
                0
            }
        }
        fn risk_of_account(&self, _: &str) -> u8 {
            0
        }
    }
    let g = guard(&[]);
    let lists = NumberLists::default();
    let call = |account: &str, addr: &str, n: &str| {
        g.check(
            &CheckRequest {
                account,
                address: addr.parse().ok(),
                dialled: n,
                channel: None,
            },
            &lists,
            &Risky,
            T0,
        )
    };
    assert!(g.on_account_alert("1001", "stolen_credentials", T0 - 1000));
    let o = call("1001", "192.0.2.1", "011442071234567");
    assert_eq!(o.verdict, Verdict::Deny);
    assert_eq!(
        o.reason,
        "restricted by stolen_credentials: international and high-risk calls refused"
    );
    assert_eq!(o.alerts[0].level, FraudLevel::Critical);
    assert_eq!(
        call("1001", "192.0.2.1", "2125551234").verdict,
        Verdict::Allow,
        "domestic calls go on"
    );
    let o = call("1002", "192.0.2.66", "011442071234567");
    assert_eq!(
        o.reason,
        "restricted by address_risk (risk 80): international and high-risk calls refused"
    );
    assert!(g.clear_account("1001"));
    assert_ne!(
        call("1001", "192.0.2.1", "011442071234567").verdict,
        Verdict::Deny
    );
}

fn chan<'a>(uid: &'a str, name: &'a str, tech: &'a str, linkedid: &'a str) -> ChannelRef<'a> {
    ChannelRef {
        uniqueid: uid,
        name,
        tech,
        linkedid,
        accountcode: "",
    }
}

#[test]
fn the_watch_never_counts_a_checked_call_twice_and_counts_unchecked_ones() {
    let g = guard(&[]);
    let lists = NumberLists::default();
    let o = g.check(
        &CheckRequest {
            account: "1001",
            address: None,
            dialled: "011442071234567",
            channel: Some("A.1"),
        },
        &lists,
        &NoRisk,
        T0,
    );
    let slot = o.slot.expect("allowed");
    let a = chan("A.1", "PJSIP/1001-00000001", "PJSIP", "A.1");
    let b = chan("B.1", "PJSIP/carrier-00000002", "PJSIP", "A.1");
    g.on_dial(
        &Dial {
            status: "",
            dialstring: "011442071234567@carrier",
            caller: Some(a),
            peer: b,
        },
        &lists,
        &NoRisk,
        T0,
    );
    g.on_dial(
        &Dial {
            status: "ANSWER",
            dialstring: "",
            caller: Some(a),
            peer: b,
        },
        &lists,
        &NoRisk,
        T0,
    );
    assert_eq!(live(&g, "1001"), 1, "attached, not counted again");
    g.on_channel_gone("B.1", 16);
    assert_eq!(
        live(&g, "1001"),
        1,
        "the check's slot is the datastore's to release"
    );
    drop(slot);
    g.on_channel_gone("A.1", 16);
    assert_eq!(live(&g, "1001"), 0);

    // A context without the check, and an Originate with no caller at all.
    let c = chan("C.1", "PJSIP/1002-00000003", "PJSIP", "C.1");
    let d = chan("D.1", "PJSIP/carrier-00000004", "PJSIP", "C.1");
    g.on_dial(
        &Dial {
            status: "",
            dialstring: "011442071234567@carrier",
            caller: Some(c),
            peer: d,
        },
        &lists,
        &NoRisk,
        T0,
    );
    let orig = ChannelRef {
        accountcode: "acct-orig",
        ..chan("E.1", "PJSIP/carrier-00000005", "PJSIP", "E.1")
    };
    g.on_dial(
        &Dial {
            status: "",
            dialstring: "011442071234567@carrier",
            caller: None,
            peer: orig,
        },
        &lists,
        &NoRisk,
        T0,
    );
    assert_eq!(live(&g, "1002"), 1);
    assert_eq!(live(&g, "acct-orig"), 1);
    g.on_dial(
        &Dial {
            status: "CANCEL",
            dialstring: "",
            caller: Some(c),
            peer: d,
        },
        &lists,
        &NoRisk,
        T0,
    );
    g.on_channel_gone("D.1", 16);
    g.on_channel_gone("E.1", 16);
    g.on_channel_gone("D.1", 16);
    assert_eq!(live(&g, "1002"), 0);
    assert_eq!(live(&g, "acct-orig"), 0);
    assert_eq!(
        g.accounts()
            .release_mismatches
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

#[test]
fn the_watch_hangs_up_over_limit_calls_and_calls_over_their_duration() {
    let g = guard(&[
        ("calls-international", "concurrent_critical", "1"),
        ("calls-international", "duration_critical", "30s"),
        ("calls-international", "hangup", "yes"),
    ]);
    let lists = NumberLists::default();
    let a = chan("A.1", "PJSIP/1001-00000001", "PJSIP", "A.1");
    let b1 = chan("B.1", "PJSIP/carrier-00000002", "PJSIP", "A.1");
    let b2 = chan("B.2", "PJSIP/carrier-00000003", "PJSIP", "A.1");
    assert!(
        g.on_dial(
            &Dial {
                status: "",
                dialstring: "011442071234567@carrier",
                caller: Some(a),
                peer: b1
            },
            &lists,
            &NoRisk,
            T0
        )
        .iter()
        .all(|f| f.hang_up.is_empty())
    );
    let over = g.on_dial(
        &Dial {
            status: "",
            dialstring: "011442071234567@carrier",
            caller: Some(a),
            peer: b2,
        },
        &lists,
        &NoRisk,
        T0,
    );
    let cut: Vec<_> = over.iter().filter(|f| !f.hang_up.is_empty()).collect();
    assert_eq!(cut.len(), 1, "{over:?}");
    assert_eq!(cut[0].hang_up, vec!["B.2".to_owned()]);
    assert_eq!(cut[0].counter, "concurrent");
    g.on_channel_gone("B.2", 16);

    g.on_dial(
        &Dial {
            status: "ANSWER",
            dialstring: "",
            caller: Some(a),
            peer: b1,
        },
        &lists,
        &NoRisk,
        T0 + 1000,
    );
    let early = g.tick(T0 + 30_000, None);
    assert!(early.is_empty(), "29 s up: {early:?}");
    let long = g.tick(T0 + 32_000, None);
    assert_eq!(long.len(), 1);
    assert_eq!(
        (long[0].counter.as_str(), long[0].hang_up.clone()),
        ("duration", vec!["B.1".to_owned()])
    );
    assert!(g.tick(T0 + 40_000, None).is_empty(), "told once");
    g.on_channel_gone("B.1", 16);
    assert_eq!(live(&g, "1001"), 0);
}

#[test]
fn idle_accounts_are_swept_and_the_table_is_bounded() {
    let g = guard(&[
        ("calls", "max_accounts", "640"),
        ("calls", "forget_after", "1h"),
    ]);
    for i in 0..5_000 {
        drop(check(&g, &format!("acct{i}"), "2125551234", T0).1);
    }
    assert!(g.accounts().len() <= 640 + 64, "{}", g.accounts().len());
    let held = check(&g, "busy", "2125551234", T0).1;
    g.tick(T0 + 3_700_000, None);
    assert_eq!(
        g.accounts().len(),
        1,
        "only the account with a live call stays"
    );
    drop(held);
}

#[test]
fn a_leg_whose_end_was_never_seen_is_let_go_once_asterisk_no_longer_has_its_channel() {
    let g = guard(&[]);
    let lists = NumberLists::default();
    let a = chan("A.9", "PJSIP/1009-00000009", "PJSIP", "A.9");
    let b = chan("B.9", "PJSIP/carrier-0000000a", "PJSIP", "A.9");
    g.on_dial(
        &Dial {
            status: "",
            dialstring: "011442071234567@carrier",
            caller: Some(a),
            peer: b,
        },
        &lists,
        &NoRisk,
        T0,
    );
    assert_eq!(live(&g, "1009"), 1);
    let still_there = |_: &str| true;
    let gone = |_: &str| false;
    g.tick(T0 + 3_000_000, Some(&gone));
    assert_eq!(live(&g, "1009"), 1, "younger than an hour: not even asked");
    g.tick(T0 + 3_700_000, Some(&still_there));
    assert_eq!(
        live(&g, "1009"),
        1,
        "a long call that is still up keeps its slot"
    );
    g.tick(T0 + 3_800_000, Some(&gone));
    assert_eq!(
        live(&g, "1009"),
        0,
        "Asterisk no longer has it: the slot comes back"
    );
    assert_eq!(g.watched_legs(), 0);
}

#[test]
fn counters_restart_when_a_window_ends_and_the_limit_sleeps_outside_it() {
    // T0 is Wednesday 2026-12-02 00:00 UTC: inside Tuesday night's window (18:00-08:00).
    let g = guard(&[
        ("calls", "timezone", "UTC"),
        ("calls-international", "enabled", "no"),
        ("calls-new_country", "enabled", "no"),
        ("calls-night", "match", "international"),
        ("calls-night", "window", "mon-fri 18:00-08:00"),
        ("calls-night", "total_critical", "1"),
        ("calls-night", "interval", "1d"),
    ]);
    let hour = 3_600_000;
    assert_ne!(check(&g, "1001", "011442071234567", T0).0, Verdict::Deny);
    let (v, _, reason) = check(&g, "1001", "011442071234567", T0 + 7 * hour);
    assert_eq!(v, Verdict::Deny);
    assert_eq!(reason, "night: total 2 above the critical level");
    // 08:00-18:00: the limit does not apply at all.
    assert_eq!(
        check(&g, "1001", "011442071234567", T0 + 12 * hour).0,
        Verdict::Allow
    );
    // Wednesday night is a new occurrence: the count starts again, although the interval
    // (a day) has not passed.
    assert_ne!(
        check(&g, "1001", "011442071234567", T0 + 19 * hour).0,
        Verdict::Deny
    );
    assert_eq!(
        check(&g, "1001", "011442071234567", T0 + 20 * hour).0,
        Verdict::Deny
    );
}
