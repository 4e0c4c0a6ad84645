#!/bin/sh
# cisco-ios.sh - res_secast sample handler: entries of a network object
# group on a Cisco IOS / IOS XE router, changed over SSH. An ACL on the
# outside interface denies the group.
#
# Usage:
#   cisco-ios.sh [--settings FILE] [--dry-run [--dry-run-state FILE]]
#   cisco-ios.sh --help
#
# The router reads the commands from the SSH session's standard input, as
# if typed. Per decision (read from the SECAST_* environment):
#   ban    configure terminal
#          object-group network SECAST-BLOCK
#           host 203.0.113.5                 (a single address)
#           198.51.100.0 255.255.255.0       (a network)
#          end
#          exit
#   unban  the same with "no host 203.0.113.5" / "no 198.51.100.0 255.255.255.0"
#   sync   first reads the group in a session of its own:
#            terminal length 0
#            show running-config | section object-group network SECAST-BLOCK
#            exit
#          then, in one configuration session, removes the entries that are
#          not bans in force (never IOS_SENTINEL) and adds the missing ones
#   alert, fraud, audit: nothing (exit 0)
# IPv6 goes to the group IOS_GROUP6 with entries "host 2001:db8::5" and
# "2001:db8::/48"; without IOS_GROUP6, IPv6 decisions are skipped (exit 0).
# IOS keeps no expiry per entry: the unban removes it. Only validated
# addresses, masks and the group names are ever written to the session.
# A line of the router's answer starting with "%" (an IOS error) fails the
# run (exit 1), except for an unban, where it is reported and ignored (the
# entry was probably not there).
#
# Settings (environment variables of these names, or KEY=VALUE lines in the
# --settings file, which win; the file is parsed, never sourced):
#   IOS_SSH_TARGET       user@router, a privilege 15 user  [placeholder secast@192.0.2.3]
#   IOS_SSH_PORT         [default 22]
#   IOS_SSH_IDENTITY     private key file (else ssh's defaults)
#   IOS_SSH_KNOWN_HOSTS  known_hosts file holding the router's host key
#                        (else ssh's default); the host key is always checked
#   IOS_SSH_TIMEOUT      connect timeout, seconds [default 10]
#   IOS_GROUP            IPv4 object group        [default SECAST-BLOCK]
#   IOS_GROUP6           IPv6 object group        [default none: IPv6 skipped]
#   IOS_SENTINEL         an entry kept in the IPv4 group so that it is never
#                        empty (IOS refuses to empty a group an ACL uses)
#                        [default 192.0.2.255, never a real source]
#   IOS_SENTINEL6        the same for IOS_GROUP6 [default 2001:db8:ffff:ffff::ffff]
#   IOS_WRITE_MEMORY     yes to save the configuration after each change
#                        [default no: the next sync restores a rebooted router]
# The placeholder is used only with --dry-run; a real run without
# IOS_SSH_TARGET exits 2.
#
# Router side, once (IPv4; the numbers are an example):
#   object-group network SECAST-BLOCK
#    host 192.0.2.255
#   ip access-list extended OUTSIDE-IN
#    5 deny ip object-group SECAST-BLOCK any
#   interface GigabitEthernet0/0/0
#    ip access-group OUTSIDE-IN in
#   username secast privilege 15 secret ...
#   ip ssh pubkey-chain  (then the handler's public key for user secast)
# For IPv6, an IPv6 object group (IOS XE "IPv6 Object Groups for ACLs")
# holding 2001:db8:ffff:ffff::ffff and "deny ipv6 object-group NAME any" in
# the interface's IPv6 access list.
#
# --dry-run prints the ssh command line and the session's standard input
# (between "--- stdin ---" and "--- end of stdin ---") and runs nothing.
# For a sync, the router's answer to the show command is taken from
# --dry-run-state FILE (a recorded session), or is empty.
#
# Decision variables: SECAST_ACTION, SECAST_IP, SECAST_CIDR, SECAST_FAMILY
# (others are validated and ignored); a sync reads SECAST_SYNC_FILE, one ban
# per line: "CIDR DURATION|permanent RULE" (a line with duration 0 is left out).
#
# Exit codes: 0 done or nothing to do; 1 ssh failed or IOS answered with an
# error (retry); 2 bad decision, settings or arguments.

