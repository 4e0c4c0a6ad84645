#!/usr/bin/env bash
# Coverage-guided fuzzing of res_secast's parsers with AFL++ through afl.rs (stable Rust).
#
#   scripts/fuzz.sh smoke [SECONDS]   each target for SECONDS (20), one after the other (make fuzz-smoke)
#   scripts/fuzz.sh full [EXECS]      each target to EXECS executions (10,000,000) (make fuzz)
#   scripts/fuzz.sh one TARGET [EXECS] [SECONDS]  one target, to EXECS or for SECONDS, whichever
#                                     comes first (a rerun after a fix)
#
# Targets are the binaries of fuzz/ (a crate outside the module's package), seeded from
# fuzz/corpus/TARGET/. Findings go to fuzz/findings/TARGET/; any crash or hang fails the run
# and is listed (reproduce with: fuzz/target/release/TARGET < the-file). Installs cargo-afl
# from crates.io and builds AFL++ on first use (a few minutes, once per machine).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

AFL_VERSION=0.18.2
TARGETS=(security_event config_values config_text admin_args blocklists number_lists ledger_replay dialling)

setup() {
	if ! cargo afl --version >/dev/null 2>&1; then
		echo "fuzz: installing cargo-afl $AFL_VERSION from crates.io"
		cargo install --locked --version "$AFL_VERSION" cargo-afl
	fi
	# Builds AFL++ itself (without LLVM plugins: not needed for Rust's own instrumentation);
	# says so and changes nothing when it is already built.
	local out
	if ! out=$(cargo afl config --build 2>&1) && ! grep -q "already built" <<<"$out"; then
		echo "$out" >&2
		echo "fuzz: building AFL++ failed" >&2
		exit 1
	fi
	cargo afl build --release --quiet
}

# AFL++ on a shared machine in CI: no CPU pinning, no core_pattern or governor demands, no UI;
# inputs and the targets' scratch files on tmpfs (the ledger syncs every write).
export AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
	AFL_NO_UI=1 AFL_QUIET=1
scratch=$(mktemp -d /dev/shm/secast-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

stat_of() { awk -v k="$2" '$1 == k { print $3 }' "findings/$1/default/fuzzer_stats"; }

# run TARGET LIMIT-FLAGS...: one AFL++ instance, bounded by time (-V) or executions (-E).
run() {
	local target=$1
	shift
	rm -rf "findings/$target"
	mkdir -p "findings/$target"
	mkdir -p "$scratch/$target"
	local started=$SECONDS
	# -t 1000+: an input slower than 1 s is a hang (seeds slower than that are skipped).
	AFL_TMPDIR=$scratch/$target TMPDIR=$scratch/$target cargo afl fuzz -i "corpus/$target" -o "findings/$target" "$@" -t 1000+ \
		"target/release/$target" >"findings/$target/afl.log" 2>&1 || {
		tail -20 "findings/$target/afl.log" >&2
		echo "fuzz: $target: afl-fuzz failed" >&2
		return 1
	}
	local execs crashes hangs speed
	execs=$(stat_of "$target" execs_done)
	crashes=$(stat_of "$target" saved_crashes)
	hangs=$(stat_of "$target" saved_hangs)
	speed=$(stat_of "$target" execs_per_sec)
	printf 'fuzz: %-15s %10s execs in %4ss (%s/s), %s crashes, %s hangs, %s paths\n' \
		"$target" "$execs" "$((SECONDS - started))" "$speed" "$crashes" "$hangs" \
		"$(stat_of "$target" corpus_count)"
	if [ "$crashes" != 0 ] || [ "$hangs" != 0 ]; then
		ls -1 "findings/$target/default/crashes/" "findings/$target/default/hangs/" | grep '^id' >&2 || true
		return 1
	fi
}

mode=${1:-smoke}
failed=()
case "$mode" in
smoke)
	setup
	for t in "${TARGETS[@]}"; do run "$t" -V "${2:-20}" || failed+=("$t"); done
	;;
full)
	setup
	for t in "${TARGETS[@]}"; do run "$t" -E "${2:-10000000}" || failed+=("$t"); done
	;;
one)
	setup
	run "$2" -E "${3:-10000000}" ${4:+-V "$4"} || failed+=("$2")
	;;
*)
	echo "usage: $0 smoke [SECONDS] | full [EXECS] | one TARGET [EXECS]" >&2
	exit 2
	;;
esac
if [ ${#failed[@]} -ne 0 ]; then
	echo "fuzz: FAILED: ${failed[*]} (inputs under fuzz/findings/TARGET/default/)" >&2
	exit 1
fi
echo "fuzz: every target ran without a crash or hang"
