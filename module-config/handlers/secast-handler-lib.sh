# secast-handler-lib.sh - shared code of the res_secast sample handlers.
#
# Sourced by the samples in this directory (keep it next to them); never run
# on its own. POSIX sh (dash, busybox sh, bash --posix) plus a POSIX awk
# (mawk, gawk, busybox awk). No eval, nothing is ever sourced from settings.
#
# What it gives a sample:
#   secast_main_args "$@"     --dry-run, --settings FILE, --dry-run-state FILE,
#                             --help; sets DRY_RUN (0|1), DRY_RUN_STATE
#   secast_read_decision      validates every SECAST_* variable (exit 2 on
#                             anything malformed) and sets D_* variables
#   secast_json ...           builds a JSON object with escaped strings
#   secast_text VALUE         a value made safe for a mail body
#   secast_sync_entries       validates SECAST_SYNC_FILE, one line per ban
#   secast_addr_key ADDR      a canonical key of an address or CIDR, for
#                             comparing what a remote device reports
#
# Exit codes shared by every sample:
#   0  done (or this decision is not one the sample acts on)
#   1  sending failed (network, remote refusal): worth retrying
#   2  bad input, bad settings or bad usage: retrying will not help

# The D_* variables set here are used by the samples that source this file.
# shellcheck shell=sh disable=SC2034
SECAST_EX_SEND=1
SECAST_EX_INPUT=2

secast_say() { printf '%s: %s\n' "$PROG" "$*" >&2; }
secast_die_input() { secast_say "$*"; exit "$SECAST_EX_INPUT"; }
secast_die_send() { secast_say "$*"; exit "$SECAST_EX_SEND"; }

