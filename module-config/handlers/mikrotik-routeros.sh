#!/bin/sh
# mikrotik-routeros.sh - res_secast sample handler: a MikroTik RouterOS v7
# firewall address list, kept over the REST API.
#
# Usage:
#   mikrotik-routeros.sh [--settings FILE] [--dry-run [--dry-run-state FILE]]
#   mikrotik-routeros.sh --help
#
# What it does, per decision (read from the SECAST_* environment):
#   ban    GET the address list, DELETE any entry for the address already
#          there, then PUT a new entry with a timeout (no timeout when the
#          ban is permanent, which RouterOS also keeps across a reboot)
#   unban  GET the address list, DELETE every entry for the address
#   sync   GET the IPv4 and IPv6 lists, DELETE entries that are not bans in
#          force, PUT the bans that are missing (full reconciliation; entries
#          already present are left as they are)
#   alert, fraud, audit: nothing (exit 0)
# IPv4 goes to /ip/firewall/address-list, IPv6 to /ipv6/firewall/address-list.
# The list is owned by res_secast: a sync removes anything else in it.
#
# Requests (RouterOS v7 REST, HTTP Basic authentication, JSON bodies,
# User-Agent: res_secast-handler/1):
#   GET    {URL}/rest/ip/firewall/address-list?list={LIST}&.proplist=.id,list,address
#   PUT    {URL}/rest/ip/firewall/address-list
#          {"list":"{LIST}","address":"203.0.113.5","timeout":"1h","comment":"secast brute_force"}
#   DELETE {URL}/rest/ip/firewall/address-list/{.id}      (.id looks like *1A)
# The timeout is written as RouterOS time (1d2h3m4s) and capped at
# ROUTEROS_MAX_TIMEOUT; a capped ban is put back by the next sync.
#
# Settings (environment variables of these names, or KEY=VALUE lines in the
# --settings file, which win; the file is parsed, never sourced):
#   ROUTEROS_URL          https://router (no trailing /rest)  [placeholder https://192.0.2.1]
#   ROUTEROS_USER         API user, group with api,read,write  [placeholder secast]
#   ROUTEROS_PASSWORD     its password                         [placeholder PASSWORD]
#   ROUTEROS_LIST         address list name       [default secast]
#   ROUTEROS_CA           CA certificate file for the router's TLS certificate
#   ROUTEROS_INSECURE     yes to skip TLS verification (testing only) [default no]
#   ROUTEROS_TIMEOUT      seconds per request     [default 20]
#   ROUTEROS_MAX_TIMEOUT  longest timeout sent, seconds [default 21168000, 35 weeks]
# The placeholders are used only with --dry-run; a real run without
# ROUTEROS_URL, ROUTEROS_USER or ROUTEROS_PASSWORD exits 2.
# The password never appears on a command line: curl reads it from a pipe.
#
# Router side, once:
#   /ip firewall raw add chain=prerouting src-address-list=secast action=drop
#   /ipv6 firewall raw add chain=prerouting src-address-list=secast action=drop
#   /user group add name=secast policy=api,rest-api,read,write
#   /user add name=secast group=secast password=...
#
# --dry-run prints every request it would send (method, URL, headers it
# sets, JSON body; the password is not shown) and sends nothing. The answers
# of GET requests are taken from --dry-run-state FILE (a JSON array as the
# router would return it, IPv4 and IPv6 entries together), or are empty.
#
# Decision variables: SECAST_ACTION, SECAST_IP, SECAST_CIDR, SECAST_FAMILY,
# SECAST_DURATION, SECAST_RULE (others are validated and ignored); a sync
# reads SECAST_SYNC_FILE, one ban per line: "CIDR DURATION|permanent RULE".
#
# Exit codes: 0 done or nothing to do; 1 the router could not be reached or
# refused a request (retry); 2 bad decision, settings or arguments.

set -uf
PROG=mikrotik-routeros
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) || exit 2
# shellcheck source=secast-handler-lib.sh
. "$HERE/secast-handler-lib.sh"
exec 3>&1
NL='
'

