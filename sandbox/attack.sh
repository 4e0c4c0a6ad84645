#!/usr/bin/env bash
# Run one SIP attack with sipp from inside an instance's network namespace.
#
#   attack.sh NAME KIND SRC_IP COUNT [RATE]
#
# KIND: wrong-password | unknown-users | invite-flood (see sandbox/sipp/*.xml).
# SRC_IP: the attacker's address. 127.0.0.x and ::1 are on the namespace's lo
#   already; an address in 203.0.113.0/24 or 2001:db8::/32 is added to that lo
#   first (and stays until `asterisk.sh down`). IPv6 sources target [::1]:5060,
#   IPv4 sources 127.0.0.1:5060.
# COUNT: exactly this many attempts (sipp calls, each with a new Call-ID).
#   unknown-users takes its names in order from sipp/users-unknown.csv
#   (ghost0001..ghost1000); past 1000 attempts the names repeat. Another file
#   of names (sipp -inf format, URI-escaped) may be given in
#   SECAST_ATTACK_USERS_FILE.
# RATE: attempts per second (default 10).
#
# Env: SECAST_ATTACK_USER (existing user attacked by wrong-password and
#   invite-flood, default 1001), SECAST_ATTACK_PASSWORD (password sent by
#   wrong-password, default Wrong-pw; the real one gives SuccessfulAuth),
#   SECAST_RECV_TIMEOUT_MS (per-message receive timeout, default 2000),
#   SECAST_ATTACK_RTT_MS (wrong-password: pause between the 401 and the answer to
#   it, the round trip a real phone has; default 0).
#
# Every call times out on its own (SECAST_RECV_TIMEOUT_MS, default 2000), and
# the whole run is capped, so a firewalled (silent) server cannot hang us.
# Prints "attack: KIND from SRC_IP: N successful, M failed, T total" and the
# path of the sipp output dir. Exit 0 if sipp ran (whatever the call results),
# 1 on usage/setup errors or if sipp could not run.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RECV_TIMEOUT_MS="${SECAST_RECV_TIMEOUT_MS:-2000}"
USER_ATTACKED="${SECAST_ATTACK_USER:-1001}"
PASSWORD="${SECAST_ATTACK_PASSWORD:-Wrong-pw}"

die() { echo "attack: $*" >&2; exit 1; }

[[ $# -ge 4 && $# -le 5 ]] || die "usage: attack.sh NAME KIND SRC_IP COUNT [RATE]"
NAME="$1" KIND="$2" SRC="$3" COUNT="$4" RATE="${5:-10}"
[[ "$COUNT" =~ ^[1-9][0-9]*$ ]] || die "COUNT must be a positive integer"
[[ "$RATE" =~ ^[1-9][0-9]*$ ]] || die "RATE must be a positive integer (calls/s)"
[[ $EUID -eq 0 ]] || die "must run as root (ip netns exec)"
command -v sipp >/dev/null || die "sipp missing: apt-get install -y sip-tester"

NS="$("$HERE/asterisk.sh" netns "$NAME")"
INSTANCE_DIR="$("$HERE/asterisk.sh" dir "$NAME")"
"$HERE/asterisk.sh" pid "$NAME" >/dev/null || die "instance $NAME is not running"

# The user (sipp [service]) and credentials come from the command line; only
# unknown-users reads its (distinct) user names from an injection file.
case "$KIND" in
    wrong-password) SCENARIO=register-wrong-password.xml
                    KIND_ARGS=(-s "$USER_ATTACKED" -au "$USER_ATTACKED" -ap "$PASSWORD") ;;
    unknown-users)  SCENARIO=register-unknown-user.xml
                    KIND_ARGS=(-inf "${SECAST_ATTACK_USERS_FILE:-$HERE/sipp/users-unknown.csv}") ;;
    invite-flood)   SCENARIO=invite-no-auth.xml
                    KIND_ARGS=(-s "$USER_ATTACKED") ;;
    options-flood)  SCENARIO=options.xml
                    KIND_ARGS=(-s "$USER_ATTACKED") ;;
    *) die "unknown KIND '$KIND' (wrong-password, unknown-users, invite-flood, options-flood)" ;;
esac

# Pick the target family from the source; only documentation/loopback
# ranges are allowed, so no test traffic can be aimed anywhere real.
case "$SRC" in
    127.*)         TARGET=127.0.0.1; FAMILY=4 ;;
    203.0.113.*)   TARGET=127.0.0.1; FAMILY=4 ;;
    ::1)           TARGET=::1;       FAMILY=6 ;;
    2001:db8:*|2001:DB8:*) TARGET=::1; FAMILY=6 ;;
    *) die "SRC_IP must be in 127.0.0.0/8, 203.0.113.0/24, ::1 or 2001:db8::/32" ;;
