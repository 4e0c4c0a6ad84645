#!/bin/sh
# pfsense-pf.sh - res_secast sample handler: a pf table on pfSense (or any
# pf firewall: FreeBSD, OpenBSD), changed over SSH with pfctl.
#
# Usage:
#   pfsense-pf.sh [--settings FILE] [--dry-run]
#   pfsense-pf.sh --help
#
# What it runs on the firewall, per decision (read from the SECAST_* environment):
#   ban    pfctl -t TABLE -T add ADDRESS
#          pfctl -k ADDRESS            (PF_KILL_STATES=yes: drops the states
#                                       the address already has, since pf lets
#                                       an established state pass a new block)
#   unban  pfctl -t TABLE -T delete ADDRESS
#   sync   pfctl -t TABLE -T replace -f -
#          with every ban in force on standard input, one address per line:
#          the table then holds exactly those (an empty list empties it)
#   alert, fraud, audit: nothing (exit 0)
# ADDRESS is 203.0.113.5 for a single address and 203.0.113.0/24 for a
# network; pf tables hold IPv4 and IPv6 together. pf has no expiry per table
# entry: the unban removes it. Each command is one ssh connection; the remote
# command line only ever holds pfctl, fixed options, the table name and
# validated addresses.
#
# Settings (environment variables of these names, or KEY=VALUE lines in the
# --settings file, which win; the file is parsed, never sourced):
#   PF_SSH_TARGET        user@firewall            [placeholder admin@192.0.2.2]
#   PF_SSH_PORT          [default 22]
#   PF_SSH_IDENTITY      private key file (else ssh's defaults)
#   PF_SSH_KNOWN_HOSTS   known_hosts file holding the firewall's host key
#                        (else ssh's default); the host key is always checked
#   PF_SSH_TIMEOUT       connect timeout, seconds [default 10]
#   PF_TABLE             pf table name            [default secast]
#   PF_PFCTL             pfctl on the firewall    [default /sbin/pfctl]
#   PF_SUDO              yes to run "sudo -n pfctl" for a non-root user [default no]
#   PF_KILL_STATES       yes|no                   [default yes]
# The placeholder is used only with --dry-run; a real run without
# PF_SSH_TARGET exits 2.
#
# Firewall side, once (pfSense): Firewall > Aliases, add an alias "secast"
# of type Host(s) with no entries; Firewall > Rules > WAN (or Floating), a
# block rule at the top with source "secast". pfSense loads the alias as the
# pf table <secast>. A filter reload may load the alias's own (empty)
# content back into the table: the next sync restores it, so give this
# handler "sync" with a sync_interval. SSH as admin or root runs commands
# through pfSense's /etc/rc.initial; pfSense 2.4 and older split the
# command there, so use a current pfSense or a user whose shell is /bin/sh
# (with PF_SUDO=yes and the sudo package).
#
# --dry-run prints each ssh command line it would run (and, for a sync, the
# standard input it would send between "--- stdin ---" and "--- end of
# stdin ---") and runs nothing.
#
# Decision variables: SECAST_ACTION, SECAST_IP, SECAST_CIDR, SECAST_FAMILY
# (others are validated and ignored); a sync reads SECAST_SYNC_FILE, one ban
# per line: "CIDR DURATION|permanent RULE" (a line with duration 0 is left out).
#
# Exit codes: 0 done or nothing to do; 1 ssh or pfctl failed (retry);
# 2 bad decision, settings or arguments.

set -uf
PROG=pfsense-pf
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) || exit 2
# shellcheck source=secast-handler-lib.sh
. "$HERE/secast-handler-lib.sh"
exec 3>&1

PF_SSH_TARGET=${PF_SSH_TARGET-}
PF_SSH_PORT=${PF_SSH_PORT-22}
PF_SSH_IDENTITY=${PF_SSH_IDENTITY-}
PF_SSH_KNOWN_HOSTS=${PF_SSH_KNOWN_HOSTS-}
PF_SSH_TIMEOUT=${PF_SSH_TIMEOUT-10}
PF_TABLE=${PF_TABLE-secast}
PF_PFCTL=${PF_PFCTL-/sbin/pfctl}
PF_SUDO=${PF_SUDO-no}
PF_KILL_STATES=${PF_KILL_STATES-yes}

handler_setting() {
	case $1 in
	PF_SSH_TARGET) PF_SSH_TARGET=$2 ;;
	PF_SSH_PORT) PF_SSH_PORT=$2 ;;
	PF_SSH_IDENTITY) PF_SSH_IDENTITY=$2 ;;
	PF_SSH_KNOWN_HOSTS) PF_SSH_KNOWN_HOSTS=$2 ;;
	PF_SSH_TIMEOUT) PF_SSH_TIMEOUT=$2 ;;
	PF_TABLE) PF_TABLE=$2 ;;
	PF_PFCTL) PF_PFCTL=$2 ;;
	PF_SUDO) PF_SUDO=$2 ;;
	PF_KILL_STATES) PF_KILL_STATES=$2 ;;
	*) return 1 ;;
	esac
}
handler_usage() { secast_print_header "$0"; }

