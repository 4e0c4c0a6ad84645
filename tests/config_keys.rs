//! secast.conf: defaults, bad values, unknown keys, and the sample staying true to the code.

use std::time::Duration;

use res_secast::config::{Config, ConfigEntry, ConfigIssue, FirewallBackend, General, KEYS};

fn entry(key: &str, value: &str) -> ConfigEntry {
    ConfigEntry::new("general", key, value)
}

#[test]
fn empty_file_gives_defaults() {
    let (cfg, issues) = Config::from_entries(&[], &Config::default());
    assert_eq!(cfg, Config::default());
    assert!(issues.is_empty());
}

#[test]
fn valid_values_are_applied() {
    let (cfg, issues) = Config::from_entries(
        &[
            entry("queue_size", "1024"),
            entry("log_events", "yes"),
            entry("status_top_sources", "3"),
            entry("MAX_TRACKED_SOURCES", "500"),
        ],
        &Config::default(),
    );
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(cfg.general.queue_size, 1024);
    assert!(cfg.general.log_events);
    assert_eq!(cfg.general.status_top_sources, 3);
    assert_eq!(cfg.general.max_tracked_sources, 500);
}

#[test]
fn bad_value_keeps_the_previous_value_and_names_key_and_value() {
    let previous = Config {
        general: General {
            queue_size: 2048,
            ..General::default()
        },
        ..Config::default()
    };
    let mut bad = entry("queue_size", "lots");
    bad.line = 7;
    let (cfg, issues) = Config::from_entries(&[bad], &previous);
    assert_eq!(cfg.general.queue_size, 2048);
    assert_eq!(issues.len(), 1);
    let text = issues[0].to_string();
    assert!(text.contains("secast.conf:7"), "{text}");
    assert!(
        text.contains("'lots'") && text.contains("'queue_size'"),
        "{text}"
    );
    assert!(text.contains("from 64 to 1048576"), "{text}");
    assert!(text.contains("keeping 2048"), "{text}");
}

#[test]
fn out_of_range_value_is_refused() {
    let (cfg, issues) = Config::from_entries(&[entry("queue_size", "1")], &Config::default());
    assert_eq!(cfg.general.queue_size, Config::default().general.queue_size);
    assert!(matches!(issues[0], ConfigIssue::BadValue { .. }));
}

#[test]
fn a_key_removed_from_the_file_returns_to_its_default_on_reload() {
    let previous = Config {
        general: General {
            log_events: true,
            ..General::default()
        },
        ..Config::default()
    };
    let (cfg, _) = Config::from_entries(&[], &previous);
    assert!(!cfg.general.log_events);
}

#[test]
fn unknown_key_and_section_are_reported_and_ignored() {
    let entries = [
        entry("queue_sizee", "10"),
        ConfigEntry::new("genral", "queue_size", "100"),
        ConfigEntry::new("genral", "log_events", "yes"),
    ];
    let (cfg, issues) = Config::from_entries(&entries, &Config::default());
    assert_eq!(cfg, Config::default());
    assert_eq!(
        issues.len(),
        2,
        "one per unknown key, one per unknown section: {issues:?}"
    );
    assert!(issues[0].to_string().contains("unknown key 'queue_sizee'"));
    assert!(issues[1].to_string().contains("unknown section [genral]"));
}

#[test]
fn hostile_text_in_a_config_line_is_escaped_in_the_message() {
    let (_, issues) = Config::from_entries(
        &[entry("log_events", "yes\n[fake] ERROR")],
        &Config::default(),
    );
    let text = issues[0].to_string();
    assert!(!text.contains('\n'));
    assert!(text.contains("yes\\x0a[fake] ERROR"), "{text}");
}

