#!/usr/bin/env bash
# The main job, end to end: a sandboxed Asterisk 22 with res_secast loaded takes a short live
# attack (sipp and an AMI client, from addresses inside its own network namespace), and we print
# what the module saw and what it did about it: bans in the kernel, explained. Then the
# configuration audit, on the sandbox and on a deliberately weak configuration; and two servers
# sharing bans through Redis (demo-cluster.sh). The sandboxes
# are stopped on the way out, whatever happens.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sandbox="$here/../sandbox"
module=${1:?usage: demo.sh path/to/res_secast.so}
name=demo

step() { printf '\n== %s\n' "$*"; }

weak=demo-weak

cleanup() {
	"$sandbox/asterisk.sh" down "$name" >/dev/null 2>&1 || true
	"$sandbox/asterisk.sh" down "$weak" >/dev/null 2>&1 || true
}
trap cleanup EXIT

step "Fetching a free country database for geofencing (npm: @ip-location-db/geo-whois-asn-country-mmdb)"
db=$("$here/geo-db.sh")
chroot_dir=${SECAST_CHROOT:-/var/cache/res_secast/sid-chroot}
fixtures="$chroot_dir/srv/secast-fixtures/demo"
mkdir -p "$fixtures"
cp "$db" "$fixtures/geo.mmdb"
conf=$(mktemp)
trap 'cleanup; rm -f "$conf"' EXIT
# The sandbox's own settings (attackers on loopback may be banned), plus geofencing: the
# database places the documentation range 203.0.113.0/24 in Australia, so that is denied.
# The sample event handlers go into the chroot too: the MikroTik one, in --dry-run mode, is
# told about every ban and prints the REST requests it would send to the router.
rm -rf "$fixtures/handlers"
mkdir -p "$fixtures/handlers"
cp "$here/../module-config/handlers/"*.sh "$fixtures/handlers/"
cat "$here/../sandbox/etc/secast.conf" - >"$conf" <<'CONF'

[geo]
database = /srv/secast-fixtures/demo/geo.mmdb
deny = country:AU

[handler-edge]
decisions = ban, unban
program = /srv/secast-fixtures/demo/handlers/mikrotik-routeros.sh
argument = --dry-run

; The toll-fraud guard, with a per-minute limit small enough for a demo.
[calls-international]
calls_per_minute_critical = 2
CONF

netns=$("$sandbox/asterisk.sh" netns "$name")
step "Starting Asterisk 22 (Debian sid) in network namespace $netns with res_secast"
SECAST_CONF_OVERRIDE=$conf "$sandbox/asterisk.sh" up "$name" "$module"
"$sandbox/asterisk.sh" cli "$name" 'core show version'
"$sandbox/asterisk.sh" cli "$name" 'module show like res_secast'

# Handler output is logged at verbose level: give it a log file of its own for the last step.
"$sandbox/asterisk.sh" cli "$name" 'logger add channel handlers verbose' >/dev/null

step "Attack 1: 20 REGISTERs for 1001 with a wrong password from 127.0.0.5"
"$sandbox/attack.sh" "$name" wrong-password 127.0.0.5 20 50
step "Attack 2: 10 REGISTERs for unknown users from 127.0.0.6 (enumeration)"
"$sandbox/attack.sh" "$name" unknown-users 127.0.0.6 10 50
step "Attack 3: 30 INVITEs from 127.0.0.7 that never answer the challenge (challenge flood)"
"$sandbox/attack.sh" "$name" invite-flood 127.0.0.7 30 50
step "Attack 4: 3 AMI logins with a wrong secret (from 127.0.0.1, which Asterisk listens on: counted, never banned)"
"$sandbox/ami-login.sh" "$name" secast-test wrong-secret 3 >/dev/null || true
step "Attack 5: REGISTERs with the right password from 203.0.113.5, a country the geo policy denies"
SECAST_ATTACK_PASSWORD=Sandbox-alpha-pw "$sandbox/attack.sh" "$name" wrong-password 203.0.113.5 3 10
step "Attack 6: 40 INVITEs never answering the challenge, forged from 127.0.0.40, the upstream trunk's identify match (an alert, not a ban)"
"$sandbox/attack.sh" "$name" invite-flood 127.0.0.40 40 100
step "Attack 7: one REGISTER with User-Agent friendly-scanner (SIPVicious) from 127.0.0.8: the PJSIP sensor bans it at its first request"
SECAST_ATTACK_UA=friendly-scanner "$sandbox/attack.sh" "$name" wrong-password 127.0.0.8 1 10 || true
step "An admin's slip: secast ban ::ffff:127.0.0.1/128 (Asterisk's own address, IPv4-mapped)"
"$sandbox/asterisk.sh" cli "$name" 'secast ban ::ffff:127.0.0.1/128'

