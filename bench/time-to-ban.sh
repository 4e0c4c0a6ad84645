#!/usr/bin/env bash
# End-to-end time to ban: fail2ban against res_secast on the same sipp attack.
#
#   bench/time-to-ban.sh [MODULE_SO]      (default: target/res_secast.so)
#
# For each rate (20, 100, 1000, 2000 attempts/s) and each tool it starts a fresh
# sandbox Asterisk (instance bench-f2b without the module, bench-secast with
# it), runs `sandbox/attack.sh NAME wrong-password 127.0.0.5 COUNT RATE` with
# COUNT = max(60, 3 s x RATE), and measures, from the attacker's first attempt,
# how long it takes until the attacker's address is in a dropping nftables set
# and how many failed attempts Asterisk processed. The attack is stopped
# BENCH_HOLD_MS after the ban is seen. Each cell runs BENCH_REPS times; the
# table shows medians. See bench/README.md for the method.
#
# Env: BENCH_REPS (3), BENCH_RATES ("20 100 1000 2000"),
#      BENCH_TOOLS ("fail2ban res_secast"), BENCH_HOLD_MS (500),
#      BENCH_JITTER_MS (1200: random 0..N ms pause before each attack),
#      BENCH_F2B_LOG (security | messages: the log fail2ban reads; security),
#      BENCH_SECAST_NFT_TABLE ("inet secast"), BENCH_OUT (bench/results),
#      SECAST_CHROOT (as for sandbox/asterisk.sh).
# Needs root. Installs fail2ban, python3-pyinotify, sip-tester and nftables
# with apt-get when they are missing. Exit 0 when every run completed (a tool
# that never bans is a result, "no ban", not a failure).
set -euo pipefail
export LC_ALL=C   # EPOCHREALTIME with a '.', C sorting

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SANDBOX="$ROOT/sandbox"
ASTERISK_SH="$SANDBOX/asterisk.sh"
CHROOT="${SECAST_CHROOT:-/var/cache/res_secast/sid-chroot}"

MODULE="${1:-$ROOT/target/res_secast.so}"
REPS="${BENCH_REPS:-3}"
RATES="${BENCH_RATES:-20 100 1000 2000}"
TOOLS="${BENCH_TOOLS:-fail2ban res_secast}"
HOLD_MS="${BENCH_HOLD_MS:-500}"
JITTER_MS="${BENCH_JITTER_MS:-1200}"
F2B_LOG="${BENCH_F2B_LOG:-security}"
SECAST_TABLE="${BENCH_SECAST_NFT_TABLE:-inet secast}"
OUT="${BENCH_OUT:-$HERE/results}"

ATTACKER=127.0.0.5
THRESHOLD=5            # both tools: 5 failures in 10 min ban for 1 h
F2B_START_TIMEOUT=30   # s for fail2ban-server to have its jail running
GRACE_S=2              # s to wait for a late ban after the attack ended
PY=/usr/bin/python3    # Debian's (fail2ban depends on it); not a venv's

say() { echo "time-to-ban: $*" >&2; }
die() { say "$*"; exit 1; }

# --- arguments ----------------------------------------------------------------
[[ $# -le 1 ]] || die "usage: bench/time-to-ban.sh [MODULE_SO]"
[[ "$REPS" =~ ^[1-9][0-9]?$ ]] || die "BENCH_REPS must be 1..99"
[[ "$HOLD_MS" =~ ^[0-9]{1,5}$ ]] || die "BENCH_HOLD_MS must be 0..99999"
[[ "$JITTER_MS" =~ ^[0-9]{1,4}$ ]] || die "BENCH_JITTER_MS must be 0..9999"
for r in $RATES; do
    [[ "$r" =~ ^[1-9][0-9]{0,3}$ ]] || die "BENCH_RATES: '$r' is not 1..9999"
done
for t in $TOOLS; do
    [[ "$t" == fail2ban || "$t" == res_secast ]] || die "BENCH_TOOLS: unknown tool '$t'"
done
case "$F2B_LOG" in security|messages) ;; *) die "BENCH_F2B_LOG must be security or messages" ;; esac
want() { [[ " $TOOLS " == *" $1 "* ]]; }
[[ $EUID -eq 0 ]] || die "must run as root (network namespaces, nftables, chroot)"
if want res_secast; then
    [[ -f "$MODULE" ]] || die "module '$MODULE' not found (make build)"
    MODULE="$(cd "$(dirname "$MODULE")" && pwd)/$(basename "$MODULE")"