/// The sample documents every key with its default, and nothing else.
#[test]
fn sample_config_matches_the_code_key_for_key() {
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/module-config/secast.conf"
    ))
    .expect("module-config/secast.conf");
    let mut section = String::new();
    let mut entries = Vec::new();
    for line in sample.lines() {
        let line = line.split(';').next().unwrap().trim();
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_owned();
            continue;
        }
        let (k, v) = line.split_once('=').expect("key = value");
        entries.push(ConfigEntry::new(&section, k.trim(), v.trim()));
    }
    let (cfg, issues) = Config::from_entries(&entries, &Config::default());
    assert!(
        issues.is_empty(),
        "sample has keys the code does not know: {issues:?}"
    );
    assert_eq!(
        cfg,
        Config::default(),
        "sample values differ from the defaults"
    );
    for def in KEYS.iter() {
        if let Some(family) = def.section.strip_suffix('*')
            && !entries.iter().any(|e| def.instance(&e.section).is_some())
        {
            // A family with no section in the sample is documented as a commented-out example.
            let block = commented_section(&sample, &format!("{family}example"));
            assert!(
                block.iter().any(|(k, _)| k == def.name),
                "key {} of [{}NAME] is not in the sample's commented [{family}example]",
                def.name,
                family
            );
            continue;
        }
        // A list key with an empty default is shown commented out, as an example. A key of a
        // named section family with sections in the sample ([calls-NAME]) is documented in one.
        let example = format!("\n;{} = ", def.name);
        assert!(
            entries
                .iter()
                .any(|e| def.instance(&e.section).is_some() && e.key == def.name)
                || sample.contains(&example),
            "key {} of [{}] is not documented in the sample",
            def.name,
            def.section
        );
    }
}

/// The `;key = value` lines of a commented-out `;[name]` section of the sample (its `; text`
/// lines are prose), up to the first line that is not a comment.
fn commented_section(sample: &str, name: &str) -> Vec<(String, String)> {
    let start = format!(";[{name}]");
    sample
        .lines()
        .skip_while(|l| l.trim() != start)
        .skip(1)
        .take_while(|l| l.starts_with(';'))
        .filter(|l| !l.starts_with("; ") && *l != ";")
        .filter_map(|l| l[1..].split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// The sample's commented `[handler-example]`, switched on, is a working handler whose keys
/// all show their defaults (but the required decisions, program and arguments).
#[test]
fn sample_handler_section_parses_and_shows_the_defaults() {
    use res_secast::config::{HandlerAction, HandlerConfig};
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/module-config/secast.conf"
    ))
    .expect("module-config/secast.conf");
    let entries: Vec<ConfigEntry> = commented_section(&sample, "handler-example")
        .iter()
        .map(|(k, v)| ConfigEntry::new("handler-example", k, v))
        .collect();
    assert!(entries.len() >= 16, "{entries:?}");
    let (cfg, issues) = Config::from_entries(&entries, &Config::default());
    assert!(issues.is_empty(), "{issues:?}");
    let h = &cfg.handlers[0];
    assert_eq!(h.name, "example");
    assert_eq!(
        h.decisions.0,
        [
            HandlerAction::Ban,
            HandlerAction::Unban,
            HandlerAction::Sync
        ]
    );
    assert!(h.program.starts_with('/'));
    let args: Vec<String> = h.arguments.iter().map(|a| a.to_string()).collect();
    assert_eq!(
        args,
        ["--settings", "/etc/asterisk/secast-handlers/webhook.conf"]
    );
    let defaults = HandlerConfig {
        name: h.name.clone(),
        decisions: h.decisions.clone(),
        program: h.program.clone(),
        arguments: h.arguments.clone(),
        ..HandlerConfig::default()
    };
    assert_eq!(
        *h, defaults,
        "a key of the example differs from its default"
    );
}

#[test]
fn handler_sections_are_named_repeatable_and_report_file_and_line() {
    let at = |section: &str, key: &str, value: &str, line: u32| ConfigEntry {
        line,
        ..ConfigEntry::new(section, key, value)
    };
    let entries = [
        at("handler-fw", "decisions", "ban, unban", 10),
        at("handler-fw", "program", "/usr/local/bin/fw", 11),
        at("handler-fw", "argument", "--ip=${ip}", 12),
        at("handler-fw", "argument", "${account}", 13),
        at("handler-fw", "timeout", "forever", 14),
        at("handler-mail", "decisions", "alert", 20),
        at("handler-mail", "program", "sendmail", 21),
        at("handler-mail", "argument", "${nope}", 22),
        at("handler-bad name", "decisions", "ban", 30),
    ];
    let (cfg, issues) = Config::from_entries(&entries, &Config::default());
    let text: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
    assert_eq!(cfg.handlers.len(), 1, "{text:?}");
    let fw = &cfg.handlers[0];
    assert_eq!(fw.name, "fw");
    assert_eq!(fw.arguments.len(), 2);
    assert_eq!(
        fw.timeout,
        Duration::from_secs(30),
        "bad value keeps the default"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("secast.conf:14:") && t.contains("'forever'")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("secast.conf:21:") && t.contains("absolute path")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("secast.conf:22:") && t.contains("${ip}")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("secast.conf:20: [handler-mail]") && t.contains("not started")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("secast.conf:30:") && t.contains("[handler-bad name]")),
        "{text:?}"
    );

    // On a reload, a section that lost its program keeps the running definition.
    let broken = [at("handler-fw", "decisions", "ban", 10)];
    let (again, issues) = Config::from_entries(&broken, &cfg);
    assert_eq!(again.handlers, cfg.handlers);
    assert!(
        issues[0]
            .to_string()
            .contains("keeping the handler as it was")
    );
}

