#!/bin/sh
# mail-admin.sh - res_secast sample handler: mails each decision to the
# administrator through the local sendmail (Postfix, Exim, msmtp, ...).
#
# Usage:
#   mail-admin.sh [--settings FILE] [--dry-run]
#   mail-admin.sh --help
#
# Acts on ban, unban, alert, fraud and audit; sync is not mailed (exit 0).
# Runs: MAIL_SENDMAIL -t -i -f MAIL_FROM, with the message on standard input:
#   From: MAIL_FROM
#   To: MAIL_TO
#   Subject: [secast] ban 203.0.113.5 (brute_force) on pbx1.example.com
#   Auto-Submitted: auto-generated
#   MIME-Version: 1.0
#   Content-Type: text/plain; charset=UTF-8
#   Content-Transfer-Encoding: 8bit
#
#   res_secast on pbx1.example.com: ban
#   Address:  203.0.113.5 (203.0.113.5/32, ipv4)
#   ... one line per variable that is set ...
# The headers hold only validated values (action, address, rule, node and
# the configured addresses). The free text (account, reason; the account
# name is chosen by the attacker) is only in the body, on one line each:
# control characters become "?", bytes that are not UTF-8 become U+FFFD.
# sendmail adds Date and Message-ID.
#
# Settings (environment variables of these names, or KEY=VALUE lines in the
# --settings file, which win; the file is parsed, never sourced):
#   MAIL_TO        recipients, comma-separated   [placeholder security@example.com]
#   MAIL_FROM      sender                        [placeholder secast@example.com]
#   MAIL_SENDMAIL  sendmail program              [default /usr/sbin/sendmail]
# The placeholders are used only with --dry-run; a real run without MAIL_TO
# or MAIL_FROM exits 2. Addresses are plain (user@domain), no display names.
#
# --dry-run prints the sendmail command line and the message (between
# "--- stdin ---" and "--- end of stdin ---") and sends nothing.
#
# Decision variables: all SECAST_* variables.
#
# Exit codes: 0 handed to sendmail, or nothing to do; 1 sendmail failed
# (retry); 2 bad decision, settings or arguments.

set -uf
PROG=mail-admin
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) || exit 2
# shellcheck source=secast-handler-lib.sh
. "$HERE/secast-handler-lib.sh"
exec 3>&1

MAIL_TO=${MAIL_TO-}
MAIL_FROM=${MAIL_FROM-}
MAIL_SENDMAIL=${MAIL_SENDMAIL-/usr/sbin/sendmail}

handler_setting() {
	case $1 in
	MAIL_TO) MAIL_TO=$2 ;;
	MAIL_FROM) MAIL_FROM=$2 ;;
	MAIL_SENDMAIL) MAIL_SENDMAIL=$2 ;;
	*) return 1 ;;
	esac
}
handler_usage() { secast_print_header "$0"; }

check_settings() {
	if [ "$DRY_RUN" -eq 1 ]; then
		: "${MAIL_TO:=security@example.com}"
		: "${MAIL_FROM:=secast@example.com}"
	fi
	[ -n "$MAIL_TO" ] || secast_die_input "MAIL_TO is not set"
	[ -n "$MAIL_FROM" ] || secast_die_input "MAIL_FROM is not set"
	_cs_ifs=$IFS
	IFS=,
	for _cs_a in $MAIL_TO; do
		IFS=$_cs_ifs
		_cs_a=${_cs_a# }
		secast_is_email "$_cs_a" || secast_die_input "MAIL_TO: '$(secast_text "$_cs_a")' is not a plain address"
	done
	IFS=$_cs_ifs
	secast_is_email "$MAIL_FROM" || secast_die_input "MAIL_FROM is not a plain address"
	case $MAIL_SENDMAIL in
	/*) secast_is_path "$MAIL_SENDMAIL" || secast_die_input "MAIL_SENDMAIL must be a plain absolute path" ;;
	*) secast_die_input "MAIL_SENDMAIL must be an absolute path" ;;
	esac
}

# line LABEL VALUE: a body line when VALUE is set (VALUE made safe).
line() {
	[ -n "$2" ] || return 0
	printf '%-9s %s\n' "$1:" "$(secast_text "$2")"
}

message() {
	_m_subject="[secast] $D_ACTION"
	[ -z "$D_HOST" ] || _m_subject="$_m_subject $D_HOST"
	[ -z "$D_RULE" ] || _m_subject="$_m_subject ($D_RULE)"
	[ -z "$D_NODE" ] || _m_subject="$_m_subject on $D_NODE"
	_m_to=$(printf '%s' "$MAIL_TO" | sed 's/, */, /g')
	printf 'From: %s\n' "$MAIL_FROM"
	printf 'To: %s\n' "$_m_to"
	printf 'Subject: %s\n' "$_m_subject"
	printf 'Auto-Submitted: auto-generated\n'
	printf 'MIME-Version: 1.0\n'
	printf 'Content-Type: text/plain; charset=UTF-8\n'
	printf 'Content-Transfer-Encoding: 8bit\n'
	printf '\n'
	printf 'res_secast on %s: %s\n\n' "${D_NODE:-this PBX}" "$D_ACTION"
	if [ -n "$D_TARGET" ]; then
		_m_cidr=$D_CIDR
		[ -n "$_m_cidr" ] || _m_cidr=$D_TARGET
		line Address "${D_IP:-$D_HOST} ($_m_cidr, $D_FAMILY)"
	fi
	if [ "$D_DURATION" = permanent ]; then
		line Duration permanent
	elif [ -n "$D_DURATION" ]; then
		line Duration "$D_DURATION seconds"
	fi
	[ "$D_UNTIL" = permanent ] || line Until "${D_UNTIL:+$D_UNTIL (unix time)}"
	line Rule "$D_RULE"
	line Reason "$D_REASON"
	line Risk "${D_RISK:+$D_RISK/100}"
	line Account "$D_ACCOUNT"
	line Country "$D_COUNTRY"
	line Offence "$D_OFFENCE"
	printf '\n-- \nres_secast mail-admin handler\n'
}

secast_main_args "$@"
[ -z "$DRY_RUN_STATE" ] || secast_die_input "--dry-run-state is not used by this handler"
secast_read_decision
if [ "$D_ACTION" = sync ]; then
	secast_say "nothing to do for 'sync'"
	exit 0
fi
check_settings
_msg=$(message) || exit 2
if [ "$DRY_RUN" -eq 1 ]; then
	printf '%s -t -i -f %s\n--- stdin ---\n%s\n--- end of stdin ---\n' \
		"$MAIL_SENDMAIL" "$MAIL_FROM" "$_msg" >&3
	exit 0
fi
printf '%s\n' "$_msg" | "$MAIL_SENDMAIL" -t -i -f "$MAIL_FROM" ||
	secast_die_send "$MAIL_SENDMAIL failed (exit $?)"
echo "$D_ACTION: mailed to $MAIL_TO"
exit 0