fi

# --- dependencies ---------------------------------------------------------------
apt_install() {
    say "installing $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "$@" >&2 \
        || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "$@" >&2; }
}
missing=()
command -v sipp >/dev/null || missing+=(sip-tester)
command -v nft >/dev/null || missing+=(nftables)
command -v stdbuf >/dev/null || missing+=(coreutils)
if want fail2ban; then
    command -v fail2ban-server >/dev/null || missing+=(fail2ban)
    [[ -x $PY ]] && $PY -c 'import pyinotify' 2>/dev/null || missing+=(python3-pyinotify)
fi
[[ -x $PY ]] || missing+=(python3)
((${#missing[@]} == 0)) || apt_install "${missing[@]}"

# "Stock" is checked, not assumed: the files fail2ban reads for this jail
# must be the package's own (dpkg's conffile checksums).
F2B_FILES=(jail.conf fail2ban.conf paths-common.conf paths-debian.conf
           filter.d/common.conf filter.d/asterisk.conf
           action.d/nftables.conf action.d/nftables-allports.conf)
F2B_STOCK=yes
if want fail2ban; then
    sums="$(dpkg-query -W -f='${Conffiles}\n' fail2ban)"
    for f in "${F2B_FILES[@]}"; do
        want_sum="$(awk -v p="/etc/fail2ban/$f" '$1 == p { print $2 }' <<<"$sums")"
        have_sum="$(md5sum "/etc/fail2ban/$f" | awk '{ print $1 }')"
        if [[ -n "$want_sum" && "$want_sum" != "$have_sum" ]]; then
            say "WARNING: /etc/fail2ban/$f differs from the fail2ban package's"
            F2B_STOCK="no (/etc/fail2ban/$f modified)"
        fi
    done
    # Asterisk logs in the chroot's local time; fail2ban must read it in the
    # same zone or it drops every line as too old (findtime).
    F2B_LOGTZ=""
    zone="$(readlink "$CHROOT/etc/localtime" 2>/dev/null || true)"
    case "${zone#*/zoneinfo/}" in
        UTC|Etc/UTC|Etc/Universal|Universal|Zulu|Etc/Zulu) F2B_LOGTZ=UTC ;;
        *) say "WARNING: chroot time zone '${zone:-unknown}'; fail2ban reads its log as host local time" ;;
    esac
fi

# --- state for cleanup ----------------------------------------------------------
RUN_ROOT="$(mktemp -d /tmp/bench-ttb.XXXXXX)"
STAMP="$(date +%Y%m%d-%H%M%S)"
RAW_DIR="$OUT/time-to-ban-$STAMP"
MD="$OUT/time-to-ban-$STAMP.md"
mkdir -p "$RAW_DIR"
RAW_TSV="$RAW_DIR/runs.tsv"
ATK_PID="" F2B_PID="" F2B_SOCK="" MON_PID="" STAMP_PID="" CUR_NAME=""

proc_alive() {  # running and not a zombie
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [[ "${stat:0:1}" != Z ]]
}
tree_pids() {   # PID and all its descendants (children first found by ppid)
    local c
    echo "$1"
    for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do tree_pids "$c"; done
}
stop_tree() {   # TERM a process we started and its descendants, KILL after 3 s
    local pids p alive
    pids="$(tree_pids "$1")"
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 30); do
        alive=0
        for p in $pids; do proc_alive "$p" && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    for p in $pids; do proc_alive "$p" && kill -KILL "$p" 2>/dev/null; done
    wait "$1" 2>/dev/null || true
}

stop_attack() {
    [[ -n "$ATK_PID" ]] || return 0
    stop_tree "$ATK_PID"
    ATK_PID=""
}

stop_f2b() {
    [[ -n "$F2B_PID" ]] || return 0
    if proc_alive "$F2B_PID"; then
        # A clean stop runs the actions' actionstop (removes its nft table).
        timeout -k 2 15 fail2ban-client -s "$F2B_SOCK" stop >/dev/null 2>&1 || true
        for _ in $(seq 100); do proc_alive "$F2B_PID" || break; sleep 0.1; done
        proc_alive "$F2B_PID" && stop_tree "$F2B_PID"
    fi
    wait "$F2B_PID" 2>/dev/null || true
    F2B_PID=""
}