# --- awk library (a constant program text; data only ever arrives through
# --- ARGV, ENVIRON or input files, never inside the program) ---------------
SECAST_AWK_LIB='
function init_ord(   i) {
	for (i = 1; i < 256; i++) ORD[sprintf("%c", i)] = i
	HEX = "0123456789abcdef"
}
function pow2(n,   v) { v = 1; while (n-- > 0) v *= 2; return v }
function is_uint(s) { return s ~ /^(0|[1-9][0-9]*)$/ }
function ipv4_ok(s, w,   n, p, i) {
	if (s !~ /^[0-9.]+$/) return 0
	n = split(s, p, ".")
	if (n != 4) return 0
	w[0] = 0
	for (i = 1; i <= 4; i++) {
		if (p[i] !~ /^(0|[1-9]|[1-9][0-9]|[1-9][0-9][0-9])$/) return 0
		if (p[i] + 0 > 255) return 0
		w[i] = p[i] + 0
	}
	return 1
}
function hex_ok(g) {
	return g ~ /^[0-9A-Fa-f]$/ || g ~ /^[0-9A-Fa-f][0-9A-Fa-f]$/ || \
	    g ~ /^[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]$/ || \
	    g ~ /^[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]$/
}
function hex_val(g,   i, v) {
	v = 0
	g = tolower(g)
	for (i = 1; i <= length(g); i++) v = v * 16 + index(HEX, substr(g, i, 1)) - 1
	return v
}
# Parses an IPv6 address (no zone, no brackets) into w[1..8] (16-bit words).
function ipv6_ok(s, w,   dc, head, tail, hn, tn, h, t, g, n, i, j, v4, q, total, p4) {
	if (s !~ /^[0-9A-Fa-f:.]+$/ || length(s) > 45) return 0
	dc = index(s, "::")
	if (dc) {
		head = substr(s, 1, dc - 1)
		tail = substr(s, dc + 2)
		if (index(tail, "::")) return 0
	} else {
		head = s
		tail = ""
	}
	hn = (head == "") ? 0 : split(head, h, ":")
	tn = (tail == "") ? 0 : split(tail, t, ":")
	# Collect the groups in order; an IPv4 tail may end the last part.
	n = 0
	for (i = 1; i <= hn; i++) { n++; g[n] = h[i]; }
	split("", q)
	v4 = 0
	for (i = 1; i <= tn; i++) { q[i] = t[i]; }
	if (dc) {
		if (tn > 0 && index(q[tn], ".")) v4 = 1
	} else if (hn > 0 && index(g[hn], ".")) v4 = 1
	total = hn + tn + v4
	if (dc ? total > 7 : total != 8) return 0
	for (i = 1; i <= 8; i++) w[i] = 0
	j = 0
	for (i = 1; i <= hn; i++) {
		if (!dc && v4 && i == hn) break
		if (!hex_ok(g[i])) return 0
		w[++j] = hex_val(g[i])
	}
	if (dc) j = 8 - tn - v4
	for (i = 1; i <= tn; i++) {
		if (v4 && i == tn) break
		if (!hex_ok(q[i])) return 0
		w[++j] = hex_val(q[i])
	}
	if (v4) {
		if (!ipv4_ok(dc ? q[tn] : g[hn], p4)) return 0
		w[7] = p4[1] * 256 + p4[2]
		w[8] = p4[3] * 256 + p4[4]
	}
	# A dot anywhere but in the last group is caught by hex_ok above.
	return 1
}
# Checks ADDR or ADDR/PREFIX. Sets A_FAM ("ipv4"|"ipv6"), A_ADDR, A_PREFIX
# (full length when absent), A_KEY (canonical). Host bits must be zero when
# a prefix is given. Returns 1 when valid.
function addr_check(s, need_prefix,   slash, a, p, w, max, i, bits, keep, v, key) {
	A_FAM = ""; A_ADDR = ""; A_PREFIX = ""; A_KEY = ""
	slash = index(s, "/")
	if (slash) {
		a = substr(s, 1, slash - 1)
		p = substr(s, slash + 1)
		if (!is_uint(p) || length(p) > 3) return 0
		p = p + 0
	} else {
		if (need_prefix) return 0
		a = s
		p = ""
	}
	split("", w)
	if (ipv4_ok(a, w)) {
		A_FAM = "ipv4"; max = 32
		if (p == "") p = 32
		if (p + 0 > 32) return 0
		v = ((w[1] * 256 + w[2]) * 256 + w[3]) * 256 + w[4]
		if (v % pow2(32 - p) != 0) return 0
		key = w[1] "." w[2] "." w[3] "." w[4]
	} else if (ipv6_ok(a, w)) {
		A_FAM = "ipv6"; max = 128
		if (p == "") p = 128
		if (p + 0 > 128) return 0
		key = ""
		for (i = 1; i <= 8; i++) {
			bits = (i - 1) * 16
			if (p <= bits) keep = 0
			else if (p >= bits + 16) keep = 16
			else keep = p - bits
			if (w[i] % pow2(16 - keep) != 0) return 0
			key = key (i > 1 ? ":" : "") sprintf("%x", w[i])
		}
	} else return 0
	A_ADDR = a
	A_PREFIX = p + 0
	A_KEY = A_FAM "-" key "/" A_PREFIX
	return 1
}
function duration_ok(s) { return s == "permanent" || (s ~ /^[1-9][0-9]*$/ && length(s) <= 10) }
function rule_ok(s) { return s ~ /^[a-z0-9][a-z0-9_.-]*$/ && length(s) <= 64 }
# JSON string literal (with quotes) of s: escapes, and invalid UTF-8 bytes
# replaced by U+FFFD so that the document is always valid JSON.
function json_str(s,   out, i, n, c, b, len, ok, b2, k) {
	out = "\""
	n = length(s)
	i = 1
	while (i <= n) {
		c = substr(s, i, 1)
		b = ORD[c]
		if (b < 128) {
			if (c == "\"") out = out "\\\""
			else if (c == "\\") out = out "\\\\"
			else if (b == 10) out = out "\\n"
			else if (b == 13) out = out "\\r"
			else if (b == 9) out = out "\\t"
			else if (b < 32 || b == 127) out = out sprintf("\\u%04x", b)
			else out = out c
			i++
			continue
		}
		len = utf8_len(s, i, n)
		if (len) { out = out substr(s, i, len); i += len }
		else { out = out "\\ufffd"; i++ }
	}
	return out "\""
}
# Length of the valid UTF-8 sequence starting at byte i of s, 0 if invalid.
function utf8_len(s, i, n,   b, len, lo, hi, k, c) {
	b = ORD[substr(s, i, 1)]
	lo = 128; hi = 191
	if (b >= 194 && b <= 223) len = 2
	else if (b >= 224 && b <= 239) {
		len = 3
		if (b == 224) lo = 160
		if (b == 237) hi = 159
	} else if (b >= 240 && b <= 244) {
		len = 4
		if (b == 240) lo = 144
		if (b == 244) hi = 143
	} else return 0
	if (i + len - 1 > n) return 0
	for (k = 1; k < len; k++) {
		c = ORD[substr(s, i + k, 1)]
		if (k == 1) { if (c < lo || c > hi) return 0 }
		else if (c < 128 || c > 191) return 0
	}
	return len
}
# Text for a mail body or a log line: valid UTF-8 kept, control characters
# shown as "?", invalid bytes as U+FFFD; never a line break.
function safe_text(s,   out, i, n, c, b, len) {
	out = ""
	n = length(s)
	i = 1
	while (i <= n) {
		c = substr(s, i, 1)
		b = ORD[c]
		if (b < 128) {
			out = out ((b < 32 || b == 127) ? "?" : c)
			i++
		} else {
			len = utf8_len(s, i, n)
			if (len) { out = out substr(s, i, len); i += len }
			else { out = out "\357\277\275"; i++ }
		}
	}
	return out
}
'