check_settings() {
	[ "$DRY_RUN" -eq 0 ] || : "${PF_SSH_TARGET:=admin@192.0.2.2}"
	[ -n "$PF_SSH_TARGET" ] || secast_die_input "PF_SSH_TARGET is not set"
	secast_is_ssh_target "$PF_SSH_TARGET" || secast_die_input "PF_SSH_TARGET must be user@host"
	secast_need_port PF_SSH_PORT "$PF_SSH_PORT"
	[ -z "$PF_SSH_IDENTITY" ] || secast_is_path "$PF_SSH_IDENTITY" ||
		secast_die_input "PF_SSH_IDENTITY must be a plain file name"
	[ -z "$PF_SSH_KNOWN_HOSTS" ] || secast_is_path "$PF_SSH_KNOWN_HOSTS" ||
		secast_die_input "PF_SSH_KNOWN_HOSTS must be a plain file name"
	secast_need_seconds PF_SSH_TIMEOUT "$PF_SSH_TIMEOUT"
	if ! secast_is_name "$PF_TABLE" || [ "${#PF_TABLE}" -gt 31 ]; then
		secast_die_input "PF_TABLE must match [A-Za-z0-9_.-]+ (31 characters at most)"
	fi
	case $PF_PFCTL in
	/*) secast_is_path "$PF_PFCTL" || secast_die_input "PF_PFCTL must be a plain absolute path" ;;
	*) secast_die_input "PF_PFCTL must be an absolute path" ;;
	esac
	secast_is_yesno "$PF_SUDO" || secast_die_input "PF_SUDO must be yes or no"
	secast_is_yesno "$PF_KILL_STATES" || secast_die_input "PF_KILL_STATES must be yes or no"
}

# pf_ssh STDIN_FILE|- PFCTL_ARG...: runs pfctl on the firewall. With "-"
# ssh gets no standard input (-n); otherwise the named data is sent.
# Every argument is a validated word: ssh joins them with spaces into the
# remote command line.
pf_ssh() {
	_ps_in=$1
	shift
	if [ "$PF_SUDO" = yes ]; then
		set -- sudo -n "$PF_PFCTL" "$@"
	else
		set -- "$PF_PFCTL" "$@"
	fi
	set -- -p "$PF_SSH_PORT" -- "$PF_SSH_TARGET" "$@"
	[ -z "$PF_SSH_IDENTITY" ] || set -- -i "$PF_SSH_IDENTITY" -o IdentitiesOnly=yes "$@"
	[ -z "$PF_SSH_KNOWN_HOSTS" ] || set -- -o "UserKnownHostsFile=$PF_SSH_KNOWN_HOSTS" "$@"
	set -- -o BatchMode=yes -o "ConnectTimeout=$PF_SSH_TIMEOUT" -o StrictHostKeyChecking=yes "$@"
	[ "$_ps_in" != - ] || set -- -n "$@"
	if [ "$DRY_RUN" -eq 1 ]; then
		printf 'ssh' >&3
		printf ' %s' "$@" >&3
		printf '\n' >&3
		if [ "$_ps_in" != - ]; then
			printf -- '--- stdin ---\n' >&3
			printf '%s' "$_ps_in" >&3
			printf -- '--- end of stdin ---\n' >&3
		fi
		return 0
	fi
	if [ "$_ps_in" = - ]; then
		_ps_out=$(ssh "$@" 2>&1)
	else
		_ps_out=$(printf '%s' "$_ps_in" | ssh "$@" 2>&1)
	fi
	_ps_rc=$?
	[ -z "$_ps_out" ] || printf '%s\n' "$_ps_out" | secast_text_stdin >&3
	[ "$_ps_rc" -eq 0 ] || secast_die_send "ssh $PF_SSH_TARGET: pfctl failed (exit $_ps_rc)"
}

do_ban() {
	secast_require target
	pf_ssh - -t "$PF_TABLE" -T add "$D_HOST"
	[ "$PF_KILL_STATES" = no ] || pf_ssh - -k "$D_HOST"
	[ "$DRY_RUN" -eq 1 ] || echo "ban $D_HOST: added to pf table $PF_TABLE"
}

do_unban() {
	secast_require target
	pf_ssh - -t "$PF_TABLE" -T delete "$D_HOST"
	[ "$DRY_RUN" -eq 1 ] || echo "unban $D_HOST: deleted from pf table $PF_TABLE"
}

do_sync() {
	secast_require sync_file
	_bans=$(secast_sync_entries "$D_SYNC_FILE") || exit "$?"
	# One address per line; entries with no time left are left out.
	_list=$(printf '%s\n' "$_bans" | awk 'NF && $4 != "0" { print $2 }')
	[ -z "$_list" ] || _list=$_list'
'
	pf_ssh "$_list" -t "$PF_TABLE" -T replace -f -
	[ "$DRY_RUN" -eq 1 ] ||
		echo "sync: pf table $PF_TABLE replaced with $(printf '%s' "$_list" | awk 'END { print NR }') addresses"
}

secast_main_args "$@"
[ -z "$DRY_RUN_STATE" ] || secast_die_input "--dry-run-state is not used by this handler"
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
