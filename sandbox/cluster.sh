#!/usr/bin/env bash
# Several sandbox instances as one cluster: a "hub" network namespace with a bridge
# (198.51.100.1/24) where a test-owned redis-server listens, and a veth from each instance's
# namespace into it (198.51.100.N/24), over which the instances reach Redis and each other
# (SIP between nodes). Only documentation addresses, only inside namespaces we created.
#
#   cluster.sh hub-up                 create the hub namespace and its bridge
#   cluster.sh join NAME N            connect instance NAME (running) as 198.51.100.N (N 2-254)
#   cluster.sh hub-down               delete the hub (and every veth into it)
#   cluster.sh redis-up DIR [CERTDIR] start redis-server in the hub: 198.51.100.1:6379, TLS on
#                                     :6380 with CERTDIR/{server.crt,server.key,ca.crt},
#                                     unix socket DIR/redis.sock; default user off, one ACL user
#                                     (SECAST_REDIS_USER/SECAST_REDIS_PASSWORD, default
#                                     secast / Secast-redis-pw) confined to secast:*; no
#                                     persistence (a restart starts empty)
#   cluster.sh redis-down DIR         stop it (the PID in DIR/redis.pid, ours only)
#   cluster.sh redis-cli DIR ARGS...  redis-cli on the socket as the ACL user
#
# Env: SECAST_SANDBOX_TAG (as asterisk.sh: names the hub secast-TAG-hub).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TAG="${SECAST_SANDBOX_TAG:-}"
HUB="secast-${TAG:+$TAG-}hub"
BRIDGE=br0
USER_NAME="${SECAST_REDIS_USER:-secast}"
PASSWORD="${SECAST_REDIS_PASSWORD:-Secast-redis-pw}"

die() { echo "cluster.sh: $*" >&2; exit 1; }
[[ $EUID -eq 0 ]] || die "must run as root (network namespaces)"

hub_exists() { ip netns list | awk '{print $1}' | grep -qx "$HUB"; }

hub_up() {
    if hub_exists; then
        [[ -z "$(ip netns pids "$HUB" 2>/dev/null)" ]] \
            || die "hub $HUB exists and has processes: $(ip netns pids "$HUB" | tr '\n' ' ')"
        ip netns del "$HUB"
    fi
    ip netns add "$HUB"
    ip -n "$HUB" link set lo up
    ip -n "$HUB" link add "$BRIDGE" type bridge
    ip -n "$HUB" addr add 198.51.100.1/24 dev "$BRIDGE"
    ip -n "$HUB" link set "$BRIDGE" up
    echo "cluster.sh: hub $HUB up (198.51.100.1)" >&2
}

join() {  # NAME N
    local name="$1" n="$2" ns
    [[ "$n" =~ ^[0-9]+$ && "$n" -ge 2 && "$n" -le 254 ]] || die "N must be 2 to 254"
    hub_exists || die "no hub $HUB; run hub-up first"
    ns="$("$HERE/asterisk.sh" netns "$name")"
    ip netns list | awk '{print $1}' | grep -qx "$ns" || die "instance $name has no namespace $ns"
    # Interface names are at most 15 characters; the hub side lives in the hub namespace,
    # so it cannot collide with another checkout's.
    local outside="n$n" inside="hub0"
    ip -n "$HUB" link del "$outside" 2>/dev/null || true
    ip -n "$ns" link del "$inside" 2>/dev/null || true
    ip -n "$HUB" link add "$outside" type veth peer name "$inside" netns "$ns"
    ip -n "$HUB" link set "$outside" master "$BRIDGE" up
    ip -n "$ns" addr add "198.51.100.$n/24" dev "$inside"
    ip -n "$ns" link set "$inside" up
    echo "cluster.sh: $name joined as 198.51.100.$n" >&2
}

hub_down() {
    if hub_exists; then
        [[ -z "$(ip netns pids "$HUB" 2>/dev/null)" ]] \
            || echo "cluster.sh: hub $HUB still has processes: $(ip netns pids "$HUB" | tr '\n' ' ')" >&2
        ip netns del "$HUB"
    fi
}

redis_pid() {  # DIR: the PID if it is our redis-server
    local pid
    [[ -f "$1/redis.pid" ]] || return 1
    pid="$(cat "$1/redis.pid")"
    [[ "$pid" =~ ^[0-9]+$ && "$(cat "/proc/$pid/comm" 2>/dev/null)" == redis-server ]] || return 1
    echo "$pid"
}

redis_up() {  # DIR [CERTDIR]
    local dir="$1" certs="${2:-}" args=()
    command -v redis-server >/dev/null || die "redis-server missing: run scripts/host-deps.sh"
    hub_exists || die "no hub $HUB; run hub-up first"
    mkdir -p "$dir"
    ! redis_pid "$dir" >/dev/null || die "redis-server already running for $dir"
    rm -f "$dir/redis.sock"
    if [[ -n "$certs" ]]; then
        args+=(--tls-port 6380 --tls-cert-file "$certs/server.crt" --tls-key-file "$certs/server.key"
            --tls-ca-cert-file "$certs/ca.crt" --tls-auth-clients optional)
    fi
    # --daemonize no and & : the PID we record is redis-server's own.
    ip netns exec "$HUB" redis-server \
        --bind 198.51.100.1 --port 6379 --protected-mode yes \
        --unixsocket "$dir/redis.sock" --unixsocketperm 777 \
        --daemonize no --save "" --appendonly no --dir "$dir" --logfile "$dir/redis.log" \
        --user default off \
        --user "$USER_NAME" on ">$PASSWORD" '~secast:*' '&secast:*' '+@all' '-@dangerous' \
        "${args[@]}" </dev/null >>"$dir/redis.stdout" 2>&1 &
    echo $! >"$dir/redis.pid"
    for _ in $(seq 100); do [[ -S "$dir/redis.sock" ]] && break; sleep 0.05; done
    [[ -S "$dir/redis.sock" ]] || { tail -5 "$dir/redis.log" >&2; die "redis-server did not come up"; }
    echo "cluster.sh: redis-server pid $(cat "$dir/redis.pid") on 198.51.100.1:6379${certs:+, TLS :6380}, $dir/redis.sock" >&2
}

redis_down() {  # DIR
    local pid
    if pid="$(redis_pid "$1")"; then
        kill -CONT "$pid" 2>/dev/null || true
        kill -TERM "$pid"
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$1/redis.pid"
}

[[ $# -ge 1 ]] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
cmd="$1"; shift
case "$cmd" in
    hub-up)     hub_up ;;
    hub-down)   hub_down ;;
    join)       [[ $# -eq 2 ]] || die "usage: join NAME N"; join "$1" "$2" ;;
    redis-up)   [[ $# -ge 1 && $# -le 2 ]] || die "usage: redis-up DIR [CERTDIR]"; redis_up "$@" ;;
    redis-down) [[ $# -eq 1 ]] || die "usage: redis-down DIR"; redis_down "$1" ;;
    redis-cli)
        [[ $# -ge 2 ]] || die "usage: redis-cli DIR ARGS..."
        dir="$1"; shift
        exec redis-cli -s "$dir/redis.sock" --user "$USER_NAME" --pass "$PASSWORD" --no-auth-warning "$@" ;;
    *) die "unknown command '$cmd'" ;;
esac