# secast_awk PROGRAM [ARG...]: the library plus PROGRAM, arguments raw in
# ARGV (after "--", so no argument is ever taken as an awk option).
secast_awk() {
	_sa_prog=$1
	shift
	LC_ALL=C awk -- "$SECAST_AWK_LIB
$_sa_prog" "$@"
}

# --- value checks (return 0 when valid) ------------------------------------
secast_is_addr() {   # ADDR or ADDR/PREFIX, either family
	secast_awk 'BEGIN { init_ord(); exit !addr_check(ARGV[1], 0) }' "$1"
}
secast_is_duration() {
	case $1 in
	permanent) return 0 ;;
	'' | 0* | *[!0-9]*) return 1 ;;
	esac
	[ "${#1}" -le 10 ]
}
secast_is_rule() {
	case $1 in '' | [!a-z0-9]* | *[!a-z0-9_.-]*) return 1 ;; esac
	[ "${#1}" -le 64 ]
}
secast_is_uint() {
	case $1 in '' | *[!0-9]*) return 1 ;; 0?*) return 1 ;; esac
	[ "${#1}" -le 12 ]
}
# A name used on a remote device (table, address list, object group).
secast_is_name() {
	case $1 in '' | -* | *[!A-Za-z0-9_.-]*) return 1 ;; esac
	[ "${#1}" -le 63 ]
}
# user@host for ssh: never starts with "-", no spaces, no shell syntax.
secast_is_ssh_target() {
	case $1 in
	-* | @* | *@ | *@*@* | *[!A-Za-z0-9_.@:-]*) return 1 ;;
	*@*) return 0 ;;
	esac
	return 1
}
# An http(s) URL without spaces, quotes, backslashes or shell syntax.
secast_is_url() {
	secast_awk 'BEGIN {
		re = "^https?://[]A-Za-z0-9._~:/?#@!&*+,;=%[-]+$"
		exit !(ARGV[1] ~ re && length(ARGV[1]) <= 2000)
	}' "$1"
}
# A local file name given to ssh or curl: plain characters only (ssh splits
# some -o values on blanks).
secast_is_path() {
	case $1 in '' | -* | *[!A-Za-z0-9_./-]*) return 1 ;; esac
	return 0
}
secast_is_email() {   # a plain address, nothing a header could be built from
	case $1 in
	*@*@* | @* | *@ | *[!A-Za-z0-9._%+@-]* | -*) return 1 ;;
	*@*.*) return 0 ;;
	esac
	return 1
}
secast_is_yesno() { case $1 in yes | no) return 0 ;; esac; return 1; }

