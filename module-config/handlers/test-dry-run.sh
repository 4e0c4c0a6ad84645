#!/bin/sh
# test-dry-run.sh - runs every sample handler with --dry-run against recorded
# decisions and compares what it prints (standard output, standard error
# and the exit code) with expected/CASE.txt.
#
# Usage:
#   test-dry-run.sh              run all cases; prints "N passed, N failed"
#   test-dry-run.sh CASE...      run only the named cases
#   test-dry-run.sh --update     rewrite expected/ from the current output
#                                (then review the diff before committing)
#
# Environment:
#   SECAST_TEST_SHELL  shell that runs the samples [default sh]
#   SECAST_TEST_PATH   directories put before /usr/bin:/bin for the samples,
#                      e.g. one holding an "awk" link to gawk or busybox
#
# A case is a line of the table at the end: NAME SAMPLE DECISION [ARG...].
# DECISION is a file of testdata/ with one variable per line: KEY=VALUE
# (taken literally) or KEY%=FORMAT (the value is printf FORMAT, for bytes
# and line breaks). Each sample runs in an empty environment (env -i) plus
# PATH and those variables, from this directory, with --dry-run and ARGs.
# After all cases the test also checks that no sample created
# "pwned-marker" (the attacker text of testdata/attacker-account.env tries).
#
# Exit codes: 0 all passed; 1 a case failed; 2 bad usage.

set -uf
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) || exit 2
cd "$HERE" || exit 2

UPDATE=0
ONLY=
for arg in "$@"; do
	case $arg in
	--update) UPDATE=1 ;;
	--help | -h)
		awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
		exit 0
		;;
	-*)
		echo "usage: $0 [--update] [CASE...]" >&2
		exit 2
		;;
	*) ONLY="$ONLY $arg " ;;
	esac
done

TEST_SHELL=${SECAST_TEST_SHELL:-sh}
TEST_PATH=${SECAST_TEST_PATH:+$SECAST_TEST_PATH:}/usr/bin:/bin
TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT INT TERM
rm -f pwned-marker

# run_case SAMPLE DECISION [ARG...]: prints the case's result document.
# The ARGs are plain words (no blanks), as in the table below.
run_case() {
	_sample=$1
	_decision=testdata/$2
	shift 2
	_args=$*
	set --
	while IFS= read -r _line || [ -n "$_line" ]; do
		case $_line in
		'' | '#'*) continue ;;
		*%=*)
			# shellcheck disable=SC2059 # the format is the test data
			set -- "$@" "${_line%%\%=*}=$(printf "${_line#*%=}")"
			;;
		*) set -- "$@" "$_line" ;;
		esac
	done <"$_decision"
	# shellcheck disable=SC2086 # split on purpose (set -f is in force)
	set -- "$@" $TEST_SHELL "./$_sample" --dry-run $_args
	env -i PATH="$TEST_PATH" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	_rc=$?
	printf 'exit: %s\n--- stdout ---\n' "$_rc"
	cat "$TMP/out"
	printf -- '--- stderr ---\n'
	cat "$TMP/err"
}

pass=0
fail=0
mkdir -p expected
while read -r name sample decision args; do
	case $name in '' | '#'*) continue ;; esac
	case $ONLY in '' | *" $name "*) ;; *) continue ;; esac
	# shellcheck disable=SC2086 # ARGs are plain words, split on purpose
	(run_case "$sample" "$decision" $args) >"$TMP/result"
	if [ "$UPDATE" -eq 1 ]; then
		cp "$TMP/result" "expected/$name.txt"
		echo "updated $name"
		continue
	fi
	if [ ! -f "expected/$name.txt" ]; then
		echo "FAIL $name: no expected/$name.txt"
		fail=$((fail + 1))
	elif diff -u "expected/$name.txt" "$TMP/result" >"$TMP/diff"; then
		pass=$((pass + 1))
	else
		echo "FAIL $name:"
		cat "$TMP/diff"
		fail=$((fail + 1))
	fi
