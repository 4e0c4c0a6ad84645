#!/usr/bin/env bash
# Run sandboxed Asterisk instances: each one in the sid chroot (build-chroot.sh)
# and in its own network namespace secast-NAME, with its own directory
# /srv/secast/NAME (inside the chroot) made fresh from sandbox/etc.
#
#   asterisk.sh up NAME [MODULE_SO]   start; MODULE_SO is copied in as res_secast.so
#                                     (into the instance's own module dir)
#   asterisk.sh cli NAME 'command'    run a CLI command; prints its output
#   asterisk.sh down NAME [--purge]   stop; --purge also deletes the instance dir
#   asterisk.sh kill9 NAME            SIGKILL the instance (crash tests)
#   asterisk.sh restart NAME [MODULE_SO]  stop and start again, keeping the
#                                     instance dir (state, logs)
#   asterisk.sh pid|netns|dir|log|seclog|consolelog|moddir NAME   print one fact
#   asterisk.sh status NAME           exit 0 if running, 1 if not
#
# Env: SECAST_CHROOT (chroot dir), SECAST_CONF_OVERRIDE (a secast.conf to use),
#      SECAST_ETC_OVERLAY (a directory whose *.conf files and subdirectories are copied
#      over sandbox/etc for `up`, @INSTANCE_DIR@ filled in; e.g. sandbox/etc-weak),
#      SECAST_SANDBOX_TAG (added to the netns name, secast-TAG-NAME, so that several
#      checkouts can run sandboxes with the same instance names at once, each with its own
#      SECAST_CHROOT),
#      SECAST_BOOT_TIMEOUT (seconds `up` waits for full boot, default 60),
#      SECAST_STOP_TIMEOUT (seconds `down` waits before SIGKILL, default 20),
#      SECAST_CLI_TIMEOUT (seconds a CLI command may take, default 30; 124 after),
#      SECAST_MOUNT_PROC=1 (give Asterisk a /proc; it runs without one),
#      SECAST_ENTITY_ID / SECAST_SYSTEM_NAME (this instance's entityid and systemname in
#      asterisk.conf: a cluster needs them distinct),
#      SECAST_ETC_APPEND (a directory: each X.conf in it is appended to the instance's etc/X.conf,
#      e.g. a node-to-node trunk in pjsip.conf, modules in modules.conf).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CHROOT="${SECAST_CHROOT:-/var/cache/res_secast/sid-chroot}"
BOOT_TIMEOUT="${SECAST_BOOT_TIMEOUT:-60}"
STOP_TIMEOUT="${SECAST_STOP_TIMEOUT:-20}"
CLI_TIMEOUT="${SECAST_CLI_TIMEOUT:-30}"
# Debian's multiarch module dir (inside the chroot). Each instance gets its
# own module dir of symlinks into it plus its own res_secast.so, so instances
# running at once never see each other's module.
DEBIAN_MODDIR_IN="/usr/lib/x86_64-linux-gnu/asterisk/modules"

die() { echo "asterisk.sh: $*" >&2; exit 1; }
say() { echo "asterisk.sh: $*" >&2; }

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

# --- per-instance names (all derived from NAME) ------------------------------
set_instance() {
    NAME="$1"
    # Used in paths, a netns name and sed: keep it boring.
    [[ "$NAME" =~ ^[A-Za-z0-9][A-Za-z0-9_-]{0,30}$ ]] \
        || die "bad instance name '$NAME' (letters, digits, _ and -, max 31)"
    NS="secast-${SECAST_SANDBOX_TAG:+$SECAST_SANDBOX_TAG-}$NAME"
    DIR_IN="/srv/secast/$NAME"          # as Asterisk sees it (inside the chroot)
    DIR="$CHROOT$DIR_IN"                # as the host sees it
    CONF_IN="$DIR_IN/etc/asterisk.conf"
    PIDFILE="$DIR/run/asterisk.hostpid" # host PID of the asterisk process
    MODDIR="$DIR/modules"               # astmoddir (host view)
}

need_root() { [[ $EUID -eq 0 ]] || die "must run as root (netns, chroot)"; }

need_chroot() {
    [[ -x "$CHROOT/usr/sbin/asterisk" && -f "$CHROOT/.secast-ready" ]] \
        || die "no ready chroot at $CHROOT; run $HERE/build-chroot.sh"
}

