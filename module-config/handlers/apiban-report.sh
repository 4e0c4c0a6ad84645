#!/bin/sh
# apiban-report.sh - res_secast sample handler: reports an attacking address
# to a collector as JSON shaped like APIBAN's ban lists, for a shared
# blocklist (your own, a community one, a provider's).
#
# Usage:
#   apiban-report.sh [--settings FILE] [--dry-run]
#   apiban-report.sh --help
#
# Reports the actions listed in APIBAN_ACTIONS (default: ban) for a single
# public address. Not reported (exit 0): other actions, network bans
# (prefix shorter than /32 or /128) and addresses that are not public
# (loopback, private, shared, link-local, unique-local, unspecified,
# multicast): your own networks are never published.
#
# The body: APIBAN's two keys ("ipaddress", a list of addresses, and "ID")
# and what made it an attack:
#   {"ipaddress":["203.0.113.5"],"ID":"pbx1.example.com-203.0.113.5-2",
#    "reporter":"pbx1.example.com","action":"ban","rule":"brute_force",
#    "reason":"...","risk":87,"country":"NL","offence":2,"duration":3600,
#    "permanent":false,"until":1767229200}
# "ID" is node-address-offence: the same report sent again after a retry or
# a restart carries the same ID, so the collector can drop duplicates. The
# attacked account name is not sent unless APIBAN_SHARE_ACCOUNT=yes (it
# tells outsiders which accounts exist); when sent it is "account". Free
# text is JSON-escaped; bytes that are not UTF-8 become U+FFFD.
#
# Request: POST APIBAN_URL with Content-Type: application/json, User-Agent:
# res_secast-handler/1 and, when APIBAN_KEY is set, Authorization: Bearer
# APIBAN_KEY. Any 2xx answer is success. (apiban.org itself publishes lists
# fed by its honeypots; point this at a collector that accepts reports.)
#
# Settings (environment variables of these names, or KEY=VALUE lines in the
# --settings file, which win; the file is parsed, never sourced):
#   APIBAN_URL            collector URL   [placeholder https://reports.example.com/api/report]
#   APIBAN_KEY            API key (bearer token)   [default none]
#   APIBAN_ACTIONS        comma-separated: ban, alert, fraud  [default ban]
#   APIBAN_SHARE_ACCOUNT  yes|no          [default no]
#   APIBAN_CA             CA certificate file for the collector's TLS certificate
#   APIBAN_TIMEOUT        seconds         [default 20]
# The placeholder is used only with --dry-run; a real run without
# APIBAN_URL exits 2. The key never appears on a command line and --dry-run
# does not print it.
#
# --dry-run prints the request (method, URL, the headers it sets, the body)
# and sends nothing.
#
# Decision variables: all SECAST_* variables (SECAST_IP or SECAST_CIDR is
# required for a reported action).
#
# Exit codes: 0 reported, or nothing to report; 1 the request failed or was
# answered with a non-2xx status (retry); 2 bad decision, settings or
# arguments.

set -uf
PROG=apiban-report
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) || exit 2
# shellcheck source=secast-handler-lib.sh
. "$HERE/secast-handler-lib.sh"
exec 3>&1
NL='
'

APIBAN_URL=${APIBAN_URL-}
APIBAN_KEY=${APIBAN_KEY-}
APIBAN_ACTIONS=${APIBAN_ACTIONS-ban}
APIBAN_SHARE_ACCOUNT=${APIBAN_SHARE_ACCOUNT-no}
APIBAN_CA=${APIBAN_CA-}
APIBAN_TIMEOUT=${APIBAN_TIMEOUT-20}

handler_setting() {
	case $1 in
	APIBAN_URL) APIBAN_URL=$2 ;;
	APIBAN_KEY) APIBAN_KEY=$2 ;;
	APIBAN_ACTIONS) APIBAN_ACTIONS=$2 ;;
	APIBAN_SHARE_ACCOUNT) APIBAN_SHARE_ACCOUNT=$2 ;;
	APIBAN_CA) APIBAN_CA=$2 ;;
	APIBAN_TIMEOUT) APIBAN_TIMEOUT=$2 ;;
	*) return 1 ;;
	esac
}
handler_usage() { secast_print_header "$0"; }