# secast_need_seconds NAME VALUE / secast_need_port NAME VALUE: exit 2
# unless VALUE is a number of seconds (1 or more) / a port number.
secast_need_seconds() {
	if ! secast_is_uint "$2" || [ "$2" -lt 1 ]; then
		secast_die_input "$1 must be a number of seconds"
	fi
}
secast_need_port() {
	if ! secast_is_uint "$2" || [ "$2" -lt 1 ] || [ "$2" -gt 65535 ]; then
		secast_die_input "$1 must be a port number"
	fi
}

# --- arguments and settings -------------------------------------------------
# The sample defines handler_setting KEY VALUE (returns 1 for an unknown key)
# and handler_usage. Settings come from the environment (same names) and
# then from --settings FILE, which wins.
secast_main_args() {
	DRY_RUN=0
	DRY_RUN_STATE=
	_ma_settings=
	while [ "$#" -gt 0 ]; do
		case $1 in
		--dry-run) DRY_RUN=1 ;;
		--settings)
			[ "$#" -ge 2 ] || secast_die_input "--settings needs a file"
			_ma_settings=$2
			shift
			;;
		--settings=*) _ma_settings=${1#--settings=} ;;
		--dry-run-state)
			[ "$#" -ge 2 ] || secast_die_input "--dry-run-state needs a file"
			DRY_RUN_STATE=$2
			shift
			;;
		--help | -h)
			handler_usage
			exit 0
			;;
		*) secast_die_input "unknown argument '$(secast_text "$1")' (try --help)" ;;
		esac
		shift
	done
	if [ -n "$DRY_RUN_STATE" ] && [ "$DRY_RUN" -ne 1 ]; then
		secast_die_input "--dry-run-state is only meaningful with --dry-run"
	fi
	if [ -n "$DRY_RUN_STATE" ] && [ ! -r "$DRY_RUN_STATE" ]; then
		secast_die_input "cannot read --dry-run-state file '$(secast_text "$DRY_RUN_STATE")'"
	fi
	[ -z "$_ma_settings" ] || secast_load_settings "$_ma_settings"
}

# Prints the leading comment block of the sample (its documentation).
secast_print_header() {
	awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$1"
}

secast_load_settings() {
	if [ ! -f "$1" ] || [ ! -r "$1" ]; then
		secast_die_input "cannot read settings file '$(secast_text "$1")'"
	fi
	_ls_n=0
	_ls_cr=$(printf '\r')
	while IFS= read -r _ls_line || [ -n "$_ls_line" ]; do
		_ls_n=$((_ls_n + 1))
		_ls_line=${_ls_line%"$_ls_cr"}
		# leading blanks are allowed; blank lines and # comments are skipped
		_ls_line=${_ls_line#"${_ls_line%%[! 	]*}"}
		case $_ls_line in '' | '#'*) continue ;; esac
		case $_ls_line in
		*=*) ;;
		*) secast_die_input "settings line $_ls_n: expected KEY=VALUE" ;;
		esac
		_ls_key=${_ls_line%%=*}
		_ls_val=${_ls_line#*=}
		case $_ls_key in
		'' | [0-9]* | *[!A-Z0-9_]*) secast_die_input "settings line $_ls_n: bad key '$(secast_text "$_ls_key")'" ;;
		esac
		handler_setting "$_ls_key" "$_ls_val" ||
			secast_die_input "settings line $_ls_n: unknown setting $_ls_key"
	done <"$1"
}

