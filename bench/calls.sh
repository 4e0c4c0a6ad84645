#!/usr/bin/env bash
# The call guard inside a real Asterisk, beside the stock way to cap calls (GROUP() and
# GROUP_COUNT(), func_groupcount), on the same call load:
#
#   bench/calls.sh [MODULE_SO]        (default: target/res_secast.so; as root, ~2 minutes)
#
# Endpoint 1001 (sipp) places BENCH_CALLS answered calls at BENCH_RATE/s, BENCH_LIMIT at once,
# each held 300 ms, to the sandbox carrier, through three dialplans that differ only in one
# timed line (sandbox/etc/extensions.conf): 066… SECAST_CALLCHECK, 077… the stock recipe
# Set(GROUP(intl)=${CHANNEL(endpoint)}) and GROUP_COUNT(${CHANNEL(endpoint)}@intl), 088… an
# empty Set (the baseline: the timing lines' own cost). BENCH_REPS runs each, alternating.
# Reported:
#  - the timed line on the channel's own thread, per call: p50 and p99 over all runs, and the
#    p50 minus the baseline's;
#  - Asterisk's CPU time per call (utime+stime, /proc), medians of the runs (the whole call:
#    SIP, channels, bridging; the module's passive watch is on in all three);
#  - what the module measured on Asterisk's threads: SECAST_CALLCHECK's check, and the watch
#    per channel message (secast show calls).
# Results go to stdout and bench/results/calls-<date>.md.
set -euo pipefail
export LC_ALL=C
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SB="$ROOT/sandbox"
MODULE="${1:-$ROOT/target/res_secast.so}"
CALLS="${BENCH_CALLS:-300}" RATE="${BENCH_RATE:-30}" LIMIT="${BENCH_LIMIT:-20}"
REPS="${BENCH_REPS:-3}"
OUTDIR="${BENCH_OUT:-$HERE/results}"
NAME=bench-calls
[[ $EUID -eq 0 ]] || { echo "calls bench: must run as root" >&2; exit 1; }
[[ -f "$MODULE" ]] || { echo "calls bench: no $MODULE (make build)" >&2; exit 1; }
mkdir -p "$OUTDIR"
conf="$(mktemp)"
trap '"$SB/asterisk.sh" down "$NAME" >/dev/null 2>&1 || true; rm -f "$conf"' EXIT
cat "$SB/etc/secast.conf" >"$conf"
cat >>"$conf" <<'CONF'
[calls-international]
; Nothing refused: the bench measures the work, not the verdict.
calls_per_minute_warning = off
calls_per_minute_critical = off
concurrent_critical = 100000
CONF
SECAST_CONF_OVERRIDE="$conf" "$SB/asterisk.sh" up "$NAME" "$MODULE" >/dev/null
PID="$("$SB/asterisk.sh" pid "$NAME")"
LOG="$("$SB/asterisk.sh" log "$NAME")"
cli() { "$SB/asterisk.sh" cli "$NAME" "$1"; }
# The phone registers first, as phones do.
SECAST_ATTACK_USER=1001 SECAST_ATTACK_PASSWORD=Sandbox-alpha-pw \
    "$SB/attack.sh" "$NAME" wrong-password 127.0.0.10 1 1 >/dev/null
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
hz="$(getconf CLK_TCK)"
LOADAVG="$(cut -d' ' -f1-3 /proc/loadavg)"

load() {  # PREFIX: one call load; prints Asterisk CPU ms per call
    local prefix="$1" before after carrier
    "$SB/call.sh" "$NAME" carrier answer "$CALLS" 20 >/dev/null 2>&1 &
    carrier=$!
    sleep 0.4
    before="$(cpu_ticks)"
    "$SB/call.sh" "$NAME" caller answer "${prefix}442071234567" "$CALLS" "$RATE" "$LIMIT" 300 >/dev/null
    after="$(cpu_ticks)"
    wait "$carrier" || true
    awk -v t=$((after - before)) -v hz="$hz" -v n="$CALLS" 'BEGIN { printf "%.3f", t * 1000 / hz / n }'
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# p50 and p99 of the timed line (µs) for a prefix, over every call in the log.
line_q() {
    grep "bench-line $1 " "$LOG" | sed -E 's/.* ([0-9.]+)$/\1/' | sort -g |
        awk -v q="$2" '{ a[NR] = $1 } END { i = int((NR - 1) * q) + 1; printf "%.1f", a[i] * 1e6 }'
}

declare -A runs=([088]="" [066]="" [077]="")
for ((r = 1; r <= REPS; r++)); do
    for prefix in 088 066 077; do
        runs[$prefix]+=" $(load "$prefix")"
    done
done
cpu() { echo "${runs[$1]}" | median; }
n_lines="$(grep -c "bench-line 066 " "$LOG" || true)"
base50="$(line_q 088 0.5)"
status="$(cli 'secast show calls')"
in_check="$(grep '^Checks:' <<<"$status" | sed -E 's/.*p50 ([^,]+), p99 (.*)$/p50 \1, p99 \2/')"
in_watch="$(grep '^Watched dials:' <<<"$status" | sed -E 's/.*message p50 ([^,]+), p99 (.*)$/p50 \1, p99 \2/')"
over() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }

out="$OUTDIR/calls-$(date +%Y%m%d-%H%M%S).md"
{
    echo "# call guard in Asterisk, beside GROUP()/GROUP_COUNT() ($(date -u +%F))"
    echo
    echo "Load: $CALLS answered calls at $RATE/s, $LIMIT at once, 300 ms each, $REPS runs per dialplan ($n_lines timed calls each). Machine load average at the start: $LOADAVG."
    echo
    echo "| dialplan line | p50 (µs) | p99 (µs) | p50 over the empty line (µs) | Asterisk CPU per call (ms, median) | runs (ms) |"
    echo "|---|---|---|---|---|---|"
    for p in 088 066 077; do
        case "$p" in
            088) label="empty Set (baseline)" ;;
            066) label="SECAST_CALLCHECK(\${EXTEN})" ;;
            077) label="GROUP(intl)=\${CHANNEL(endpoint)} + GROUP_COUNT(\${CHANNEL(endpoint)}@intl)" ;;
        esac
        p50="$(line_q "$p" 0.5)"
        echo "| $label | $p50 | $(line_q "$p" 0.99) | $(over "$p50" "$base50") | $(cpu "$p") |${runs[$p]} |"
    done
    echo
    echo "Measured by the module on Asterisk's threads during these loads: SECAST_CALLCHECK's check (classification, restriction, check-and-reserve) $in_check; the passive watch per channel message $in_watch."
} | tee "$out"
