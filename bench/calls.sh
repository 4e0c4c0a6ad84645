#!/usr/bin/env bash
# The call guard inside a real Asterisk, beside the stock way to cap calls (GROUP() and
# GROUP_COUNT(), func_groupcount):
#
#   bench/calls.sh [MODULE_SO]        (default: target/res_secast.so; as root, ~2 minutes)
#
# 1. The same call load (sipp: endpoint 1001 places BENCH_CALLS answered calls at
#    BENCH_RATE/s, BENCH_LIMIT at once, each held 300 ms, to the sandbox carrier) through
#    three dialplans: 055… no check (baseline), 011… SECAST_CALLCHECK, 044… GROUP() and
#    GROUP_COUNT() with CHANNEL(endpoint), the stock recipe. Asterisk's CPU time per call
#    (utime+stime of the process, /proc) for each; the module is loaded in all three, so
#    its passive watch is in the baseline too. BENCH_REPS runs each, alternating; medians.
# 2. The function alone: a dialplan loop of BENCH_N iterations on a Local channel
#    ([bench-loop] in sandbox/etc/extensions.conf), SECAST_CALLCHECK against
#    GROUP()+GROUP_COUNT() with the same account, minus the empty loop: µs per call.
# 3. What the module measured on Asterisk's own threads: SECAST_CALLCHECK on the dialplan
#    thread and the watch per channel message, p50/p99 (secast show calls).
# Results go to stdout and bench/results/calls-<date>.md.
set -euo pipefail
export LC_ALL=C
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SB="$ROOT/sandbox"
MODULE="${1:-$ROOT/target/res_secast.so}"
CALLS="${BENCH_CALLS:-300}" RATE="${BENCH_RATE:-30}" LIMIT="${BENCH_LIMIT:-20}"
REPS="${BENCH_REPS:-2}" N="${BENCH_N:-5000}"
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
NS="$("$SB/asterisk.sh" netns "$NAME")"
PID="$("$SB/asterisk.sh" pid "$NAME")"
LOG="$("$SB/asterisk.sh" log "$NAME")"
cli() { "$SB/asterisk.sh" cli "$NAME" "$1"; }
# The phone registers first, as phones do.
SECAST_ATTACK_USER=1001 SECAST_ATTACK_PASSWORD=Sandbox-1001-pw \
    "$SB/attack.sh" "$NAME" wrong-password 127.0.0.10 1 1 >/dev/null
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
hz="$(getconf CLK_TCK)"

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

declare -A runs=([055]="" [011]="" [044]="")
for ((r = 1; r <= REPS; r++)); do
    for prefix in 055 011 044; do
        runs[$prefix]+=" $(load "$prefix")"
    done
done
base="$(echo "${runs[055]}" | median)"
check="$(echo "${runs[011]}" | median)"
group="$(echo "${runs[044]}" | median)"

loop() {  # VARIANT: seconds for N iterations
    local before
    before="$(grep -c "bench-loop $1 " "$LOG" || true)"
    timeout -k 2 30 ip netns exec "$NS" python3 - "$1" "$N" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", 5038), timeout=5)
f = s.makefile("rb"); f.readline()
s.sendall(b"Action: Login\r\nUsername: secast-test\r\nSecret: Sandbox-ami-pw\r\nEvents: off\r\n\r\n")
s.sendall(("Action: Originate\r\nChannel: Local/%s@bench-loop\r\nApplication: Wait\r\nData: 1\r\n"
           "Variable: BENCH_N=%s\r\nAsync: true\r\n\r\n" % (sys.argv[1], sys.argv[2])).encode())
PY
    for _ in $(seq 1 300); do
        [[ "$(grep -c "bench-loop $1 " "$LOG" || true)" -gt "$before" ]] && break
        sleep 0.1
    done
    grep "bench-loop $1 " "$LOG" | tail -1 | sed -E 's/.* in ([0-9.]+) s.*/\1/'
}
empty_s="$(loop empty)"; check_s="$(loop callcheck)"; group_s="$(loop group)"
per() { awk -v a="$1" -v b="$empty_s" -v n="$N" 'BEGIN { printf "%.2f", (a - b) * 1e6 / n }'; }
check_us="$(per "$check_s")"; group_us="$(per "$group_s")"

status="$(cli 'secast show calls')"
in_check="$(grep '^Checks:' <<<"$status" | sed -E 's/.*p50 ([^,]+), p99 (.*)$/p50 \1, p99 \2/')"
in_watch="$(grep '^Watched dials:' <<<"$status" | sed -E 's/.*message p50 ([^,]+), p99 (.*)$/p50 \1, p99 \2/')"

out="$OUTDIR/calls-$(date +%Y%m%d-%H%M%S).md"
{
    echo "# call guard in Asterisk, beside GROUP()/GROUP_COUNT() ($(date -u +%F))"
    echo
    echo "Load: $CALLS answered calls at $RATE/s, $LIMIT at once, 300 ms each; $REPS runs per dialplan, medians."
    echo
    echo "| dialplan | Asterisk CPU per call (ms) | over the baseline (ms) | runs |"
    echo "|---|---|---|---|"
    echo "| no check (055) | $base | 0 | ${runs[055]} |"
    echo "| SECAST_CALLCHECK (011) | $check | $(awk -v a="$check" -v b="$base" 'BEGIN{printf "%.3f", a-b}') | ${runs[011]} |"
    echo "| GROUP()+GROUP_COUNT() with CHANNEL(endpoint) (044) | $group | $(awk -v a="$group" -v b="$base" 'BEGIN{printf "%.3f", a-b}') | ${runs[044]} |"
    echo
    echo "The function alone, $N iterations of a dialplan loop (minus the empty loop, ${empty_s} s):"
    echo
    echo "| function | µs per call | ratio to GROUP()+GROUP_COUNT() |"
    echo "|---|---|---|"
    echo "| SECAST_CALLCHECK (check, reserve, datastore, SECAST_REASON) | $check_us | $(awk -v a="$check_us" -v b="$group_us" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else print "-" }') |"
    echo "| GROUP() + GROUP_COUNT() (fixed account) | $group_us | 1 |"
    echo
    echo "Measured by the module on Asterisk's threads during the loads: SECAST_CALLCHECK's check $in_check; the passive watch per channel message $in_watch."
} | tee "$out"