stop_monitor() {
    if [[ -n "$MON_PID" ]]; then
        kill -TERM "$MON_PID" 2>/dev/null || true
        wait "$MON_PID" 2>/dev/null || true
        MON_PID=""
    fi
    if [[ -n "$STAMP_PID" ]]; then
        # It ends on EOF once nft is gone; bounded all the same.
        for _ in $(seq 20); do proc_alive "$STAMP_PID" || break; sleep 0.1; done
        kill -TERM "$STAMP_PID" 2>/dev/null || true
        wait "$STAMP_PID" 2>/dev/null || true
        STAMP_PID=""
    fi
}

instance_down() {
    [[ -n "$CUR_NAME" ]] || return 0
    "$ASTERISK_SH" down "$CUR_NAME" --purge >/dev/null 2>&1 \
        || say "WARNING: 'asterisk.sh down $CUR_NAME --purge' failed"
    CUR_NAME=""
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    stop_attack
    stop_f2b
    stop_monitor
    instance_down
    rm -rf --one-file-system "$RUN_ROOT"
    ((rc == 0)) || say "failed (exit $rc); raw data so far in $RAW_DIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if want res_secast; then
    # One private copy for every run: a rebuild of target/ during the
    # benchmark must not mix two modules in one table.
    cp "$MODULE" "$RUN_ROOT/res_secast.so"
    MODULE_SHA="$(sha256sum "$RUN_ROOT/res_secast.so" | cut -c1-12)"
fi

# --- pieces of one run ------------------------------------------------------------
stamp_lines() {  # prefix every line with the wall clock it was read at
    local l
    while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done
}

start_monitor() {  # NS CELLDIR: nft monitor in the namespace, proven live
    local ns="$1" cell="$2"
    mkfifo "$cell/mon.fifo"
    stamp_lines <"$cell/mon.fifo" >"$cell/nft-monitor.log" &
    STAMP_PID=$!
    # ip netns exec and stdbuf exec, so $! is nft's PID. -oL: one write per
    # event even though stdout is a pipe.
    ip netns exec "$ns" stdbuf -oL nft monitor >"$cell/mon.fifo" 2>&1 </dev/null &
    MON_PID=$!
    # A probe table shows the monitor is subscribed before the attack starts.
    for _ in $(seq 50); do
        ip netns exec "$ns" nft add table inet bench_probe
        ip netns exec "$ns" nft delete table inet bench_probe
        grep -q "add table inet bench_probe" "$cell/nft-monitor.log" && return 0
        sleep 0.1
    done
    die "nft monitor in $ns did not report the probe table"
}

start_f2b() {  # NS CELLDIR LOGPATH
    local ns="$1" cell="$2" logpath="$3" conf="$RUN_ROOT/f2b-conf" rundir="$RUN_ROOT/f2b-run" f
    rm -rf "$conf" "$rundir"
    mkdir -p "$conf/filter.d" "$conf/action.d" "$rundir"
    # Only the package's .conf files (no jail.d: Debian's defaults-debian.conf
    # would enable sshd; no *.local from the host).
    for f in "${F2B_FILES[@]}"; do cp "/etc/fail2ban/$f" "$conf/$f"; done
    sed "s|@RUNDIR@|$rundir|g" "$HERE/fail2ban/fail2ban.local" >"$conf/fail2ban.local"
    sed "s|@LOGPATH@|$logpath|g" "$HERE/fail2ban/jail.local" >"$conf/jail.local"
    [[ -z "$F2B_LOGTZ" ]] || printf '\n# the chroot (Asterisk) logs in UTC\nlogtimezone = %s\n' "$F2B_LOGTZ" >>"$conf/jail.local"
    F2B_SOCK="$rundir/fail2ban.sock"
    ip netns exec "$ns" fail2ban-server -f -x -c "$conf" -s "$F2B_SOCK" -p "$rundir/fail2ban.pid" \
        >"$cell/fail2ban-server.out" 2>&1 </dev/null &
    F2B_PID=$!
    local deadline=$((SECONDS + F2B_START_TIMEOUT))
    until timeout 10 fail2ban-client -s "$F2B_SOCK" status asterisk >/dev/null 2>&1; do
        proc_alive "$F2B_PID" || { cat "$cell/fail2ban-server.out" >&2; die "fail2ban-server exited"; }
        ((SECONDS < deadline)) || die "fail2ban jail not running after ${F2B_START_TIMEOUT}s"
        sleep 0.2
    done
    cp "$conf/jail.local" "$cell/jail.local"
    sleep 0.3   # let the pyinotify watch settle before the first line
}

sipp_counts() {  # INSTANCE_DIR -> "created successful failed" from sipp's stat.csv
    local csv
    csv="$(ls -t "$1"/log/sipp/*/stat.csv 2>/dev/null | head -n 1)"
    [[ -n "$csv" ]] || { echo "- - -"; return; }
    awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next } { last = $0 }
        END { split(last, f, ";"); print f[col["TotalCallCreated"]] + 0, f[col["SuccessfulCall(C)"]] + 0, f[col["FailedCall(C)"]] + 0 }' "$csv"
}