set -uf
PROG=cisco-ios
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) || exit 2
# shellcheck source=secast-handler-lib.sh
. "$HERE/secast-handler-lib.sh"
exec 3>&1

IOS_SSH_TARGET=${IOS_SSH_TARGET-}
IOS_SSH_PORT=${IOS_SSH_PORT-22}
IOS_SSH_IDENTITY=${IOS_SSH_IDENTITY-}
IOS_SSH_KNOWN_HOSTS=${IOS_SSH_KNOWN_HOSTS-}
IOS_SSH_TIMEOUT=${IOS_SSH_TIMEOUT-10}
IOS_GROUP=${IOS_GROUP-SECAST-BLOCK}
IOS_GROUP6=${IOS_GROUP6-}
IOS_SENTINEL=${IOS_SENTINEL-192.0.2.255}
IOS_SENTINEL6=${IOS_SENTINEL6-2001:db8:ffff:ffff::ffff}
IOS_WRITE_MEMORY=${IOS_WRITE_MEMORY-no}

handler_setting() {
	case $1 in
	IOS_SSH_TARGET) IOS_SSH_TARGET=$2 ;;
	IOS_SSH_PORT) IOS_SSH_PORT=$2 ;;
	IOS_SSH_IDENTITY) IOS_SSH_IDENTITY=$2 ;;
	IOS_SSH_KNOWN_HOSTS) IOS_SSH_KNOWN_HOSTS=$2 ;;
	IOS_SSH_TIMEOUT) IOS_SSH_TIMEOUT=$2 ;;
	IOS_GROUP) IOS_GROUP=$2 ;;
	IOS_GROUP6) IOS_GROUP6=$2 ;;
	IOS_SENTINEL) IOS_SENTINEL=$2 ;;
	IOS_SENTINEL6) IOS_SENTINEL6=$2 ;;
	IOS_WRITE_MEMORY) IOS_WRITE_MEMORY=$2 ;;
	*) return 1 ;;
	esac
}
handler_usage() { secast_print_header "$0"; }

check_settings() {
	[ "$DRY_RUN" -eq 0 ] || : "${IOS_SSH_TARGET:=secast@192.0.2.3}"
	[ -n "$IOS_SSH_TARGET" ] || secast_die_input "IOS_SSH_TARGET is not set"
	secast_is_ssh_target "$IOS_SSH_TARGET" || secast_die_input "IOS_SSH_TARGET must be user@host"
	secast_need_port IOS_SSH_PORT "$IOS_SSH_PORT"
	[ -z "$IOS_SSH_IDENTITY" ] || secast_is_path "$IOS_SSH_IDENTITY" ||
		secast_die_input "IOS_SSH_IDENTITY must be a plain file name"
	[ -z "$IOS_SSH_KNOWN_HOSTS" ] || secast_is_path "$IOS_SSH_KNOWN_HOSTS" ||
		secast_die_input "IOS_SSH_KNOWN_HOSTS must be a plain file name"
	secast_need_seconds IOS_SSH_TIMEOUT "$IOS_SSH_TIMEOUT"
	secast_is_name "$IOS_GROUP" || secast_die_input "IOS_GROUP must match [A-Za-z0-9_.-]+"
	[ -z "$IOS_GROUP6" ] || secast_is_name "$IOS_GROUP6" ||
		secast_die_input "IOS_GROUP6 must match [A-Za-z0-9_.-]+"
	case $IOS_SENTINEL in */*) secast_die_input "IOS_SENTINEL must be a single IPv4 address" ;; esac
	[ "$(secast_addr_key "$IOS_SENTINEL")" = "ipv4-$IOS_SENTINEL/32" ] ||
		secast_die_input "IOS_SENTINEL must be a single IPv4 address"
	case $(secast_addr_key "$IOS_SENTINEL6") in
	ipv6-*/128) ;;
	*) secast_die_input "IOS_SENTINEL6 must be a single IPv6 address" ;;
	esac
	secast_is_yesno "$IOS_WRITE_MEMORY" || secast_die_input "IOS_WRITE_MEMORY must be yes or no"
}