check_settings() {
	[ "$DRY_RUN" -eq 0 ] || : "${APIBAN_URL:=https://reports.example.com/api/report}"
	[ -n "$APIBAN_URL" ] || secast_die_input "APIBAN_URL is not set"
	secast_is_url "$APIBAN_URL" || secast_die_input "APIBAN_URL must be an http(s) URL"
	case $APIBAN_KEY in
	*"$NL"* | *"$(printf '\r')"*) secast_die_input "APIBAN_KEY cannot hold a line break" ;;
	esac
	secast_is_yesno "$APIBAN_SHARE_ACCOUNT" || secast_die_input "APIBAN_SHARE_ACCOUNT must be yes or no"
	[ -z "$APIBAN_CA" ] || secast_is_path "$APIBAN_CA" ||
		secast_die_input "APIBAN_CA must be a plain file name"
	secast_need_seconds APIBAN_TIMEOUT "$APIBAN_TIMEOUT"
}

# wanted ACTION: is ACTION listed in APIBAN_ACTIONS?
wanted() {
	_w_ifs=$IFS
	IFS=,
	for _w_a in $APIBAN_ACTIONS; do
		case $_w_a in
		ban | alert | fraud) ;;
		*)
			IFS=$_w_ifs
			secast_die_input "APIBAN_ACTIONS may list ban, alert and fraud only"
			;;
		esac
		if [ "$_w_a" = "$1" ]; then
			IFS=$_w_ifs
			return 0
		fi
	done
	IFS=$_w_ifs
	return 1
}

# public ADDRESS: not loopback, private, shared, link-local, ULA, multicast...
public() {
	case $D_FAMILY in
	ipv4)
		case $1 in
		0.* | 10.* | 127.* | 169.254.* | 192.168.* | 255.255.255.255) return 1 ;;
		172.1[6-9].* | 172.2[0-9].* | 172.3[01].*) return 1 ;;
		100.6[4-9].* | 100.[7-9][0-9].* | 100.1[01][0-9].* | 100.12[0-7].*) return 1 ;;
		22[4-9].* | 23[0-9].* | 24[0-9].* | 25[0-5].*) return 1 ;;
		esac
		;;
	ipv6)
		_p_key=$(secast_addr_key "$1")
		case $_p_key in
		ipv6-0:0:0:0:0:0:0:0/128 | ipv6-0:0:0:0:0:0:0:1/128) return 1 ;;
		ipv6-fe[89ab]?:* | ipv6-f[cd]??:* | ipv6-ff??:*) return 1 ;;
		ipv6-0:0:0:0:0:ffff:*) return 1 ;;
		esac
		;;
	esac
	return 0
}

secast_main_args "$@"
[ -z "$DRY_RUN_STATE" ] || secast_die_input "--dry-run-state is not used by this handler"
secast_read_decision
if ! wanted "$D_ACTION"; then
	secast_say "nothing to report for '$D_ACTION'"
	exit 0
fi
secast_require target
case $D_PREFIX in
32 | 128) ;;
*)
	secast_say "network $D_TARGET not reported (only single addresses are)"
	exit 0
	;;
esac
if ! public "$D_HOST"; then
	secast_say "$D_HOST is not a public address: not reported"
	exit 0
fi
check_settings

_dur=$D_DURATION
_until=$D_UNTIL
_perm=false
if [ "$D_DURATION" = permanent ]; then
	_dur=
	_perm=true
fi
[ "$D_UNTIL" != permanent ] || _until=
_account=
[ "$APIBAN_SHARE_ACCOUNT" = no ] || _account=$D_ACCOUNT
_id=${D_NODE:-secast}-$D_HOST-${D_OFFENCE:-0}
if [ -n "$_account" ]; then
	_body=$(secast_json r ipaddress "[\"$D_HOST\"]" s ID "$_id" S reporter "$D_NODE" \
		s action "$D_ACTION" S rule "$D_RULE" S reason "$D_REASON" n risk "$D_RISK" \
		S account "$_account" S country "$D_COUNTRY" n offence "$D_OFFENCE" \
		n duration "$_dur" r permanent "$_perm" n until "$_until") || exit 2
else
	_body=$(secast_json r ipaddress "[\"$D_HOST\"]" s ID "$_id" S reporter "$D_NODE" \
		s action "$D_ACTION" S rule "$D_RULE" S reason "$D_REASON" n risk "$D_RISK" \
		S country "$D_COUNTRY" n offence "$D_OFFENCE" \
		n duration "$_dur" r permanent "$_perm" n until "$_until") || exit 2
fi
secast_post_json "$APIBAN_URL" "$APIBAN_KEY" "$APIBAN_CA" "$APIBAN_TIMEOUT" "$_body"
[ "$DRY_RUN" -eq 1 ] || echo "$D_ACTION: $D_HOST reported to $APIBAN_URL"
exit 0