# One run: TOOL RATE REP. Appends a line to RAW_TSV.
run_cell() {
    local tool="$1" rate="$2" rep="$3" name table set_re ns seclog dir cell count
    local deadline ended banned grep_re res created ok failed b ttb att react mods jitter
    cell="$RAW_DIR/$tool-$rate-$rep"
    mkdir -p "$cell"
    case "$tool" in
        fail2ban)   name=bench-f2b    table="inet f2b-table" set_re="addr-set-asterisk-udp" ;;
        res_secast) name=bench-secast table="$SECAST_TABLE"  set_re="[^ ]+" ;;
    esac
    count=$((3 * rate)); ((count >= 60)) || count=60

    if "$ASTERISK_SH" status "$name" >/dev/null 2>&1; then
        die "instance $name is already running (not started by this run): sandbox/asterisk.sh down $name"
    fi
    CUR_NAME="$name"
    if [[ "$tool" == fail2ban ]]; then
        env -u SECAST_CONF_OVERRIDE "$ASTERISK_SH" up "$name" 2>"$cell/up.log" \
            || { cat "$cell/up.log" >&2; die "asterisk.sh up $name failed"; }
    else
        SECAST_CONF_OVERRIDE="$HERE/secast.conf" "$ASTERISK_SH" up "$name" "$RUN_ROOT/res_secast.so" 2>"$cell/up.log" \
            || { cat "$cell/up.log" >&2; die "asterisk.sh up $name failed"; }
        # Captured first: grep -q closing the pipe early would fail it (pipefail).
        mods="$("$ASTERISK_SH" cli "$name" 'module show like res_secast.so' 2>&1 || true)"
        grep -q Running <<<"$mods" \
            || say "WARNING: res_secast.so is not running in $name (see $cell/up.log)"
    fi
    ns="$("$ASTERISK_SH" netns "$name")"
    seclog="$("$ASTERISK_SH" seclog "$name")"
    dir="$("$ASTERISK_SH" dir "$name")"

    start_monitor "$ns" "$cell"
    if [[ "$tool" == fail2ban ]]; then
        if [[ "$F2B_LOG" == security ]]; then start_f2b "$ns" "$cell" "$seclog"
        else start_f2b "$ns" "$cell" "$("$ASTERISK_SH" log "$name")"; fi
    fi

    # fail2ban acts on its own timer (its actions thread polls at 0.2, 0.6
    # and 1.2 s, then starts over); a random start keeps the attack from
    # always meeting that timer at the same phase. Same for both tools.
    jitter=$((RANDOM % (JITTER_MS + 1)))
    sleep "$(awk -v m="$jitter" 'BEGIN { printf "%.3f", m / 1000 }')"
    "$SANDBOX/attack.sh" "$name" wrong-password "$ATTACKER" "$count" "$rate" >"$cell/attack.out" 2>&1 &
    ATK_PID=$!
    # Poll for the ban (the time itself comes from the monitor's stamp, not
    # from this loop). Bounded: attack length + sipp's timeouts + grace.
    grep_re="^[0-9.]+ add element ${table} ${set_re} \{.*[^0-9.]${ATTACKER//./\\.}[^0-9.]"
    deadline=$((SECONDS + count / rate + 15))
    banned=0 ended=""
    while ((SECONDS < deadline)); do
        if grep -qE "$grep_re" "$cell/nft-monitor.log"; then banned=1; break; fi
        if [[ -z "$ended" ]] && ! proc_alive "$ATK_PID"; then ended=$SECONDS; fi
        if [[ -n "$ended" ]] && ((SECONDS - ended >= GRACE_S)); then break; fi
        sleep 0.02
    done
    if ((banned)); then sleep "$(awk -v m="$HOLD_MS" 'BEGIN { printf "%.3f", m / 1000 }')"; fi
    stop_attack
    read -r created ok failed < <(sipp_counts "$dir")
    stop_f2b
    sleep 0.2   # Asterisk's logger thread writes asynchronously

    res="$("$PY" "$HERE/ttb.py" cell "$seclog" "$cell/nft-monitor.log" "$table" "$set_re" "$ATTACKER" "$THRESHOLD")"
    stop_monitor
    # Keep the evidence small: the attacker's security events, not the log.
    grep -F "/$ATTACKER/" "$seclog" >"$cell/security-attacker.log" || true
    [[ "$tool" != fail2ban ]] || cp "$RUN_ROOT/f2b-run/fail2ban.log" "$cell/" 2>/dev/null || true
    rm -f "$cell/mon.fifo"
    instance_down

    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rate" "$tool" "$rep" "$count" "$res" \
        "$created" "$ok" "$failed" >>"$RAW_TSV"
    read -r b ttb att react _ <<<"$res"
    if [[ "$b" == 1 ]]; then
        say "$tool @ ${rate}/s #$rep: ban after ${ttb} ms, $att attempts processed (${react} ms after the ${THRESHOLD}th failure)"
    else
        say "$tool @ ${rate}/s #$rep: no ban; $att attempts processed (of $count sent)"
    fi
}