#[test]
fn rule_sections_take_durations_and_thresholds() {
    let entries = [
        ConfigEntry::new("brute_force", "threshold", "3"),
        ConfigEntry::new("brute_force", "window", "2m"),
        ConfigEntry::new("brute_force", "ban", "1d"),
        ConfigEntry::new("challenge_flood", "enabled", "no"),
        ConfigEntry::new("escalation", "permanent_after", "0"),
        ConfigEntry::new("stolen_credentials", "action", "ban"),
        ConfigEntry::new("whitelist", "network", "192.0.2.0/24"),
        ConfigEntry::new("whitelist", "network", "2001:db8:1::/48"),
        ConfigEntry::new("whitelist", "network", "not-a-net"),
        ConfigEntry::new("firewall", "backend", "iptables"),
        ConfigEntry::new("ledger", "directory", "relative/path"),
    ];
    let (cfg, issues) = Config::from_entries(&entries, &Config::default());
    assert_eq!(cfg.rules.brute_force.threshold, 3);
    assert_eq!(cfg.rules.brute_force.window, Duration::from_secs(120));
    assert_eq!(cfg.rules.brute_force.ban, Duration::from_secs(86_400));
    assert!(!cfg.rules.challenge_flood.enabled);
    assert_eq!(cfg.escalation.permanent_after, 0);
    assert_eq!(
        cfg.whitelist.networks.len(),
        2,
        "the bad network line is skipped, the others kept"
    );
    assert_eq!(cfg.firewall.backend, FirewallBackend::Nftables);
    assert_eq!(cfg.ledger.directory, "");
    let text: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
    assert_eq!(text.len(), 3, "{text:?}");
    assert!(
        text[0].contains("'not-a-net'") && text[0].contains("keeping the other lines"),
        "{}",
        text[0]
    );
    assert!(
        text[1].contains("nftables, libnftables or none"),
        "{}",
        text[1]
    );
    assert!(
        text[2].contains("an absolute directory path"),
        "{}",
        text[2]
    );
}

#[test]
fn durations_accept_units_and_refuse_nonsense() {
    use res_secast::util::duration::{format, parse};
    assert_eq!(parse("90"), Some(Duration::from_secs(90)));
    assert_eq!(parse("10m"), Some(Duration::from_secs(600)));
    assert_eq!(parse("1w"), Some(Duration::from_secs(604_800)));
    assert_eq!(parse("2 h"), Some(Duration::from_secs(7200)));
    assert_eq!(parse("ten minutes"), None);
    assert_eq!(parse("5y"), None);
    assert_eq!(parse(""), None);
    assert_eq!(parse("99999999999999999999w"), None);
    assert_eq!(format(Duration::from_secs(3600)), "1h");
    assert_eq!(format(Duration::from_secs(90)), "90s");
    assert_eq!(format(Duration::from_secs(604_800)), "1w");
    use res_secast::util::duration::format_left;
    assert_eq!(format_left(Duration::from_secs(3590)), "59m50s");
    assert_eq!(format_left(Duration::from_secs(86_398)), "23h59m");
    assert_eq!(format_left(Duration::from_secs(3600)), "1h");
    assert_eq!(format_left(Duration::from_secs(3)), "3s");
    assert_eq!(format_left(Duration::from_secs(0)), "0s");
}