# Print the recorded PID if that process is alive and is our asterisk.
live_pid() {
    local pid
    [[ -f "$PIDFILE" ]] || return 1
    pid="$(cat "$PIDFILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    # Guard against PID reuse: it must be asterisk with our chroot as root.
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == asterisk ]] || return 1
    [[ "$(readlink "/proc/$pid/root" 2>/dev/null)" == "$CHROOT" ]] || return 1
    echo "$pid"
}

# True when PID has exited: gone, or a zombie not yet reaped by its parent
# (kill -0 would still succeed on a zombie).
proc_gone() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
    stat="${stat##*) }"          # field 3 (state) follows the "(comm) "
    [[ "${stat:0:1}" == Z ]]
}

start_failed() {
    say "asterisk exited during start-up; last lines of $DIR/log/console.log:"
    tail -n 20 "$DIR/log/console.log" >&2 || true
    ip netns del "$NS" 2>/dev/null || true
    exit 1
}

ns_exists() { ip netns list | awk '{print $1}' | grep -qx "$NS"; }

ast_rx() {  # run one CLI command against the instance; keeps its exit code
    # Bounded: a hung or stopped Asterisk must not hang us (124 = timed out).
    timeout -k 2 "$CLI_TIMEOUT" chroot "$CHROOT" /usr/sbin/asterisk -C "$CONF_IN" -rx "$1"
}

# --- up / restart --------------------------------------------------------------
check_inputs() {  # [MODULE_SO]; sets MODULE to its absolute path (or "")
    MODULE="${1:-}"
    need_root
    "$HERE/build-chroot.sh" >&2
    need_chroot
    if [[ -n "$MODULE" ]]; then
        [[ -f "$MODULE" ]] || die "module '$MODULE' not found"
        MODULE="$(cd "$(dirname "$MODULE")" && pwd)/$(basename "$MODULE")"
    fi
    if [[ -n "${SECAST_CONF_OVERRIDE:-}" ]]; then
        [[ -f "$SECAST_CONF_OVERRIDE" ]] || die "SECAST_CONF_OVERRIDE=$SECAST_CONF_OVERRIDE not found"
    fi
    if [[ -n "${SECAST_ETC_OVERLAY:-}" ]]; then
        [[ -d "$SECAST_ETC_OVERLAY" ]] || die "SECAST_ETC_OVERLAY=$SECAST_ETC_OVERLAY is not a directory"
    fi
    local pid
    if pid="$(live_pid)"; then
        die "instance $NAME already running (pid $pid); run: $0 down $NAME"
    fi
    # Checked before the instance dir is touched: a namespace with processes
    # is not ours to take over (a stale empty one is removed on start).
    if ns_exists && [[ -n "$(ip netns pids "$NS" 2>/dev/null)" ]]; then
        die "netns $NS exists and has processes: $(ip netns pids "$NS" | tr '\n' ' ')"
    fi
}

make_instance_dir() {  # fresh from sandbox/etc; an old one (post-mortem) goes
    rm -rf --one-file-system "$DIR"
    mkdir -p "$DIR"/{etc,lib/keys,lib/cache,log,run,spool,modules}
    cp "$HERE"/etc/*.conf "$DIR/etc/"
    sed -i "s|@INSTANCE_DIR@|$DIR_IN|g" "$DIR/etc/asterisk.conf"
    customise_etc
    # Symlinks to every packaged module (targets are chroot paths, so they
    # dangle on the host and resolve inside the chroot).
    local mods=() f
    for f in "$CHROOT$DEBIAN_MODDIR_IN"/*.so; do
        [[ "${f##*/}" == res_secast.so ]] || mods+=("$DEBIAN_MODDIR_IN/${f##*/}")
    done
    ln -s -t "$MODDIR" "${mods[@]}"
    # An older version of this script copied the module into the shared
    # Debian dir; never let such a leftover be found.
    rm -f "$CHROOT$DEBIAN_MODDIR_IN/res_secast.so"
}

# Per-instance identity and additions (a cluster of instances). Values are checked: they go
# into sed and Asterisk's config.
customise_etc() {
    local f
    if [[ -n "${SECAST_ENTITY_ID:-}" ]]; then
        [[ "$SECAST_ENTITY_ID" =~ ^([0-9a-f]{2}:){5}[0-9a-f]{2}$ ]] || die "bad SECAST_ENTITY_ID"
        sed -i "s|^entityid = .*|entityid = $SECAST_ENTITY_ID|" "$DIR/etc/asterisk.conf"
    fi
    if [[ -n "${SECAST_SYSTEM_NAME:-}" ]]; then
        [[ "$SECAST_SYSTEM_NAME" =~ ^[A-Za-z0-9_-]{1,32}$ ]] || die "bad SECAST_SYSTEM_NAME"
        sed -i "s|^\[options\]$|[options]\nsystemname = $SECAST_SYSTEM_NAME|" "$DIR/etc/asterisk.conf"
    fi
    if [[ -n "${SECAST_ETC_APPEND:-}" ]]; then
        [[ -d "$SECAST_ETC_APPEND" ]] || die "SECAST_ETC_APPEND=$SECAST_ETC_APPEND is not a directory"
        for f in "$SECAST_ETC_APPEND"/*.conf; do
            [[ -e "$f" ]] || continue
            { echo; cat "$f"; } >>"$DIR/etc/${f##*/}"
        done
    fi
}

