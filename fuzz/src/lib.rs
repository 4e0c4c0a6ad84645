//! What the fuzz targets share: turning AFL's bytes into the shapes the parsers take, and a
//! log that forgets (a target runs millions of inputs in one process).

use res_secast::util::log::{Level, LogSink};

/// Discards every line: the parsers' messages are not what is being tested, and keeping them
/// would grow without bound over millions of inputs.
pub struct NoLog;

impl LogSink for NoLog {
    fn log(&self, _level: Level, _message: &str) {}
}

/// The input as text, lossily: the parsers take `&str` (Asterisk hands over C strings, files
/// are read lossily), and invalid UTF-8 must reach them as the replacement character.
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Splits off the first byte as a selector (which parser, which format); the rest is the input.
pub fn selector(data: &[u8]) -> Option<(u8, &[u8])> {
    data.split_first().map(|(s, rest)| (*s, rest))
}

/// Words as Asterisk's CLI hands them over (whitespace-separated).
pub fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// A scratch directory for the targets that go through files (blocklists, the ledger): one per
/// fuzzer (named after AFL's fork server, the parent of every run), reused by every input, so
/// that millions of runs leave one directory behind. `TMPDIR` should be a tmpfs
/// (scripts/fuzz.sh uses /dev/shm): the ledger syncs what it writes.
pub fn scratch_dir(target: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "secast-fuzz-{target}-{}",
        std::os::unix::process::parent_id()
    ));
    std::fs::create_dir_all(&dir).expect("the scratch directory can be created");
    dir
}
