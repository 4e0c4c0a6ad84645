#!/usr/bin/env bash
# Calls through a sandbox instance (sipp, inside the instance's network namespace):
#
#   call.sh NAME carrier SCENARIO COUNT [PAUSE_MS]
#       the carrier: a sipp UAS on 127.0.0.30:5070 answering COUNT calls with
#       sipp/call-uas-SCENARIO.xml (answer, 486, 503, ring); PAUSE_MS before its answer
#   call.sh NAME caller SCENARIO NUMBER COUNT [RATE] [LIMIT] [PAUSE_MS] [SRC]
#       endpoint 1001 (digest auth, from SRC, default 127.0.0.10) placing COUNT calls to
#       NUMBER with sipp/call-uac-SCENARIO.xml (answer, answer-waitbye, cancel, fail), RATE
#       calls/s, at most LIMIT at once, PAUSE_MS held (answer) or before CANCEL (cancel)
#
# Prints "call: N successful, M failed, T total (sipp exit RC)". Every run is bounded in time.
# Env: SECAST_CALL_USER / SECAST_CALL_PASSWORD (default 1001 / its sandbox password).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
die() { echo "call: $*" >&2; exit 1; }
[[ $EUID -eq 0 ]] || die "must run as root (ip netns exec)"
command -v sipp >/dev/null || die "sipp missing: apt-get install -y sip-tester"
[[ $# -ge 4 ]] || die "usage: see the head of $0"
NAME="$1" ROLE="$2" SCENARIO="$3"
NS="$("$HERE/asterisk.sh" netns "$NAME")"
INSTANCE_DIR="$("$HERE/asterisk.sh" dir "$NAME")"
"$HERE/asterisk.sh" pid "$NAME" >/dev/null || die "instance $NAME is not running"
num() { [[ "$1" =~ ^[0-9]+$ ]] || die "'$1' is not a number"; echo "$1"; }

case "$ROLE" in
    carrier)
        COUNT="$(num "$4")" PAUSE="$(num "${5:-100}")"
        SF="$HERE/sipp/call-uas-$SCENARIO.xml"
        ARGS=(-i 127.0.0.30 -p 5070 -m "$COUNT" -d "$PAUSE")
        LIMIT_S=$(( 90 ))
        ;;
    caller)
        NUMBER="$4" COUNT="$(num "$5")" RATE="$(num "${6:-10}")" LIMIT="$(num "${7:-10}")"
        PAUSE="$(num "${8:-500}")" SRC="${9:-127.0.0.10}"
        [[ "$NUMBER" =~ ^[0-9]+$ ]] || die "NUMBER must be digits"
        [[ "$SRC" == 127.* ]] || die "SRC must be a loopback address"
        SF="$HERE/sipp/call-uac-$SCENARIO.xml"
        USER_="${SECAST_CALL_USER:-1001}" PW="${SECAST_CALL_PASSWORD:-Sandbox-alpha-pw}"
        ARGS=(127.0.0.1:5060 -s "$NUMBER" -key caller "$USER_" -au "$USER_" -ap "$PW"
              -i "$SRC" -m "$COUNT" -r "$RATE" -l "$LIMIT" -d "$PAUSE" -recv_timeout 15000)
        LIMIT_S=$(( COUNT / RATE + PAUSE / 1000 + 70 ))
        ;;
    *) die "ROLE is carrier or caller" ;;
esac
[[ -f "$SF" ]] || die "no scenario $SF"
OUT="$INSTANCE_DIR/log/sipp/$ROLE-$SCENARIO-$(date +%H%M%S)-$$"
mkdir -p "$OUT"
set +e
(cd "$OUT" && timeout -k 5 "$LIMIT_S" ip netns exec "$NS" sipp "${ARGS[@]}" -sf "$SF" -t u1 \
    -nostdin -trace_stat -stf "$OUT/stat.csv" -fd 1 -trace_err -error_file "$OUT/errors.log" \
    >"$OUT/sipp.out" 2>&1 </dev/null)
rc=$?
set -e
[[ -s "$OUT/stat.csv" ]] || { echo "call: sipp did not run (exit $rc)" >&2; tail -n 20 "$OUT/sipp.out" >&2 || true; exit 1; }
read -r ok failed total < <(awk -F';' '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    { last = $0 }
    END { split(last, f, ";"); print f[col["SuccessfulCall(C)"]] + 0, f[col["FailedCall(C)"]] + 0, f[col["TotalCallCreated"]] + 0 }' "$OUT/stat.csv")
echo "call: $ok successful, $failed failed, $total total (sipp exit $rc)"
echo "call: sipp output in $OUT"