# --- the decision -------------------------------------------------------------
# Validates the SECAST_* environment. Every variable, when set and not empty,
# must be well formed; which ones are required depends on the action and is
# checked by secast_require. Sets:
#   D_ACTION D_IP D_CIDR D_FAMILY D_DURATION D_UNTIL D_RULE D_REASON D_RISK
#   D_ACCOUNT D_COUNTRY D_OFFENCE D_NODE D_SYNC_FILE
#   D_TARGET  the address to act on: D_CIDR, else D_IP
#   D_HOST    D_TARGET without a full-length prefix (203.0.113.5, not /32)
#   D_PREFIX  prefix length of D_TARGET
secast_read_decision() {
	D_ACTION=${SECAST_ACTION-}
	case $D_ACTION in
	ban | unban | alert | fraud | audit | sync) ;;
	'') secast_die_input "SECAST_ACTION is not set" ;;
	*) secast_die_input "SECAST_ACTION must be ban, unban, alert, fraud, audit or sync" ;;
	esac
	D_IP=${SECAST_IP-}
	D_CIDR=${SECAST_CIDR-}
	D_FAMILY=${SECAST_FAMILY-}
	D_DURATION=${SECAST_DURATION-}
	D_UNTIL=${SECAST_UNTIL-}
	D_RULE=${SECAST_RULE-}
	D_REASON=${SECAST_REASON-}
	D_RISK=${SECAST_RISK-}
	D_ACCOUNT=${SECAST_ACCOUNT-}
	D_COUNTRY=${SECAST_COUNTRY-}
	D_OFFENCE=${SECAST_OFFENCE-}
	D_NODE=${SECAST_NODE-}
	D_SYNC_FILE=${SECAST_SYNC_FILE-}
	D_TARGET=
	D_HOST=
	D_PREFIX=
	# One awk run checks both addresses and their agreement.
	if [ -n "$D_IP$D_CIDR" ]; then
		_rd_out=$(secast_awk '
		BEGIN {
			init_ord()
			ip = ARGV[1]; cidr = ARGV[2]; fam = ARGV[3]
			if (ip != "") {
				if (index(ip, "/") || !addr_check(ip, 0)) { print "SECAST_IP is not an IPv4 or IPv6 address"; exit 1 }
				ipfam = A_FAM
			}
			if (cidr != "") {
				if (!addr_check(cidr, 1)) { print "SECAST_CIDR is not an address/prefix with the host bits zero"; exit 1 }
				if (ip != "" && A_FAM != ipfam) { print "SECAST_IP and SECAST_CIDR are of different families"; exit 1 }
			} else addr_check(ip, 0)
			if (fam != "" && fam != A_FAM) { print "SECAST_FAMILY does not match the address (" A_FAM ")"; exit 1 }
			full = (A_FAM == "ipv4") ? 32 : 128
			print A_FAM, A_ADDR, A_PREFIX, ((A_PREFIX == full) ? A_ADDR : A_ADDR "/" A_PREFIX)
		}' "$D_IP" "$D_CIDR" "$D_FAMILY") || secast_die_input "$_rd_out"
		# Four fields, none containing spaces (validated above).
		# shellcheck disable=SC2086 # split on purpose; set -f is in force
		set -- $_rd_out
		D_FAMILY=$1
		D_PREFIX=$3
		D_HOST=$4
		if [ -n "$D_CIDR" ]; then D_TARGET=$D_CIDR; else D_TARGET=$2/$3; fi
	else
		case $D_FAMILY in
		'' | ipv4 | ipv6) ;;
		*) secast_die_input "SECAST_FAMILY must be ipv4 or ipv6" ;;
		esac
	fi
	[ -z "$D_DURATION" ] || secast_is_duration "$D_DURATION" ||
		secast_die_input "SECAST_DURATION must be a number of seconds (1 or more) or 'permanent'"
	if [ -n "$D_UNTIL" ] && [ "$D_UNTIL" != permanent ]; then
		secast_is_uint "$D_UNTIL" || secast_die_input "SECAST_UNTIL must be unix seconds or 'permanent'"
	fi
	[ -z "$D_RULE" ] || secast_is_rule "$D_RULE" ||
		secast_die_input "SECAST_RULE must match [a-z0-9][a-z0-9_.-]*"
	if [ -n "$D_RISK" ]; then
		if ! secast_is_uint "$D_RISK" || [ "$D_RISK" -gt 100 ]; then
			secast_die_input "SECAST_RISK must be a number from 0 to 100"
		fi
	fi
	case $D_COUNTRY in
	'' | [A-Z][A-Z]) ;;
	*) secast_die_input "SECAST_COUNTRY must be a two-letter country code" ;;
	esac
	[ -z "$D_OFFENCE" ] || secast_is_uint "$D_OFFENCE" ||
		secast_die_input "SECAST_OFFENCE must be a number"
	case $D_NODE in
	*[!A-Za-z0-9_.-]* | -*) secast_die_input "SECAST_NODE must match [A-Za-z0-9_.-]+" ;;
	esac
	[ "${#D_NODE}" -le 253 ] || secast_die_input "SECAST_NODE is too long"
	# SECAST_ACCOUNT and SECAST_REASON are free text (the account name comes
	# from the attacker): only ever placed escaped (JSON) or sanitised (mail).
	return 0
}