ROUTEROS_URL=${ROUTEROS_URL-}
ROUTEROS_USER=${ROUTEROS_USER-}
ROUTEROS_PASSWORD=${ROUTEROS_PASSWORD-}
ROUTEROS_LIST=${ROUTEROS_LIST-secast}
ROUTEROS_CA=${ROUTEROS_CA-}
ROUTEROS_INSECURE=${ROUTEROS_INSECURE-no}
ROUTEROS_TIMEOUT=${ROUTEROS_TIMEOUT-20}
ROUTEROS_MAX_TIMEOUT=${ROUTEROS_MAX_TIMEOUT-21168000}

handler_setting() {
	case $1 in
	ROUTEROS_URL) ROUTEROS_URL=$2 ;;
	ROUTEROS_USER) ROUTEROS_USER=$2 ;;
	ROUTEROS_PASSWORD) ROUTEROS_PASSWORD=$2 ;;
	ROUTEROS_LIST) ROUTEROS_LIST=$2 ;;
	ROUTEROS_CA) ROUTEROS_CA=$2 ;;
	ROUTEROS_INSECURE) ROUTEROS_INSECURE=$2 ;;
	ROUTEROS_TIMEOUT) ROUTEROS_TIMEOUT=$2 ;;
	ROUTEROS_MAX_TIMEOUT) ROUTEROS_MAX_TIMEOUT=$2 ;;
	*) return 1 ;;
	esac
}
handler_usage() { secast_print_header "$0"; }

check_settings() {
	if [ "$DRY_RUN" -eq 1 ]; then
		: "${ROUTEROS_URL:=https://192.0.2.1}"
		: "${ROUTEROS_USER:=secast}"
		: "${ROUTEROS_PASSWORD:=PASSWORD}"
	fi
	[ -n "$ROUTEROS_URL" ] || secast_die_input "ROUTEROS_URL is not set"
	[ -n "$ROUTEROS_USER" ] || secast_die_input "ROUTEROS_USER is not set"
	[ -n "$ROUTEROS_PASSWORD" ] || secast_die_input "ROUTEROS_PASSWORD is not set"
	ROUTEROS_URL=${ROUTEROS_URL%/}
	secast_is_url "$ROUTEROS_URL" || secast_die_input "ROUTEROS_URL must be an http(s) URL"
	case $ROUTEROS_USER in
	*[!A-Za-z0-9_.@-]* | -*) secast_die_input "ROUTEROS_USER has characters other than A-Za-z0-9_.@-" ;;
	esac
	case $ROUTEROS_PASSWORD in
	*"$NL"*) secast_die_input "ROUTEROS_PASSWORD cannot hold a line break" ;;
	esac
	secast_is_name "$ROUTEROS_LIST" || secast_die_input "ROUTEROS_LIST must match [A-Za-z0-9_.-]+"
	[ -z "$ROUTEROS_CA" ] || secast_is_path "$ROUTEROS_CA" ||
		secast_die_input "ROUTEROS_CA must be a plain file name"
	secast_is_yesno "$ROUTEROS_INSECURE" || secast_die_input "ROUTEROS_INSECURE must be yes or no"
	secast_need_seconds ROUTEROS_TIMEOUT "$ROUTEROS_TIMEOUT"
	secast_need_seconds ROUTEROS_MAX_TIMEOUT "$ROUTEROS_MAX_TIMEOUT"
}

