#!/usr/bin/env bash
# What the PJSIP sensor costs Asterisk: its CPU time (user + system, from /proc) for 10,000
# successful REGISTERs (1001 with the right password, each one challenged and answered), in
# three sandbox Asterisks: without res_secast, with res_secast and `[sensor] enabled = no`
# (the service registered, every request read, nothing judged), and with the sensor on
# (every request judged; the flood threshold raised so that nothing is dropped).
#
#   bench/sensor.sh [MODULE_SO]          (default: target/res_secast.so)
#
# Env: BENCH_SENSOR_COUNT (10000), BENCH_SENSOR_RATE (500/s), BENCH_REPS (3),
#      SECAST_CHROOT / SECAST_SANDBOX_TAG (as for sandbox/asterisk.sh).
# Prints a table of medians and the ratios to the run without res_secast. Needs root.
set -euo pipefail
export LC_ALL=C

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
ASTERISK_SH="$ROOT/sandbox/asterisk.sh"
ATTACK_SH="$ROOT/sandbox/attack.sh"
MODULE="${1:-$ROOT/target/res_secast.so}"
COUNT="${BENCH_SENSOR_COUNT:-10000}"
RATE="${BENCH_SENSOR_RATE:-500}"
REPS="${BENCH_REPS:-3}"
PASSWORD=Sandbox-alpha-pw      # 1001's, as in sandbox/etc/pjsip.conf
NAME=bench-sensor
CLK_TCK=$(getconf CLK_TCK)

say() { echo "sensor-bench: $*" >&2; }
die() { say "$*"; exit 1; }
[[ $EUID -eq 0 ]] || die "must run as root"
[[ -f "$MODULE" ]] || die "$MODULE missing: make build"
[[ "$COUNT" =~ ^[1-9][0-9]{0,5}$ && "$RATE" =~ ^[1-9][0-9]{0,3}$ && "$REPS" =~ ^[1-9]$ ]] \
    || die "BENCH_SENSOR_COUNT, BENCH_SENSOR_RATE, BENCH_REPS out of range"

conf=$(mktemp)
base_conf=$(mktemp)
trap '"$ASTERISK_SH" down "$NAME" --purge >/dev/null 2>&1 || true; rm -f "$conf" "$base_conf"' EXIT
# Two requests per registration at RATE/s from one phone: over [request_flood]'s 200/s, which
# would cut the phone back (it is registered, so never banned). The threshold is raised so
# every request is judged and passed: the sensor's full cost, nothing dropped.
{ cat "$ROOT/sandbox/etc/secast.conf"; printf '\n[request_flood]\nthreshold = 1000000\n'; } >"$base_conf"

# CPU ticks (utime + stime) of the asterisk process.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

run_case() {  # label: prints the CPU ms for COUNT registrations
    local label=$1 pid before after out
    case "$label" in
        without) "$ASTERISK_SH" up "$NAME" >/dev/null ;;
        sensor-off)
            { cat "$base_conf"; printf '\n[sensor]\nenabled = no\n'; } >"$conf"
            SECAST_CONF_OVERRIDE="$conf" "$ASTERISK_SH" up "$NAME" "$MODULE" >/dev/null ;;
        sensor-on) SECAST_CONF_OVERRIDE="$base_conf" "$ASTERISK_SH" up "$NAME" "$MODULE" >/dev/null ;;
    esac
    sleep 2
    pid=$(cat "$("$ASTERISK_SH" dir "$NAME")/run/asterisk.hostpid")
    before=$(ticks "$pid")
    out=$(SECAST_ATTACK_USER=1001 SECAST_ATTACK_PASSWORD="$PASSWORD" \
        "$ATTACK_SH" "$NAME" wrong-password 127.0.0.20 "$COUNT" "$RATE" 2>&1 | head -1)
    after=$(ticks "$pid")
    "$ASTERISK_SH" down "$NAME" --purge >/dev/null 2>&1 || true
    [[ "$out" == *" $COUNT successful"* ]] || say "WARNING ($label): $out"
    echo $(( (after - before) * 1000 / CLK_TCK ))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A result
for label in without sensor-off sensor-on; do
    samples=()
    for _ in $(seq "$REPS"); do
        samples+=("$(run_case "$label")")
    done
    result[$label]=$(printf '%s\n' "${samples[@]}" | median)
    say "$label: ${samples[*]} ms"
done
echo "Asterisk CPU for $COUNT REGISTERs at $RATE/s (challenged and answered), median of $REPS:"
for label in without sensor-off sensor-on; do
    case "$label" in
        without) text="without res_secast" ;;
        sensor-off) text="res_secast, [sensor] enabled = no" ;;
        sensor-on) text="res_secast, sensor on" ;;
    esac
    ratio=$(awk -v ms="${result[$label]}" -v base="${result[without]}" 'BEGIN { printf "%.2f", (base > 0) ? ms / base : 0 }')
    printf '  %-36s %7d ms  %sx\n' "$text" "${result[$label]}" "$ratio"
done