install_module() {  # MODULE_SO or "" (= make sure none is there)
    # Copy to a temp name and rename: overwriting a .so in place would
    # corrupt it under an Asterisk that still has it mapped (restart, kill9).
    if [[ -n "$1" ]]; then
        cp "$1" "$MODDIR/.res_secast.so.tmp"
        mv -f "$MODDIR/.res_secast.so.tmp" "$MODDIR/res_secast.so"
        # modules.conf has autoload=no, so the module is named explicitly.
        grep -qx "load = res_secast.so" "$DIR/etc/modules.conf" \
            || echo "load = res_secast.so" >>"$DIR/etc/modules.conf"
    else
        rm -f "$MODDIR/res_secast.so"
        sed -i '/^load = res_secast.so$/d' "$DIR/etc/modules.conf"
    fi
}

start_instance() {
    local pid start deadline inner
    # A namespace left by an earlier run of ours is stale once nothing runs in
    # it; one with processes is not ours to touch.
    if ns_exists; then
        if [[ -n "$(ip netns pids "$NS" 2>/dev/null)" ]]; then
            die "netns $NS exists and has processes: $(ip netns pids "$NS" | tr '\n' ' ')"
        fi
        say "removing stale netns $NS"
        ip netns del "$NS"
    fi
    start=$EPOCHREALTIME
    ip netns add "$NS"
    ip -n "$NS" link set lo up
    rm -f "$PIDFILE" "$DIR/run/asterisk.ctl"

    # Asterisk runs without /proc (only getloadavg and `core show sysinfo`
    # details miss it). SECAST_MOUNT_PROC=1 mounts it anyway, inside the
    # private mount namespace `ip netns exec` creates: it is invisible to the
    # host and vanishes with the process, so nothing is left mounted.
    if [[ "${SECAST_MOUNT_PROC:-0}" == 1 ]]; then
        # shellcheck disable=SC2016  # $1/$@ belong to the inner sh
        inner=(sh -c 'mount -t proc proc "$1/proc" && exec chroot "$@"' sh "$CHROOT")
    else
        inner=(chroot "$CHROOT")
    fi
    # The outer sh records its own PID, then every step execs (setsid without
    # a fork, ip netns exec, chroot), so the recorded PID is asterisk's.
    # setsid: a Ctrl-C or hang-up of the caller's session does not reach it.
    # -f: foreground (no fork), -n: no colour, -q: quiet, -g: core on crash.
    # shellcheck disable=SC2016  # $$/$1/$@ belong to the inner sh
    setsid sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$PIDFILE" \
        ip netns exec "$NS" "${inner[@]}" \
        /usr/sbin/asterisk -C "$CONF_IN" -f -n -q -g \
        </dev/null >>"$DIR/log/console.log" 2>&1 &

    # Bounded wait for the control socket and full boot. The process must
    # stay alive meanwhile (a bad config makes it exit at once).
    deadline=$((SECONDS + BOOT_TIMEOUT))
    while :; do
        if [[ -s "$PIDFILE" ]] && proc_gone "$(cat "$PIDFILE")"; then
            start_failed
        fi
        if [[ -S "$DIR/run/asterisk.ctl" ]] \
            && timeout 10 chroot "$CHROOT" /usr/sbin/asterisk -C "$CONF_IN" \
                -rx 'core waitfullybooted' >/dev/null 2>&1; then
            break
        fi
        if ((SECONDS >= deadline)); then
            say "not fully booted after ${BOOT_TIMEOUT}s; stopping it"
            cmd_down || true
            exit 1
        fi
        sleep 0.1
    done
    # waitfullybooted also returns when Asterisk gives up and shuts down.
    pid="$(live_pid)" || start_failed
    say "instance $NAME up in $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s: pid $pid, netns $NS, dir $DIR"
    # A module that declined to load leaves Asterisk running: say so loudly
    # (the caller decides whether that is a failure).
    if grep -qx "load = res_secast.so" "$DIR/etc/modules.conf" \
        && ! ast_rx 'module show like res_secast.so' | grep -q Running; then
        say "WARNING: res_secast.so is not running; see $DIR/log/messages"
    fi
}