# ros_request METHOD PATH [BODY]: sends one request; prints the answer's
# body. In a dry run prints the request to fd 3 instead.
ros_request() {
	_rm=$1
	_ru=$ROUTEROS_URL/rest$2
	_rb=${3-}
	if [ "$DRY_RUN" -eq 1 ]; then
		printf '%s %s\n' "$_rm" "$_ru" >&3
		printf 'User-Agent: %s\n' "$SECAST_USER_AGENT" >&3
		printf 'Authorization: Basic (user %s, password not shown)\n' "$ROUTEROS_USER" >&3
		if [ -n "$_rb" ]; then
			printf 'Content-Type: application/json\n\n%s\n' "$_rb" >&3
		fi
		printf '\n' >&3
		return 0
	fi
	_rr=$(
		{
			printf 'url = %s\n' "$(secast_curl_quote "$_ru")"
			printf 'request = "%s"\n' "$_rm"
			printf 'user-agent = %s\n' "$(secast_curl_quote "$SECAST_USER_AGENT")"
			printf 'user = %s\n' "$(secast_curl_quote "$ROUTEROS_USER:$ROUTEROS_PASSWORD")"
			if [ -n "$_rb" ]; then
				printf 'header = "Content-Type: application/json"\n'
				printf 'data-binary = %s\n' "$(secast_curl_quote "$_rb")"
			fi
			[ -z "$ROUTEROS_CA" ] || printf 'cacert = %s\n' "$(secast_curl_quote "$ROUTEROS_CA")"
			[ "$ROUTEROS_INSECURE" = no ] || printf 'insecure\n'
		} | curl --config - --silent --show-error --proto '=https,http' --max-redirs 0 \
			--max-time "$ROUTEROS_TIMEOUT" --write-out '\n%{http_code}'
	) || secast_die_send "$_rm $_ru: curl failed"
	_rc=${_rr##*"$NL"}
	_rr=${_rr%"$NL"*}
	case $_rc in
	2??) printf '%s\n' "$_rr" ;;
	*) secast_die_send "$_rm $_ru: HTTP $_rc: $(printf '%s' "$_rr" | dd bs=300 count=1 2>/dev/null | secast_text_stdin)" ;;
	esac
}

list_path() {
	if [ "$1" = ipv6 ]; then echo /ipv6/firewall/address-list; else echo /ip/firewall/address-list; fi
}

# router_entries FAMILY: the list's entries, one "ID KEY" line each (KEY as
# secast_addr_key). The list name is checked here too, not only by the
# router's filter; entries that are not addresses (DNS names) are skipped.
router_entries() {
	_ep=$(list_path "$1")
	if [ "$DRY_RUN" -eq 1 ]; then
		ros_request GET "$_ep?list=$ROUTEROS_LIST&.proplist=.id,list,address" >/dev/null
		_ej=$(secast_dry_state)
	else
		_ej=$(ros_request GET "$_ep?list=$ROUTEROS_LIST&.proplist=.id,list,address") || exit "$?"
	fi
	printf '%s\n' "$_ej" | secast_awk '
	# A small reader for the flat JSON objects RouterOS answers with.
	function str(   out, c) {
		out = ""
		while (pos <= n) {
			c = substr(buf, pos, 1); pos++
			if (c == "\"") return out
			if (c == "\\") { c = substr(buf, pos, 1); pos++; if (c == "n") c = "\n"; else if (c == "t") c = "\t" }
			out = out c
		}
		return out
	}
	{ buf = buf $0 "\n" }
	END {
		init_ord()
		n = length(buf); pos = 1; depth = 0; key = ""; expect_key = 1
		while (pos <= n) {
			c = substr(buf, pos, 1); pos++
			if (c == "{") { depth++; id = ""; addr = ""; lst = ""; expect_key = 1 }
			else if (c == "}") {
				if (id ~ /^\*[0-9A-Fa-f]+$/ && lst == list && addr_check(addr, 0) && A_FAM == fam) print id, A_KEY
				depth--
			}
			else if (c == ":") expect_key = 0
			else if (c == ",") expect_key = 1
			else if (c == "\"") {
				s = str()
				if (expect_key) key = s
				else if (key == ".id") id = s
				else if (key == "address") addr = s
				else if (key == "list") lst = s
			}
		}
	}' fam="$1" list="$ROUTEROS_LIST"
}

# ros_time SECONDS: RouterOS time, e.g. 3600 -> 1h, 90061 -> 1d1h1m1s.
ros_time() {
	_t=$1
	[ "$_t" -le "$ROUTEROS_MAX_TIMEOUT" ] || _t=$ROUTEROS_MAX_TIMEOUT
	_d=$((_t / 86400))
	_h=$((_t % 86400 / 3600))
	_m=$((_t % 3600 / 60))
	_s=$((_t % 60))
	_o=
	[ "$_d" -eq 0 ] || _o=${_o}${_d}d
	[ "$_h" -eq 0 ] || _o=${_o}${_h}h
	[ "$_m" -eq 0 ] || _o=${_o}${_m}m
	[ "$_s" -eq 0 ] || _o=${_o}${_s}s
	printf '%s\n' "$_o"
}