# --- main -------------------------------------------------------------------------
t_start=$SECONDS
printf 'rate\ttool\trep\tcount\tbanned\tttb_ms\tattempts\treact_ms\tlast_ms\tafter_ban\tsipp_created\tsipp_ok\tsipp_failed\n' >"$RAW_TSV"
say "reps $REPS, rates $RATES, tools $TOOLS; raw data in $RAW_DIR"
for rep in $(seq "$REPS"); do
    for rate in $RATES; do
        for tool in $TOOLS; do
            run_cell "$tool" "$rate" "$rep"
        done
    done
done

ast_ver="$(chroot "$CHROOT" dpkg-query -W -f='${Version}' asterisk 2>/dev/null || echo '?')"
{
    echo "# Time to ban: fail2ban vs res_secast ($(date -u '+%Y-%m-%d %H:%M UTC'))"
    echo
    echo "- Attack: \`sandbox/attack.sh NAME wrong-password $ATTACKER COUNT RATE\`, COUNT = max(60, 3 s x RATE),"
    echo "  started after a random 0-${JITTER_MS} ms pause, stopped ${HOLD_MS} ms after the ban was seen."
    echo "  Medians of $REPS runs per cell; a fresh Asterisk (and fail2ban) for every run."
    echo "- Asterisk $ast_ver (sid chroot), kernel $(uname -r), sipp $(dpkg-query -W -f='${Version}' sip-tester 2>/dev/null)."
    if want fail2ban; then
        echo "- fail2ban $(dpkg-query -W -f='${Version}' fail2ban) (stock files: $F2B_STOCK): stock \`[asterisk]\` jail and filter,"
        echo "  backend pyinotify, banaction nftables-allports (tcp and udp sets), maxretry 5, findtime 10m, bantime 1h,"
        echo "  reading the instance's \`$F2B_LOG\` log; runs inside the instance's network namespace."
    fi
    if want res_secast; then
        echo "- res_secast: \`$MODULE\` (sha256 $MODULE_SHA), bench/secast.conf (threshold 5, window 10m, ban 1h)."
    fi
    echo "- time to ban = wall clock at which \`nft monitor\` (in the namespace) printed $ATTACKER being added to"
    echo "  the dropping set, minus EventTV of the attacker's first security event. attempts processed ="
    echo "  ChallengeResponseFailed events from $ATTACKER. after 5th failure = ban time minus EventTV of the 5th."
    echo "  The attack's own pacing puts a floor under time to ban: 4 intervals before the 5th attempt (4000/RATE ms)."
    echo
} >"$MD"
echo
"$PY" "$HERE/ttb.py" report "$RAW_TSV" "$MD"
echo
say "done in $((SECONDS - t_start)) s; table in $MD, raw data in $RAW_DIR"
