#!/usr/bin/env bash
# The demo's last chapter, beyond one box: two sandboxed servers, A and B, share bans through
# a test-owned redis-server. An attacker banned on A is dropped by B's kernel before it has
# tried B once. Everything lives in namespaces this script creates (the hub 198.51.100.1,
# A 198.51.100.11, B 198.51.100.12) and is stopped on the way out.
#
# Usage: demo-cluster.sh path/to/res_secast.so     (root; called by demo.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sandbox="$here/../sandbox"
module=${1:?usage: demo-cluster.sh path/to/res_secast.so}
chroot_dir=${SECAST_CHROOT:-/var/cache/res_secast/sid-chroot}
inside=/srv/secast-fixtures/demo-cluster
dir="$chroot_dir$inside"

step() { printf '\n== %s\n' "$*"; }

cleanup() {
	"$sandbox/asterisk.sh" down demo-a >/dev/null 2>&1 || true
	"$sandbox/asterisk.sh" down demo-b >/dev/null 2>&1 || true
	"$sandbox/cluster.sh" redis-down "$dir" >/dev/null 2>&1 || true
	"$sandbox/cluster.sh" hub-down >/dev/null 2>&1 || true
	rm -f "${conf_a:-}" "${conf_b:-}"
}
trap cleanup EXIT

# Wait (bounded: 15 s) until CMD prints something matching PATTERN.
wait_for() {
	local pattern=$1
	shift
	for _ in $(seq 1 75); do
		"$@" 2>/dev/null | grep -q -- "$pattern" && return 0
		sleep 0.2
	done
	echo "demo-cluster: gave up waiting for '$pattern' from: $*" >&2
	return 1
}

step "Beyond one box: servers A and B share bans through Redis (a redis-server in the hub namespace, ACL user confined to secast:*)"
rm -rf "$dir"
mkdir -p "$dir"
"$sandbox/cluster.sh" hub-up 2>/dev/null
"$sandbox/cluster.sh" redis-up "$dir" 2>/dev/null

node_conf() {  # NAME N -> a secast.conf path
	local conf
	conf=$(mktemp)
	cat "$sandbox/etc/secast.conf" - >"$conf" <<CONF

[cluster]
node = $1
url = unix://$inside/redis.sock?user=secast&pass=Secast-redis-pw
sip_address = 198.51.100.$2:5080
CONF
	echo "$conf"
}
conf_a=$(node_conf demo-a 11)
conf_b=$(node_conf demo-b 12)
SECAST_CONF_OVERRIDE=$conf_a SECAST_ENTITY_ID=02:00:00:00:5e:0b SECAST_SYSTEM_NAME=demo-a \
	"$sandbox/asterisk.sh" up demo-a "$module" >/dev/null
SECAST_CONF_OVERRIDE=$conf_b SECAST_ENTITY_ID=02:00:00:00:5e:0c SECAST_SYSTEM_NAME=demo-b \
	"$sandbox/asterisk.sh" up demo-b "$module" >/dev/null
"$sandbox/cluster.sh" join demo-a 11 2>/dev/null
"$sandbox/cluster.sh" join demo-b 12 2>/dev/null
wait_for '^Nodes seen: 1' "$sandbox/asterisk.sh" cli demo-b 'secast show cluster'

step "Attack on A: 5 REGISTERs for 1001 with a wrong password from 203.0.113.50"
"$sandbox/attack.sh" demo-a wrong-password 203.0.113.50 5 50
wait_for '203.0.113.50/32' "$sandbox/asterisk.sh" cli demo-a 'secast show bans'
"$sandbox/asterisk.sh" cli demo-a 'secast show bans' | grep '203.0.113.50/32'

step "On B, which the attacker never touched: the ban, learnt from A, and B's own kernel set"
wait_for '203.0.113.50' ip netns exec "$("$sandbox/asterisk.sh" netns demo-b)" nft list table inet secast
"$sandbox/asterisk.sh" cli demo-b 'secast show bans' | grep '203.0.113.50/32'
ip netns exec "$("$sandbox/asterisk.sh" netns demo-b)" nft list table inet secast | grep -m1 '203.0.113.50'

step "The attacker turns to B: 2 REGISTERs from 203.0.113.50, dropped by B's kernel (no answer)"
"$sandbox/attack.sh" demo-b wrong-password 203.0.113.50 2 20 || true

step "secast show cluster on B"
"$sandbox/asterisk.sh" cli demo-b 'secast show cluster'