apply_overlay() {  # SECAST_ETC_OVERLAY: its configs (and folders such as certs/) win
    local d
    [[ -n "${SECAST_ETC_OVERLAY:-}" ]] || return 0
    cp "$SECAST_ETC_OVERLAY"/*.conf "$DIR/etc/"
    for d in "$SECAST_ETC_OVERLAY"/*/; do
        [[ -d "$d" ]] && cp -r "$d" "$DIR/etc/"
    done
    sed -i "s|@INSTANCE_DIR@|$DIR_IN|g" "$DIR/etc/"*.conf
}

cmd_up() {
    check_inputs "${1:-}"
    make_instance_dir
    apply_overlay
    [[ -z "${SECAST_CONF_OVERRIDE:-}" ]] || cp "$SECAST_CONF_OVERRIDE" "$DIR/etc/secast.conf"
    install_module "$MODULE"
    start_instance
}

# Restart keeps the instance dir (astdb, logs, whatever the module stored in
# lib/), as a real PBX restart would. A MODULE_SO given replaces the module;
# none keeps the one the instance had.
cmd_restart() {
    [[ -d "$DIR/etc" ]] || die "instance $NAME has no dir $DIR; use up"
    [[ -z "${1:-}" || -f "$1" ]] || die "module '$1' not found"
    cmd_down
    check_inputs "${1:-}"
    [[ -z "${SECAST_CONF_OVERRIDE:-}" ]] || cp "$SECAST_CONF_OVERRIDE" "$DIR/etc/secast.conf"
    [[ -z "$MODULE" ]] || install_module "$MODULE"
    start_instance
}

# --- down --------------------------------------------------------------------
cmd_down() {
    local purge="${1:-}" pid deadline
    need_root
    if pid="$(live_pid)"; then
        CLI_TIMEOUT=5 ast_rx 'core stop now' >/dev/null 2>&1 || true
        deadline=$((SECONDS + STOP_TIMEOUT))
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "pid $pid still alive after ${STOP_TIMEOUT}s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            # Bounded: a SIGKILLed process is gone within moments.
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
    fi
    if ns_exists; then
        if [[ -n "$(ip netns pids "$NS" 2>/dev/null)" ]]; then
            say "netns $NS still has processes (not ours to kill): $(ip netns pids "$NS" | tr '\n' ' ')"
        fi
        ip netns del "$NS"
    fi
    rm -f "$PIDFILE"
    if [[ "$purge" == --purge ]]; then
        rm -rf --one-file-system "$DIR"
        say "instance $NAME down, dir removed"
    else
        [[ -z "$purge" ]] || die "unknown option '$purge' (only --purge)"
        say "instance $NAME down; logs kept in $DIR/log"
    fi
}

cmd_kill9() {
    local pid
    need_root
    pid="$(live_pid)" || die "instance $NAME is not running"
    kill -KILL "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    say "SIGKILLed pid $pid (netns $NS kept; run down to clean up)"
}

# --- main --------------------------------------------------------------------
[[ $# -ge 2 ]] || usage
sub="$1"; set_instance "$2"; shift 2
case "$sub" in
    up)      [[ $# -le 1 ]] || usage; cmd_up "${1:-}" ;;
    down)    [[ $# -le 1 ]] || usage; cmd_down "${1:-}" ;;
    restart) [[ $# -le 1 ]] || usage; cmd_restart "${1:-}" ;;
    kill9)   cmd_kill9 ;;
    cli)
        [[ $# -eq 1 ]] || usage
        need_root
        live_pid >/dev/null || die "instance $NAME is not running"
        # The caller gets asterisk's own output and exit code.
        ast_rx "$1"
        ;;
    pid)     live_pid || die "instance $NAME is not running" ;;
    status)  if pid="$(live_pid)"; then echo "running pid $pid"; else echo "stopped"; exit 1; fi ;;
    netns)   echo "$NS" ;;
    dir)     echo "$DIR" ;;
    log)     echo "$DIR/log/messages" ;;
    seclog)  echo "$DIR/log/security" ;;
    consolelog) echo "$DIR/log/console.log" ;;
    moddir)  echo "$MODDIR" ;;
    *)       usage ;;
esac
