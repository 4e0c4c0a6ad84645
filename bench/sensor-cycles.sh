#!/usr/bin/env bash
# 1000 `module unload` / `module load` cycles of res_secast while an OPTIONS flood runs
# against the sandbox Asterisk: the PJSIP service is unregistered and registered again under
# traffic every time. Clean means: Asterisk still runs, every load says "PJSIP sensor on", no
# "internal error" or deadlock (each CLI call is bounded), and the thread count and RSS stay
# flat (printed at the start and the end).
#
#   bench/sensor-cycles.sh [MODULE_SO] [CYCLES]     (defaults: target/res_secast.so, 1000)
#
# Env: SECAST_CHROOT / SECAST_SANDBOX_TAG (as for sandbox/asterisk.sh). Needs root.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
ASTERISK_SH="$ROOT/sandbox/asterisk.sh"
MODULE="${1:-$ROOT/target/res_secast.so}"
CYCLES="${2:-1000}"
NAME=bench-cycles
[[ $EUID -eq 0 ]] || { echo "sensor-cycles: must run as root" >&2; exit 1; }
[[ "$CYCLES" =~ ^[1-9][0-9]{0,4}$ ]] || { echo "sensor-cycles: CYCLES is 1..99999" >&2; exit 1; }

flood_pid=""
conf=$(mktemp)
cleanup() {
    [[ -n "$flood_pid" ]] && kill "$flood_pid" 2>/dev/null || true
    "$ASTERISK_SH" down "$NAME" --purge >/dev/null 2>&1 || true
    rm -f "$conf"
}
trap cleanup EXIT
# OPTIONS as 1001 are challenged: the challenge-flood rule is set out of the way so that the
# flood is never banned and reaches the sensor for the whole run.
{ cat "$ROOT/sandbox/etc/secast.conf"; printf '\n[challenge_flood]\nthreshold = 100000\n'; } >"$conf"
SECAST_CONF_OVERRIDE="$conf" "$ASTERISK_SH" up "$NAME" "$MODULE" >/dev/null 2>&1
sleep 2
dir=$("$ASTERISK_SH" dir "$NAME")
pid=$(cat "$dir/run/asterisk.hostpid")
facts() { echo "threads $(ls /proc/"$pid"/task | wc -l) rss_kb $(awk '/VmRSS/ { print $2 }' /proc/"$pid"/status)"; }
echo "sensor-cycles: start: $(facts)"

# Below the flood threshold (200/s), so the source stays unbanned and keeps reaching the sensor.
"$ROOT/sandbox/attack.sh" "$NAME" options-flood 127.0.0.11 $(( CYCLES * 60 + 600 )) 150 >/dev/null 2>&1 &
flood_pid=$!
start=$SECONDS
for i in $(seq "$CYCLES"); do
    timeout 20 "$ASTERISK_SH" cli "$NAME" "module unload res_secast.so" >/dev/null \
        || { echo "sensor-cycles: unload $i hung or failed" >&2; exit 1; }
    timeout 20 "$ASTERISK_SH" cli "$NAME" "module load res_secast.so" >/dev/null \
        || { echo "sensor-cycles: load $i hung or failed" >&2; exit 1; }
done
elapsed=$(( SECONDS - start ))
kill "$flood_pid" 2>/dev/null || true
wait "$flood_pid" 2>/dev/null || true
flood_pid=""
kill -0 "$pid" || { echo "sensor-cycles: Asterisk died" >&2; exit 1; }
seen=$(timeout 20 "$ASTERISK_SH" cli "$NAME" "secast show status" | sed -n 's/^Sensor requests seen: //p')
banned=$(timeout 20 "$ASTERISK_SH" cli "$NAME" "secast show bans" | head -1)
on=$(grep -c "PJSIP sensor on" "$dir/log/messages" || true)
errors=$(grep -c "internal error\|PJSIP sensor off" "$dir/log/messages" || true)
echo "sensor-cycles: end: $(facts)"
echo "sensor-cycles: $CYCLES cycles in ${elapsed}s under an OPTIONS flood; sensor on $on times (want $((CYCLES + 1))), errors $errors; since the last load: ${seen:-?} requests seen, $banned"
[[ "$on" -eq $((CYCLES + 1)) && "$errors" -eq 0 && "$banned" == "0 bans"* ]]