done <<'CASES'
# name                        sample                decision                 arguments
mikrotik-ban-ipv4             mikrotik-routeros.sh  ban-ipv4.env
mikrotik-ban-ipv4-listed      mikrotik-routeros.sh  ban-ipv4.env             --dry-run-state testdata/routeros-state.json
mikrotik-ban-ipv6-permanent   mikrotik-routeros.sh  ban-ipv6-permanent.env   --dry-run-state testdata/routeros-state.json
mikrotik-ban-ipv6-host        mikrotik-routeros.sh  ban-ipv6-host.env
mikrotik-ban-settings         mikrotik-routeros.sh  ban-ipv4.env             --settings testdata/routeros-settings.conf
mikrotik-unban                mikrotik-routeros.sh  unban-ipv4.env           --dry-run-state testdata/routeros-state.json
mikrotik-unban-not-listed     mikrotik-routeros.sh  unban-ipv4.env
mikrotik-sync                 mikrotik-routeros.sh  sync.env                 --dry-run-state testdata/routeros-state.json
mikrotik-sync-capped          mikrotik-routeros.sh  sync.env                 --settings testdata/routeros-settings.conf
mikrotik-alert                mikrotik-routeros.sh  alert-ipv4.env
pfsense-ban-ipv4              pfsense-pf.sh         ban-ipv4.env
pfsense-ban-ipv6-permanent    pfsense-pf.sh         ban-ipv6-permanent.env
pfsense-ban-settings          pfsense-pf.sh         ban-ipv4.env             --settings testdata/pf-settings.conf
pfsense-unban                 pfsense-pf.sh         unban-ipv4.env
pfsense-sync                  pfsense-pf.sh         sync.env
pfsense-alert                 pfsense-pf.sh         alert-ipv4.env
cisco-ban-ipv4                cisco-ios.sh          ban-ipv4.env
cisco-ban-ipv6-no-group       cisco-ios.sh          ban-ipv6-permanent.env
cisco-ban-ipv6-network        cisco-ios.sh          ban-ipv6-permanent.env   --settings testdata/ios-settings.conf
cisco-ban-ipv6-host           cisco-ios.sh          ban-ipv6-host.env        --settings testdata/ios-settings.conf
cisco-unban                   cisco-ios.sh          unban-ipv4.env
cisco-sync-empty              cisco-ios.sh          sync.env
cisco-sync                    cisco-ios.sh          sync.env                 --settings testdata/ios-settings.conf --dry-run-state testdata/ios-running-config.txt
webhook-ban-ipv4              webhook-json.sh       ban-ipv4.env
webhook-ban-ipv6-permanent    webhook-json.sh       ban-ipv6-permanent.env
webhook-unban                 webhook-json.sh       unban-ipv4.env
webhook-alert-attacker-text   webhook-json.sh       attacker-account.env
webhook-audit                 webhook-json.sh       audit.env
webhook-fraud                 webhook-json.sh       fraud.env
webhook-sync                  webhook-json.sh       sync.env                 --settings testdata/webhook-settings.conf
mail-ban-ipv4                 mail-admin.sh         ban-ipv4.env
mail-ban-ipv6-permanent       mail-admin.sh         ban-ipv6-permanent.env   --settings testdata/mail-settings.conf
mail-alert-attacker-text      mail-admin.sh         attacker-account.env
mail-audit                    mail-admin.sh         audit.env
mail-fraud                    mail-admin.sh         fraud.env
mail-sync                     mail-admin.sh         sync.env
apiban-ban-ipv4               apiban-report.sh      ban-ipv4.env
apiban-ban-ipv6-host          apiban-report.sh      ban-ipv6-host.env
apiban-alert-shared-account   apiban-report.sh      attacker-account.env     --settings testdata/apiban-share.conf
apiban-alert-not-listed       apiban-report.sh      alert-ipv4.env
apiban-ban-network            apiban-report.sh      ban-ipv6-permanent.env
apiban-ban-private            apiban-report.sh      ban-private.env
reject-ip                     pfsense-pf.sh         bad-ip.env
reject-cidr-host-bits         mikrotik-routeros.sh  bad-cidr-hostbits.env
reject-family                 cisco-ios.sh          bad-family.env
reject-duration               mikrotik-routeros.sh  bad-duration.env
reject-rule                   webhook-json.sh       bad-rule.env
reject-action                 mail-admin.sh         bad-action.env
reject-zone-id                pfsense-pf.sh         bad-zone.env
reject-missing-duration       mikrotik-routeros.sh  missing-duration.env
reject-sync-line              pfsense-pf.sh         bad-sync.env
reject-settings-unknown       pfsense-pf.sh         ban-ipv4.env             --settings testdata/bad-settings-unknown.conf
reject-settings-value         pfsense-pf.sh         ban-ipv4.env             --settings testdata/bad-settings-value.conf
reject-settings-ssh-option    pfsense-pf.sh         ban-ipv4.env             --settings testdata/bad-settings-target.conf
reject-settings-mail-header   mail-admin.sh         ban-ipv4.env             --settings testdata/bad-mail-settings.conf
reject-argument               webhook-json.sh       ban-ipv4.env             --verbose
CASES

if [ -e pwned-marker ]; then
	echo "FAIL: a sample ran attacker text: pwned-marker exists"
	rm -f pwned-marker
	fail=$((fail + 1))
fi
[ "$UPDATE" -eq 1 ] && exit 0
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
