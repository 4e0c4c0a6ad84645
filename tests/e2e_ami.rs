//! The manager interface (AMI) of res_secast over a real AMI socket: the SecAst* actions for
//! integrations and GUIs, who may use them, and the SecAstBan / SecAstUnban / SecAstAlert
//! events as a listener really receives them.
//!
//! Users (sandbox/etc/manager.conf, plus sandbox/etc-ami-users appended for these tests):
//! `secast-test` (write all), `secast-reader`
//! (read = security, no write), `secast-reporter` (read and write = reporting). Asterisk checks
//! an action's class against the session's write permission only.
//!
//! Run through `make test` (needs root and the sandbox); `#[ignore]`d for a plain `cargo test`.

mod sandbox;

use std::io::Write;
use std::time::Duration;

use sandbox::Asterisk;
use serde_json::Value;

fn get<'a>(block: &'a Value, key: &str) -> &'a str {
    block.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The blocks answering action `i` of a session.
fn answer(session: &Value, i: usize) -> Vec<Value> {
    session["answers"][i]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The one response block of a simple action.
fn response(session: &Value, i: usize) -> Value {
    let blocks = answer(session, i);
    assert_eq!(blocks.len(), 1, "{blocks:#?}");
    blocks[0].clone()
}

fn assert_denied(session: &Value, i: usize) {
    let r = response(session, i);
    assert_eq!(
        (get(&r, "Response"), get(&r, "Message")),
        ("Error", "Permission denied"),
        "{r:#?}"
    );
}

#[test]
#[ignore = "needs the sandbox Asterisk: make test"]
fn ami_actions_ban_list_and_unban_over_a_real_socket_and_refuse_without_the_privilege() {
    let users = sandbox::repo().join("sandbox/etc-ami-users");
    let ast = Asterisk::start_full(
        "e2e-ami-actions",
        Some(&sandbox::conf_with("[whitelist]\nnetwork = 127.0.0.8/32")),
        None,
        &[("SECAST_ETC_APPEND", users.to_str().expect("a UTF-8 path"))],
    );

    // A session that may read security events but change nothing: its actions are refused,
    // then it stays to listen for our events.
    let mut listener = ast
        .ami_client(
            "secast-reader",
            "Listener-quartz-7391",
            20.0,
            &["SecAstBan", "SecAstUnban", "SecAstAlert"],
        )
        .spawn()
        .expect("python3 runs");
    {
        let mut stdin = listener.stdin.take().unwrap();
        writeln!(
            stdin,
            r#"{{"Action": "SecAstBan", "Address": "203.0.113.41"}}"#
        )
        .unwrap();
        writeln!(stdin, r#"{{"Action": "SecAstShowBans"}}"#).unwrap();
    }
    std::thread::sleep(Duration::from_millis(500));

    let admin = ast.ami(
        "secast-test",
        "Sandbox-ami-pw",
        &[
            &[
                ("Action", "SecAstBan"),
                ("ActionID", "ban-1"),
                ("Address", "203.0.113.40"),
                ("Duration", "2h"),
                ("Reason", "seen by the edge IDS"),
            ],
            &[("Action", "SecAstShowBans"), ("ActionID", "list-1")],
            &[
                ("Action", "SecAstShowIP"),
                ("ActionID", "ip-1"),
                ("Address", "203.0.113.40"),
            ],
            &[("Action", "SecAstStatus"), ("ActionID", "st-1")],
            &[
                ("Action", "SecAstBan"),
                ("ActionID", "ban-2"),
                ("Address", "127.0.0.1"),
            ],
            &[
                ("Action", "SecAstBan"),
                ("ActionID", "ban-3"),
                ("Address", "not-an-address"),
            ],
        ],
    );
    let ban = response(&admin, 0);
    assert_eq!(get(&ban, "Response"), "Success", "{ban:#?}");
    assert_eq!(get(&ban, "ActionID"), "ban-1");
    assert_eq!(get(&ban, "Message"), "banned 203.0.113.40/32 for 2h");
    // Answered once durable: the ban is in force and in the kernel already.
    assert!(
        ast.nft_table().contains("203.0.113.40"),
        "{}",
        ast.nft_table()
    );

    let list = answer(&admin, 1);
    assert_eq!(list.len(), 3, "{list:#?}");
    assert_eq!(
        (get(&list[0], "Response"), get(&list[0], "EventList")),
        ("Success", "start")
    );
    let entry = &list[1];
    assert_eq!(get(entry, "Event"), "SecAstBanEntry");
    assert_eq!(
        get(entry, "ActionID"),
        "list-1",
        "every item carries the ActionID"
    );
    assert_eq!(get(entry, "Address"), "203.0.113.40/32");
    assert_eq!(get(entry, "Duration"), "2h");
    assert_eq!(get(entry, "Rule"), "manual");
    assert_eq!(get(entry, "Offence"), "1");
    assert_eq!(get(entry, "Reason"), "seen by the edge IDS");
    let left: u64 = get(entry, "Remaining").parse().unwrap();
    assert!((7190..=7200).contains(&left), "{entry:#?}");
    assert_eq!(
        (
            get(&list[2], "Event"),
            get(&list[2], "EventList"),
            get(&list[2], "ListItems")
        ),
        ("SecAstShowBansComplete", "Complete", "1")
    );

    let ip = answer(&admin, 2);
    assert_eq!(get(&ip[1], "Event"), "SecAstIP", "{ip:#?}");
    assert_eq!(get(&ip[1], "ActionID"), "ip-1");
    assert_eq!(get(&ip[1], "Address"), "203.0.113.40");
    assert_eq!(get(&ip[1], "Banned"), "yes");
    assert_eq!(get(&ip[1], "Risk"), "100");
    assert_eq!(get(&ip[1], "Rule"), "manual");
    assert_eq!(get(ip.last().unwrap(), "Event"), "SecAstShowIPComplete");

    let status = response(&admin, 3);
    assert_eq!(get(&status, "Response"), "Success", "{status:#?}");
    assert_eq!(get(&status, "BansInForce"), "1");
    assert_eq!(get(&status, "FirewallBackend"), "nftables");

    let protected = response(&admin, 4);
    assert_eq!(get(&protected, "Response"), "Error");
    assert!(
        get(&protected, "Message").starts_with("refusing to ban 127.0.0.1/32"),
        "{protected:#?}"
    );
    let bad = response(&admin, 5);
    assert_eq!(
        get(&bad, "Message"),
        "Address 'not-an-address' is not an IP address or network"
    );

    // Reporting may list, not change.
    let reporter = ast.ami(
        "secast-reporter",
        "Querier-basalt-2846",
        &[
            &[("Action", "SecAstShowBans")],
            &[("Action", "SecAstStatus")],
            &[("Action", "SecAstBan"), ("Address", "203.0.113.42")],
            &[("Action", "SecAstUnban"), ("Address", "203.0.113.40")],
        ],
    );
    let list = answer(&reporter, 0);
    assert_eq!(get(&list[1], "Address"), "203.0.113.40/32", "{list:#?}");
    assert_eq!(get(&response(&reporter, 1), "Response"), "Success");
    assert_denied(&reporter, 2);
    assert_denied(&reporter, 3);

    let admin = ast.ami(
        "secast-test",
        "Sandbox-ami-pw",
        &[
            &[("Action", "SecAstUnban"), ("Address", "203.0.113.40")],
            &[("Action", "SecAstUnban"), ("Address", "203.0.113.40")],
        ],
    );
    let unban = response(&admin, 0);
    assert_eq!(
        (get(&unban, "Response"), get(&unban, "Message")),
        ("Success", "unbanned 203.0.113.40/32")
    );
    assert!(!ast.nft_table().contains("203.0.113.40"));
    let again = response(&admin, 1);
    assert_eq!(
        (get(&again, "Response"), get(&again, "Message")),
        ("Error", "203.0.113.40/32 is not banned")
    );
    assert!(
        ast.bans().is_empty(),
        "refused actions changed nothing: {:?}",
        ast.bans()
    );

    // An alert: five wrong passwords from a whitelisted source.
    ast.attack("wrong-password", "127.0.0.8", 5, 20);

    let out = listener.wait_with_output().unwrap();
    let heard: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "listener ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_denied(&heard, 0);
    assert_denied(&heard, 1);
    let events = heard["events"].as_array().unwrap();
    let event = |name: &str| {
        events
            .iter()
            .find(|e| get(e, "Event") == name)
            .unwrap_or_else(|| panic!("no {name} event over AMI: {events:#?}"))
            .clone()
    };
    let ban = event("SecAstBan");
    assert_eq!(get(&ban, "Privilege"), "security,all");
    assert_eq!(get(&ban, "Address"), "203.0.113.40/32");
    assert_eq!(get(&ban, "Duration"), "2h");
    assert_eq!(get(&ban, "Rule"), "manual");
    assert_eq!(get(&ban, "Offence"), "1");
    assert_eq!(get(&ban, "Reason"), "seen by the edge IDS");
    let unban = event("SecAstUnban");
    assert_eq!(
        (get(&unban, "Address"), get(&unban, "Why")),
        ("203.0.113.40/32", "manual")
    );
    let alert = event("SecAstAlert");
    assert_eq!(
        (get(&alert, "Rule"), get(&alert, "Address")),
        ("brute_force", "127.0.0.8")
    );
    assert!(
        get(&alert, "Message").starts_with("127.0.0.8 would be banned"),
        "{alert:#?}"
    );
}
