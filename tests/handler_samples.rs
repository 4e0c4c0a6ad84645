//! The sample event handlers of `module-config/handlers/`, each run with `--dry-run` against
//! recorded decisions (`testdata/`): what they would send (REST bodies, pfctl and IOS command
//! lines, mail, webhooks) must be exactly `expected/`, byte for byte, and attacker text in a
//! decision must run nothing. Runs the samples' own `test-dry-run.sh` under the system `sh`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("module-config/handlers")
}

/// A tool the samples need, found on PATH, or a loud failure.
fn require(tool: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "{tool} is missing: the sample handlers need a POSIX sh, awk, env, diff and mktemp"
    );
}

#[test]
fn every_sample_prints_exactly_the_expected_requests_in_a_dry_run() {
    for tool in ["sh", "awk", "env", "diff", "mktemp", "sed", "dd"] {
        require(tool);
    }
    let dir = samples();
    let cases = std::fs::read_dir(dir.join("expected"))
        .expect("expected/ of the samples")
        .count();
    assert!(cases >= 54, "only {cases} recorded cases");
    let out = Command::new("sh")
        .arg(dir.join("test-dry-run.sh"))
        .current_dir(&dir)
        .env_remove("SECAST_TEST_SHELL")
        .env_remove("SECAST_TEST_PATH")
        .output()
        .expect("sh runs test-dry-run.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success()
            && stdout
                .trim_end()
                .ends_with(&format!("{cases} passed, 0 failed")),
        "dry-run cases failed:\n{stdout}\n{stderr}"
    );
    assert!(
        !dir.join("pwned-marker").exists(),
        "a sample ran attacker text"
    );
}
