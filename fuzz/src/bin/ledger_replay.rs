//! Ledger replay (`src/enforce/ledger/`): a ledger file as a crash, a full disk or a hand edit
//! may leave it, opened and replayed through the ledger's public API only (its format is its
//! own business), then written to and opened again.
//!
//! Input: the ledger file's bytes.

use std::path::PathBuf;
use std::sync::LazyLock;

use res_secast::enforce::ledger::Ledger;

/// 2026-01-01, and a week of history.
const NOW: i64 = 1_767_225_600_000;
const HISTORY: i64 = 7 * 86_400_000;

/// The directory, and where the ledger keeps its file in it (asked of a fresh ledger once).
static LEDGER: LazyLock<(PathBuf, PathBuf)> = LazyLock::new(|| {
    let dir = res_secast_fuzz::scratch_dir("ledger");
    let (ledger, _) = Ledger::open(&dir, NOW, HISTORY).expect("a fresh ledger opens");
    (dir.clone(), ledger.path().to_path_buf())
});

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let (dir, file) = &*LEDGER;
        std::fs::write(file, data).expect("the scratch ledger can be written");
        let Ok((mut ledger, restored)) = Ledger::open(dir, NOW, HISTORY) else {
            return;
        };
        let active = restored.active.len();
        // What was restored survives a compaction and a second replay.
        if ledger.compact(NOW).is_ok() {
            drop(ledger);
            let (_, again) = Ledger::open(dir, NOW, HISTORY).expect("a compacted ledger opens");
            assert_eq!(
                again.active.len(),
                active,
                "bans in force lost by a compaction"
            );
        }
    });
}