# The engine works asynchronously; give it a moment (bounded) to drain its queue.
for _ in $(seq 1 50); do
	depth=$("$sandbox/asterisk.sh" cli "$name" 'secast show status' | sed -n 's/^Queue depth: \([0-9]*\).*/\1/p')
	[ "${depth:-1}" = 0 ] && break
	sleep 0.1
done

step "What res_secast saw: secast show status"
"$sandbox/asterisk.sh" cli "$name" 'secast show status'
step "What it did: secast show bans"
"$sandbox/asterisk.sh" cli "$name" 'secast show bans'
step "What it never bans, and why: secast show whitelist"
"$sandbox/asterisk.sh" cli "$name" 'secast show whitelist'
step "Why: secast show ip 127.0.0.5"
"$sandbox/asterisk.sh" cli "$name" 'secast show ip 127.0.0.5'
step "Where: secast show ip 203.0.113.5"
"$sandbox/asterisk.sh" cli "$name" 'secast show ip 203.0.113.5'
step "In the kernel: nft list table inet secast (inside the sandbox's namespace)"
ip netns exec "$netns" nft list table inet secast
step "Toll fraud: phone 1001 (127.0.0.10) calls +44 20 7123 4567 three times; the dialplan asks SECAST_CALLCHECK, the carrier is a sipp UAS"
SECAST_ATTACK_PASSWORD=Sandbox-alpha-pw "$sandbox/attack.sh" "$name" wrong-password 127.0.0.10 1 1 >/dev/null
"$sandbox/call.sh" "$name" carrier answer 2 50 >/dev/null &
carrier=$!
sleep 0.4
"$sandbox/call.sh" "$name" caller answer 011442071234567 3 5 1 200 | sed -n 1p # reads to the end: head would end the pipe early (SIGPIPE, 141)
wait "$carrier" || true
"$sandbox/asterisk.sh" cli "$name" 'secast show number 011442071234567'
grep -E "toll fraud|SECAST refused" "$("$sandbox/asterisk.sh" log "$name")" | sed 's/^\[[^]]*\] //' || true
step "secast show calls 1001"
"$sandbox/asterisk.sh" cli "$name" 'secast show calls 1001'

step "At the edge: each ban ran the MikroTik sample handler (--dry-run); what it would send the router"
# Wait (bounded) until the handler has run for the first ban.
log_dir=$(dirname "$("$sandbox/asterisk.sh" log "$name")")
for _ in $(seq 1 50); do
	grep -q "handler edge: ban 127.0.0.5/32" "$log_dir/handlers" 2>/dev/null && break
	sleep 0.1
done
# The log line escapes the program's output; shown here with its line breaks back.
grep "handler edge: ban 127.0.0.5/32" "$log_dir/handlers" | head -n1 \
	| sed 's/^.*\(handler edge\)/\1/; s/; stdout: "/:\n/; s/\\x0a/\n/g; s/\\"/"/g; s/"$//'
"$sandbox/asterisk.sh" cli "$name" 'secast show handlers'

step "Configuration audit of this sandbox: secast audit (nothing above info)"
"$sandbox/asterisk.sh" cli "$name" 'secast audit'

step "The same audit on a deliberately weak configuration (sandbox/etc-weak)"
"$sandbox/asterisk.sh" down "$name" >/dev/null 2>&1 || true
SECAST_ETC_OVERLAY="$sandbox/etc-weak" "$sandbox/asterisk.sh" up "$weak" "$module"
"$sandbox/asterisk.sh" cli "$weak" 'secast audit'
step "Its summary in Asterisk's log (also sent as the AMI event SecAstAudit)"
grep 'configuration audit:' "$("$sandbox/asterisk.sh" log "$weak")"

"$sandbox/asterisk.sh" down "$weak" >/dev/null 2>&1 || true
"$here/demo-cluster.sh" "$module"

step "Done; stopping the sandboxes"