#[test]
fn named_limit_sections_change_built_in_limits_and_add_new_ones() {
    use res_secast::config::{CallLimit, DestinationMatch};
    let entries = [
        ConfigEntry::new("calls-international", "calls_per_minute_critical", "20"),
        ConfigEntry::new("calls-high_risk", "enabled", "no"),
        ConfigEntry::new("calls-night", "match", "international, class:premium"),
        ConfigEntry::new("calls-night", "window", "mon-fri 18:00-08:00, sat-sun"),
        ConfigEntry::new("calls-night", "total_critical", "3"),
        ConfigEntry::new("calls-night", "hangup", "yes"),
    ];
    let (cfg, issues) = Config::from_entries(&entries, &Config::default());
    assert!(issues.is_empty(), "{issues:?}");
    let named = |n: &str| {
        cfg.call_limits
            .iter()
            .find(|l| l.name == n)
            .unwrap()
            .clone()
    };
    let intl = named("international");
    assert_eq!(intl.calls_per_minute_critical, Some(20));
    assert_eq!(
        intl.calls_per_minute_warning,
        Some(5),
        "unset keys keep the built-in value"
    );
    assert_eq!(intl.concurrent_critical, Some(5));
    assert!(!named("high_risk").enabled);
    let night = named("night");
    assert_eq!(
        night.matches,
        vec![
            DestinationMatch::International,
            DestinationMatch::Class("premium".into())
        ]
    );
    assert_eq!(night.windows.len(), 2);
    assert_eq!(night.total_critical, Some(3));
    assert!(night.hangup);
    assert_eq!(
        night.calls_per_minute_critical, None,
        "a new limit starts blank"
    );
    assert_eq!(cfg.call_limits.len(), CallLimit::built_in().len() + 1);
}

#[test]
fn a_bad_line_in_a_named_section_names_file_line_and_keeps_the_previous_value() {
    let (previous, _) = Config::from_entries(
        &[ConfigEntry::new("calls-night", "total_critical", "7")],
        &Config::default(),
    );
    let mut bad = ConfigEntry::new("calls-night", "total_critical", "lots");
    bad.line = 42;
    let unknown = ConfigEntry::new("calls-night", "totl_critical", "1");
    let nameless = ConfigEntry::new("calls-", "total_critical", "1");
    let (cfg, issues) = Config::from_entries(&[bad, unknown, nameless], &previous);
    let night = cfg.call_limits.iter().find(|l| l.name == "night").unwrap();
    assert_eq!(night.total_critical, Some(7));
    let text: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
    assert_eq!(text.len(), 3, "{text:?}");
    assert!(
        text[0].contains("secast.conf:42")
            && text[0].contains("'lots'")
            && text[0].contains("keeping 7"),
        "{}",
        text[0]
    );
    assert!(
        text[1].contains("unknown key 'totl_critical' in [calls-night]"),
        "{}",
        text[1]
    );
    assert!(text[2].contains("unknown section [calls-]"), "{}", text[2]);
}

/// The loader looks a section's keys up by section group (`SECTION_GROUPS` in config/mod.rs);
/// that finds the same key as a scan of every key only while no section, fixed or named, is
/// claimed by two groups.
#[test]
fn every_section_belongs_to_one_group_of_keys() {
    for k in KEYS.iter() {
        let written = match k.section.strip_suffix('*') {
            Some(prefix) => format!("{prefix}somename"),
            None => k.section.to_owned(),
        };
        for other in KEYS.iter().filter(|o| o.section != k.section) {
            assert_eq!(
                other.instance(&written),
                None,
                "[{written}] is claimed by both {} and {}",
                k.section,
                other.section
            );
        }
    }
}

#[test]
fn keys_of_several_sections_interleaved_are_each_applied() {
    let mut entries = Vec::new();
    for (section, key, value) in [
        ("general", "max_bans", "5000"),
        ("firewall", "backend", "none"),
        ("escalation", "history", "2d"),
        ("nosuch", "max_bans", "7"),
        ("General", "max_bans", "6000"),
    ] {
        entries.push(ConfigEntry::new(section, key, value));
    }
    let (cfg, issues) = Config::from_entries(&entries, &Config::default());
    assert_eq!(
        cfg.general.max_bans, 6000,
        "the last line wins, in any case"
    );
    assert_eq!(cfg.firewall.backend, FirewallBackend::Off);
    assert_eq!(cfg.escalation.history, Duration::from_secs(2 * 86_400));
    assert_eq!(issues.len(), 1, "{issues:?}");
}