# secast_require NAME...: each named D_ variable must be non-empty.
secast_require() {
	for _rq in "$@"; do
		case $_rq in
		target) [ -n "$D_TARGET" ] || secast_die_input "SECAST_IP or SECAST_CIDR is required for '$D_ACTION'" ;;
		duration) [ -n "$D_DURATION" ] || secast_die_input "SECAST_DURATION is required for '$D_ACTION'" ;;
		rule) [ -n "$D_RULE" ] || secast_die_input "SECAST_RULE is required for '$D_ACTION'" ;;
		sync_file)
			[ -n "$D_SYNC_FILE" ] || secast_die_input "SECAST_SYNC_FILE is required for 'sync'"
			if [ ! -f "$D_SYNC_FILE" ] || [ ! -r "$D_SYNC_FILE" ]; then
				secast_die_input "cannot read SECAST_SYNC_FILE '$(secast_text "$D_SYNC_FILE")'"
			fi
			;;
		*) secast_die_input "internal: unknown requirement $_rq" ;;
		esac
	done
}

# secast_sync_entries FILE: validates the sync file and prints one line per
# ban: "FAMILY HOST PREFIX DURATION RULE KEY" where HOST is the address
# without a full-length prefix, or address/prefix. Blank lines and lines
# starting with # are skipped. Exit 2 on the first malformed line.
#
# Sync file format (written by res_secast, one ban per line):
#   CIDR DURATION RULE
#   CIDR      address/prefix, host bits zero (203.0.113.5/32, 2001:db8::/48)
#   DURATION  seconds the ban has left, or "permanent"
#   RULE      the rule that caused it, [a-z0-9][a-z0-9_.-]*
# fields separated by one or more spaces or tabs.
secast_sync_entries() {
	secast_awk '
	BEGIN { init_ord(); prog = ARGV[1]; ARGV[1] = "" }
	/^[ \t]*(#|$)/ { next }
	{
		if (NF != 3) bad("expected: CIDR DURATION RULE")
		if (!addr_check($1, 1)) bad("not an address/prefix with the host bits zero")
		if ($2 != "0" && !duration_ok($2)) bad("duration must be seconds or permanent")
		if (!rule_ok($3)) bad("rule must match [a-z0-9][a-z0-9_.-]*")
		full = (A_FAM == "ipv4") ? 32 : 128
		host = (A_PREFIX == full) ? A_ADDR : A_ADDR "/" A_PREFIX
		print A_FAM, host, A_PREFIX, $2, $3, A_KEY
	}
	function bad(m) { printf "%s: SECAST_SYNC_FILE line %d: %s\n", prog, FNR, m > "/dev/stderr"; exit 2 }
	' "$PROG" "$1" || exit "$SECAST_EX_INPUT"
}

# secast_addr_key ADDR: canonical "family words/prefix" key, or nothing.
secast_addr_key() {
	secast_awk 'BEGIN { init_ord(); if (addr_check(ARGV[1], 0)) print A_KEY }' "$1"
}

# secast_json TYPE KEY VALUE [TYPE KEY VALUE]...: prints one JSON object.
#   s  string (escaped; an empty value gives "")
#   S  string or null when empty
#   n  number (already validated digits) or null when empty
#   r  raw JSON (already built, e.g. an array)
secast_json() {
	secast_awk '
	BEGIN {
		init_ord()
		if ((ARGC - 1) % 3 != 0) { print "secast_json: arguments come in threes" > "/dev/stderr"; exit 2 }
		out = "{"
		for (i = 1; i + 2 < ARGC; i += 3) {
			t = ARGV[i]; k = ARGV[i + 1]; v = ARGV[i + 2]
			if (t == "s") val = json_str(v)
			else if (t == "S") val = (v == "") ? "null" : json_str(v)
			else if (t == "n") val = (v == "") ? "null" : v
			else if (t == "r") val = v
			else { print "secast_json: bad type " t > "/dev/stderr"; exit 2 }
			out = out (i > 1 ? "," : "") json_str(k) ":" val
		}
		print out "}"
	}' "$@"
}

# secast_text VALUE: VALUE made safe for a log line or a mail body.
secast_text() {
	secast_awk 'BEGIN { init_ord(); print safe_text(ARGV[1]) }' "$1"
}

# secast_text_stdin: standard input, lines joined by spaces, made safe.
secast_text_stdin() {
	secast_awk '{ s = s (NR > 1 ? " " : "") $0 } END { init_ord(); print safe_text(s) }'
}

# secast_curl_quote VALUE: VALUE as a double-quoted curl config string.
# Only for values already known to hold no line break.
secast_curl_quote() {
	printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

# secast_post_json URL TOKEN CAFILE TIMEOUT BODY: one HTTPS POST of a JSON
# body with "Authorization: Bearer TOKEN" when TOKEN is set. Secrets go to
# curl through a pipe (--config -), never on a command line. In a dry run
# prints the request to fd 3 (the token is not shown) and sends nothing.
# Exit 1 when curl fails or the answer is not 2xx.
secast_post_json() {
	_pj_url=$1 _pj_tok=$2 _pj_ca=$3 _pj_to=$4 _pj_body=$5
	if [ "$DRY_RUN" -eq 1 ]; then
		printf 'POST %s\n' "$_pj_url" >&3
		printf 'User-Agent: %s\n' "$SECAST_USER_AGENT" >&3
		[ -z "$_pj_tok" ] || printf 'Authorization: Bearer (token not shown)\n' >&3
		printf 'Content-Type: application/json\n\n%s\n' "$_pj_body" >&3
		return 0
	fi
	_pj_out=$(
		{
			printf 'url = %s\n' "$(secast_curl_quote "$_pj_url")"
			printf 'request = "POST"\n'
			printf 'user-agent = %s\n' "$(secast_curl_quote "$SECAST_USER_AGENT")"
			[ -z "$_pj_tok" ] || printf 'header = %s\n' "$(secast_curl_quote "Authorization: Bearer $_pj_tok")"
			printf 'header = "Content-Type: application/json"\n'
			printf 'data-binary = %s\n' "$(secast_curl_quote "$_pj_body")"
			[ -z "$_pj_ca" ] || printf 'cacert = %s\n' "$(secast_curl_quote "$_pj_ca")"
		} | curl --config - --silent --show-error --proto '=https,http' --max-redirs 0 \
			--max-time "$_pj_to" --output /dev/null --write-out '%{http_code}'
	) || secast_die_send "POST $_pj_url: curl failed"
	case $_pj_out in
	2??) return 0 ;;
	*) secast_die_send "POST $_pj_url: HTTP $_pj_out" ;;
	esac
}
SECAST_USER_AGENT=res_secast-handler/1

# A state file's content for a dry run (what a device would have answered),
# or nothing.
secast_dry_state() {
	[ -z "$DRY_RUN_STATE" ] || cat -- "$DRY_RUN_STATE"
}
