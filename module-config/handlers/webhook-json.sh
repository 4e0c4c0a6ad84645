#!/bin/sh
# webhook-json.sh - res_secast sample handler: POSTs each decision as one
# JSON document to a web hook (chat bridge, SIEM, ticketing, your own
# service).
#
# Usage:
#   webhook-json.sh [--settings FILE] [--dry-run]
#   webhook-json.sh --help
#
# Every action is sent. The body, for ban, unban, alert, fraud and audit
# (a variable that is not set is null):
#   {"action":"ban","node":"pbx1.example.com","ip":"203.0.113.5",
#    "cidr":"203.0.113.5/32","family":"ipv4","duration":3600,
#    "permanent":false,"until":1767229200,"rule":"brute_force",
#    "reason":"...","risk":87,"account":"1001","country":"NL","offence":2}
# For a permanent ban "duration" and "until" are null and "permanent" true.
# For sync:
#   {"action":"sync","node":"pbx1.example.com","bans":[
#     {"cidr":"203.0.113.5/32","family":"ipv4","duration":3540,
#      "permanent":false,"rule":"brute_force"}, ...]}
# "account" and "reason" are free text (the account name is chosen by the
# attacker): they are JSON-escaped; bytes that are not UTF-8 become U+FFFD.
#
# Request: POST WEBHOOK_URL with Content-Type: application/json, User-Agent:
# res_secast-handler/1 and, when WEBHOOK_TOKEN is set, Authorization: Bearer
# WEBHOOK_TOKEN. Any 2xx answer is success.
#
# Settings (environment variables of these names, or KEY=VALUE lines in the
# --settings file, which win; the file is parsed, never sourced):
#   WEBHOOK_URL      where to POST      [placeholder https://hooks.example.com/secast]
#   WEBHOOK_TOKEN    bearer token       [default none]
#   WEBHOOK_CA       CA certificate file for the server's TLS certificate
#   WEBHOOK_TIMEOUT  seconds            [default 20]
# The placeholder is used only with --dry-run; a real run without
# WEBHOOK_URL exits 2. The token never appears on a command line (curl reads
# it from a pipe) and --dry-run does not print it.
#
# --dry-run prints the request (method, URL, the headers it sets, the body)
# and sends nothing.
#
# Decision variables: all SECAST_* variables; a sync reads SECAST_SYNC_FILE,
# one ban per line: "CIDR DURATION|permanent RULE".
#
# Exit codes: 0 sent; 1 the request failed or was answered with a non-2xx
# status (retry); 2 bad decision, settings or arguments.

set -uf
PROG=webhook-json
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) || exit 2
# shellcheck source=secast-handler-lib.sh
. "$HERE/secast-handler-lib.sh"
exec 3>&1
NL='
'

WEBHOOK_URL=${WEBHOOK_URL-}
WEBHOOK_TOKEN=${WEBHOOK_TOKEN-}
WEBHOOK_CA=${WEBHOOK_CA-}
WEBHOOK_TIMEOUT=${WEBHOOK_TIMEOUT-20}

handler_setting() {
	case $1 in
	WEBHOOK_URL) WEBHOOK_URL=$2 ;;
	WEBHOOK_TOKEN) WEBHOOK_TOKEN=$2 ;;
	WEBHOOK_CA) WEBHOOK_CA=$2 ;;
	WEBHOOK_TIMEOUT) WEBHOOK_TIMEOUT=$2 ;;
	*) return 1 ;;
	esac
}
handler_usage() { secast_print_header "$0"; }

check_settings() {
	[ "$DRY_RUN" -eq 0 ] || : "${WEBHOOK_URL:=https://hooks.example.com/secast}"
	[ -n "$WEBHOOK_URL" ] || secast_die_input "WEBHOOK_URL is not set"
	secast_is_url "$WEBHOOK_URL" || secast_die_input "WEBHOOK_URL must be an http(s) URL"
	case $WEBHOOK_TOKEN in
	*"$NL"* | *"$(printf '\r')"*) secast_die_input "WEBHOOK_TOKEN cannot hold a line break" ;;
	esac
	[ -z "$WEBHOOK_CA" ] || secast_is_path "$WEBHOOK_CA" ||
		secast_die_input "WEBHOOK_CA must be a plain file name"
	secast_need_seconds WEBHOOK_TIMEOUT "$WEBHOOK_TIMEOUT"
}

decision_body() {
	_db_dur=$D_DURATION
	_db_until=$D_UNTIL
	_db_perm=false
	if [ "$D_DURATION" = permanent ]; then
		_db_dur=
		_db_perm=true
	fi
	[ "$D_UNTIL" != permanent ] || _db_until=
	_db_cidr=$D_CIDR
	[ -n "$_db_cidr" ] || _db_cidr=$D_TARGET
	_db_fam=$D_FAMILY
	secast_json s action "$D_ACTION" S node "$D_NODE" S ip "$D_IP" S cidr "$_db_cidr" \
		S family "$_db_fam" n duration "$_db_dur" r permanent "$_db_perm" n until "$_db_until" \
		S rule "$D_RULE" S reason "$D_REASON" n risk "$D_RISK" S account "$D_ACCOUNT" \
		S country "$D_COUNTRY" n offence "$D_OFFENCE"
}

sync_body() {
	_sb_bans=$(secast_sync_entries "$D_SYNC_FILE") || exit "$?"
	_sb_list=$(printf '%s\n' "$_sb_bans" | awk '
		NF {
			full = ($1 == "ipv4") ? 32 : 128
			cidr = (index($2, "/") ? $2 : $2 "/" full)
			perm = ($4 == "permanent")
			printf "%s{\"cidr\":\"%s\",\"family\":\"%s\",\"duration\":%s,\"permanent\":%s,\"rule\":\"%s\"}", \
				(n++ ? "," : ""), cidr, $1, (perm ? "null" : $4), (perm ? "true" : "false"), $5
		}')
	# Every field above was validated (addresses, digits, [a-z0-9_.-]+): no escaping needed.
	secast_json s action sync S node "$D_NODE" r bans "[$_sb_list]"
}

secast_main_args "$@"
[ -z "$DRY_RUN_STATE" ] || secast_die_input "--dry-run-state is not used by this handler"
secast_read_decision
[ "$D_ACTION" != sync ] || secast_require sync_file
check_settings
if [ "$D_ACTION" = sync ]; then
	_body=$(sync_body) || exit "$?"
else
	_body=$(decision_body) || exit "$?"
fi
secast_post_json "$WEBHOOK_URL" "$WEBHOOK_TOKEN" "$WEBHOOK_CA" "$WEBHOOK_TIMEOUT" "$_body"
[ "$DRY_RUN" -eq 1 ] || echo "$D_ACTION: posted to $WEBHOOK_URL"
exit 0