# put_entry FAMILY HOST DURATION RULE
put_entry() {
	_pc="secast${4:+ $4}"
	if [ "$3" = permanent ]; then
		_pb=$(secast_json s list "$ROUTEROS_LIST" s address "$2" s comment "$_pc")
	else
		_pb=$(secast_json s list "$ROUTEROS_LIST" s address "$2" s timeout "$(ros_time "$3")" s comment "$_pc")
	fi
	ros_request PUT "$(list_path "$1")" "$_pb" >/dev/null || exit "$?"
}

# delete_matching FAMILY KEY: deletes every entry whose key is KEY; prints
# how many.
delete_matching() {
	_dm_entries=$(router_entries "$1") || exit "$?"
	_dm_n=0
	for _dm_id in $(printf '%s\n' "$_dm_entries" | awk -v k="$2" '$2 == k { print $1 }'); do
		ros_request DELETE "$(list_path "$1")/$_dm_id" >/dev/null || exit "$?"
		_dm_n=$((_dm_n + 1))
	done
	echo "$_dm_n"
}

do_ban() {
	secast_require target duration
	_key=$(secast_addr_key "$D_TARGET")
	_n=$(delete_matching "$D_FAMILY" "$_key") || exit "$?"
	put_entry "$D_FAMILY" "$D_HOST" "$D_DURATION" "$D_RULE"
	[ "$DRY_RUN" -eq 1 ] ||
		echo "ban $D_HOST: added to address list $ROUTEROS_LIST ($D_DURATION; replaced $_n)"
}

do_unban() {
	secast_require target
	_key=$(secast_addr_key "$D_TARGET")
	_n=$(delete_matching "$D_FAMILY" "$_key") || exit "$?"
	[ "$DRY_RUN" -eq 1 ] || echo "unban $D_HOST: $_n entries removed from address list $ROUTEROS_LIST"
}

do_sync() {
	secast_require sync_file
	_bans=$(secast_sync_entries "$D_SYNC_FILE") || exit "$?"
	_added=0
	_removed=0
	for _fam in ipv4 ipv6; do
		_have=$(router_entries "$_fam") || exit "$?"
		# One plan line per request: "D id" or "A host duration rule".
		_plan=$(printf '%s\n%%%%\n%s\n' "$_have" "$_bans" | awk -v fam="$_fam" '
			$0 == "%%" { part = 2; next }
			NF == 0 { next }
			part != 2 { have[$2] = have[$2] " " $1; next }
			$1 != fam || $4 == "0" { next }
			{ want[$6] = 1; if (!($6 in have) && !($6 in added)) { adds[++na] = "A " $2 " " $4 " " $5; added[$6] = 1 } }
			END {
				for (k in have) if (!(k in want)) { m = split(have[k], ids, " "); for (i = 1; i <= m; i++) dels[++nd] = "D " ids[i] }
				# deletions first, in a stable order (by id)
				for (i = 1; i <= nd; i++) for (j = i + 1; j <= nd; j++) if (dels[j] < dels[i]) { t = dels[i]; dels[i] = dels[j]; dels[j] = t }
				for (i = 1; i <= nd; i++) print dels[i]
				for (i = 1; i <= na; i++) print adds[i]
			}')
		while read -r _op _a _b _c; do
			case $_op in
			D)
				ros_request DELETE "$(list_path "$_fam")/$_a" >/dev/null || exit "$?"
				_removed=$((_removed + 1))
				;;
			A)
				put_entry "$_fam" "$_a" "$_b" "$_c"
				_added=$((_added + 1))
				;;
			esac
		done <<EOF
$_plan
EOF
	done
	[ "$DRY_RUN" -eq 1 ] || echo "sync: address list $ROUTEROS_LIST: $_added added, $_removed removed"
}

secast_main_args "$@"
secast_read_decision
case $D_ACTION in
ban | unban | sync) ;;
*)
	secast_say "nothing to do for '$D_ACTION'"
	exit 0
	;;
esac
check_settings
case $D_ACTION in
ban) do_ban ;;
unban) do_unban ;;
sync) do_sync ;;
esac
exit 0