# ios_session INPUT: one SSH session fed INPUT; prints the router's answer.
ios_session() {
	set -- -p "$IOS_SSH_PORT" -- "$IOS_SSH_TARGET"
	[ -z "$IOS_SSH_IDENTITY" ] || set -- -i "$IOS_SSH_IDENTITY" -o IdentitiesOnly=yes "$@"
	[ -z "$IOS_SSH_KNOWN_HOSTS" ] || set -- -o "UserKnownHostsFile=$IOS_SSH_KNOWN_HOSTS" "$@"
	set -- -T -o BatchMode=yes -o "ConnectTimeout=$IOS_SSH_TIMEOUT" -o StrictHostKeyChecking=yes "$@"
	if [ "$DRY_RUN" -eq 1 ]; then
		printf 'ssh' >&3
		printf ' %s' "$@" >&3
		printf '\n--- stdin ---\n%s--- end of stdin ---\n' "$_is_input" >&3
		return 0
	fi
	printf '%s' "$_is_input" | ssh "$@" 2>&1 ||
		secast_die_send "ssh $IOS_SSH_TARGET failed (exit $?)"
}

# ios_entry FAMILY HOST PREFIX: the object-group line for an address.
ios_entry() {
	if [ "$1" = ipv6 ]; then
		if [ "$3" = 128 ]; then echo "host $2"; else echo "$2"; fi
		return
	fi
	if [ "$3" = 32 ]; then
		echo "host $2"
		return
	fi
	_ie_m=$(($3 == 0 ? 0 : (0xffffffff << (32 - $3)) & 0xffffffff))
	echo "${2%/*} $((_ie_m >> 24 & 255)).$((_ie_m >> 16 & 255)).$((_ie_m >> 8 & 255)).$((_ie_m & 255))"
}

group_of() { if [ "$1" = ipv6 ]; then echo "$IOS_GROUP6"; else echo "$IOS_GROUP"; fi; }

# configure LINES: one configuration session; LINES end with a newline.
configure() {
	_is_input="configure terminal
$1end
"
	[ "$IOS_WRITE_MEMORY" = no ] || _is_input="${_is_input}write memory
"
	_is_input="${_is_input}exit
"
	_cf_out=$(ios_session) || exit "$?"
	[ "$DRY_RUN" -eq 1 ] && return 0
	_cf_err=$(printf '%s\n' "$_cf_out" | tr -d '\r' | grep '^%' || true)
	if [ -n "$_cf_err" ]; then
		_cf_err=$(printf '%s\n' "$_cf_err" | secast_text_stdin)
		[ "$D_ACTION" = unban ] || secast_die_send "IOS answered: $_cf_err"
		secast_say "IOS answered (ignored for an unban): $_cf_err"
	fi
}

skip_ipv6_without_group() {
	if [ "$D_FAMILY" = ipv6 ] && [ -z "$IOS_GROUP6" ]; then
		secast_say "IOS_GROUP6 is not set: IPv6 $D_ACTION of $D_HOST skipped"
		exit 0
	fi
}

do_ban() {
	secast_require target
	skip_ipv6_without_group
	configure "object-group network $(group_of "$D_FAMILY")
 $(ios_entry "$D_FAMILY" "$D_HOST" "$D_PREFIX")
"
	[ "$DRY_RUN" -eq 1 ] || echo "ban $D_HOST: added to object group $(group_of "$D_FAMILY")"
}

do_unban() {
	secast_require target
	skip_ipv6_without_group
	configure "object-group network $(group_of "$D_FAMILY")
 no $(ios_entry "$D_FAMILY" "$D_HOST" "$D_PREFIX")
"
	[ "$DRY_RUN" -eq 1 ] || echo "unban $D_HOST: removed from object group $(group_of "$D_FAMILY")"
}