esac
if [[ "$SRC" == 203.0.113.* ]] || [[ $FAMILY == 6 && "$SRC" != ::1 ]]; then
    if ! ip -n "$NS" -o addr show dev lo | grep -qiw -- "$SRC"; then
        echo "attack: adding $SRC to lo in $NS" >&2
        if [[ $FAMILY == 6 ]]; then
            ip -n "$NS" -6 addr add "$SRC/128" dev lo nodad
        else
            ip -n "$NS" addr add "$SRC/32" dev lo
        fi
    fi
fi
[[ $FAMILY == 6 ]] && REMOTE="[$TARGET]:5060" || REMOTE="$TARGET:5060"

# One output dir per run, next to the instance's logs (post-mortem).
OUT="$INSTANCE_DIR/log/sipp/$KIND-$(date +%H%M%S)-$$"
mkdir -p "$OUT"

# SECAST_ATTACK_UA: the User-Agent the attack announces (the PJSIP sensor's scanner
# fingerprints); letters, digits and " ._/()-" only. SECAST_ATTACK_TRANSPORT: sipp's -t
# (u1 UDP by default, t1 for TCP).
SCENARIO_FILE="$HERE/sipp/$SCENARIO"
if [[ -n "${SECAST_ATTACK_UA:-}" ]]; then
    [[ "$SECAST_ATTACK_UA" =~ ^[A-Za-z0-9\ ._/()-]+$ ]] || die "SECAST_ATTACK_UA has characters outside [A-Za-z0-9 ._/()-]"
    sed "s|User-Agent: secast-sandbox-attack|User-Agent: $SECAST_ATTACK_UA|" "$SCENARIO_FILE" >"$OUT/$SCENARIO"
    SCENARIO_FILE="$OUT/$SCENARIO"
fi
TRANSPORT="${SECAST_ATTACK_TRANSPORT:-u1}"
[[ "$TRANSPORT" == u1 || "$TRANSPORT" == t1 ]] || die "SECAST_ATTACK_TRANSPORT must be u1 or t1"

# Hard cap: the paced send time plus the per-call timeout (with retransmits),
# plus slack. sipp's own -timeout ends it cleanly; `timeout` is the backstop.
RUN_LIMIT=$(( COUNT / RATE + RECV_TIMEOUT_MS / 1000 + 10 ))

set +e
# -nostdin: no keyboard control (CI has no tty); -trace_stat with -fd 1
# gives the success/failure counters in a CSV we read afterwards.
# -l: cap concurrent calls so a silent server cannot pile up state.
# -default_behaviors all,-bye: an aborted call must not send a BYE (it is
# not a dialog; Asterisk would answer 481 and muddy the counts).
(cd "$OUT" && timeout -k 5 $((RUN_LIMIT + 5)) \
    ip netns exec "$NS" sipp "$REMOTE" \
        -sf "$SCENARIO_FILE" "${KIND_ARGS[@]}" \
        -i "$SRC" -t "$TRANSPORT" -m "$COUNT" -r "$RATE" -l $((RATE * 4 + 10)) \
        -recv_timeout "$RECV_TIMEOUT_MS" -timeout "${RUN_LIMIT}s" \
        -d "${SECAST_ATTACK_RTT_MS:-0}" \
        -default_behaviors all,-bye \
        -nostdin -trace_stat -stf "$OUT/stat.csv" -fd 1 \
        -trace_err -error_file "$OUT/errors.log" \
        >"$OUT/sipp.out" 2>&1 </dev/null)
rc=$?
set -e

# sipp exit codes: 0 all calls ok, 1 some failed, 97/99 stopped early,
# 124/137 from `timeout`; >=200 or 255 is a fatal sipp error.
if [[ ! -s "$OUT/stat.csv" ]]; then
    echo "attack: sipp did not run (exit $rc); output:" >&2
    tail -n 20 "$OUT/sipp.out" >&2 || true
    exit 1
fi
# Last stat line, cumulative columns (named with a (C) suffix in the header).
read -r ok failed total < <(awk -F';' '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    { last = $0 }
    END {
        split(last, f, ";")
        print f[col["SuccessfulCall(C)"]] + 0, f[col["FailedCall(C)"]] + 0, f[col["TotalCallCreated"]] + 0
    }' "$OUT/stat.csv")
echo "attack: $KIND from $SRC: $ok successful, $failed failed, $total total (sipp exit $rc)"
echo "attack: sipp output in $OUT"