# group_entries GROUP FAMILY: reads "show running-config" output on stdin;
# prints "KEY LINE" for each address entry of the group (LINE without the
# leading space, spaces as "_" so that it stays one field).
group_entries() {
	tr -d '\r' | secast_awk '
	function mask_len(m,   w, i, n, v, b, seen0) {
		if (!ipv4_ok(m, w)) return -1
		n = 0; seen0 = 0
		for (i = 1; i <= 4; i++) {
			v = w[i]
			for (b = 128; b >= 1; b = b / 2) {
				if (v >= b) { if (seen0) return -1; n++; v -= b } else seen0 = 1
			}
		}
		return n
	}
	BEGIN { init_ord() }
	$0 == "object-group network " group { ingroup = 1; next }
	ingroup && substr($0, 1, 1) != " " { ingroup = 0 }
	ingroup {
		line = substr($0, 2)
		if ($1 == "host" && NF == 2) a = $2
		else if (NF == 1 && fam == "ipv6") a = $1
		else if (NF == 2 && fam == "ipv4" && (l = mask_len($2)) >= 0) a = $1 "/" l
		else next
		if (!addr_check(a, 0) || A_FAM != fam) next
		gsub(/ /, "_", line)
		print A_KEY, line
	}' group="$1" fam="$2"
}

do_sync() {
	secast_require sync_file
	_bans=$(secast_sync_entries "$D_SYNC_FILE") || exit "$?"
	_fams=ipv4
	[ -z "$IOS_GROUP6" ] || _fams="ipv4 ipv6"
	_show="terminal length 0
show running-config | section object-group network $IOS_GROUP
"
	[ -z "$IOS_GROUP6" ] || _show="${_show}show running-config | section object-group network $IOS_GROUP6
"
	_is_input="${_show}exit
"
	if [ "$DRY_RUN" -eq 1 ]; then
		ios_session
		_running=$(secast_dry_state)
	else
		_running=$(ios_session) || exit "$?"
	fi
	_lines=
	for _fam in $_fams; do
		_group=$(group_of "$_fam")
		if [ "$_fam" = ipv6 ]; then _sent=$(secast_addr_key "$IOS_SENTINEL6"); else _sent=$(secast_addr_key "$IOS_SENTINEL"); fi
		_have=$(printf '%s\n' "$_running" | group_entries "$_group" "$_fam")
		_want=$(printf '%s\n' "$_bans" | awk -v fam="$_fam" '$1 == fam && $4 != "0"')
		_changes=$(
			{
				printf '%s\n' "$_have"
				echo %%
				printf '%s\n' "$_want"
			} | awk -v sent="$_sent" '
			$0 == "%%" { part = 2; next }
			NF == 0 { next }
			part != 2 { have[$1] = $2; order[++nh] = $1; next }
			{ want[$6] = 1; if (!($6 in have) && !($6 in added)) { adds[++na] = $1 " " $2 " " $3; added[$6] = 1 } }
			END {
				for (i = 1; i <= nh; i++) { k = order[i]; if (!(k in want) && k != sent && !(k in gone)) { l = have[k]; gsub(/_/, " ", l); print "no " l; gone[k] = 1 } }
				for (i = 1; i <= na; i++) print "ADD " adds[i]
			}')
		_body=
		while read -r _c1 _c2 _c3 _c4; do
			case $_c1 in
			'') ;;
			ADD) _body="$_body $(ios_entry "$_c2" "$_c3" "$_c4")
" ;;
			*) _body="$_body $_c1 $_c2${_c3:+ $_c3}${_c4:+ $_c4}
" ;;
			esac
		done <<EOF
$_changes
EOF
		[ -z "$_body" ] || _lines="${_lines}object-group network $_group
$_body"
	done
	if [ -z "$_lines" ]; then
		[ "$DRY_RUN" -eq 1 ] || echo "sync: object groups already match"
		return 0
	fi
	configure "$_lines"
	[ "$DRY_RUN" -eq 1 ] || echo "sync: object groups updated"
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
