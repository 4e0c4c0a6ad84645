#!/usr/bin/env bash
# Installs res_secast into the Asterisk on this machine. The module and config directories are
# asked of the running Asterisk (or read from asterisk.conf), never assumed.
#   install.sh path/to/res_secast.so path/to/secast.conf
# Env ASTMODDIR / ASTETCDIR override what is found.
set -euo pipefail
module=${1:?usage: install.sh res_secast.so secast.conf}
sample=${2:?usage: install.sh res_secast.so secast.conf}

setting() { # label in 'core show settings' output
	asterisk -rx 'core show settings' 2>/dev/null | sed -n "s/^ *$1: *//p" | head -n1
}
from_conf() { # key in [directories] of asterisk.conf
	local conf=/etc/asterisk/asterisk.conf
	[ -r "$conf" ] || return 0
	sed -n "/^\[directories\]/,/^\[/ s/^ *$1 *=>* *//p" "$conf" | head -n1
}

running=no
if command -v asterisk >/dev/null && asterisk -rx 'core show version' >/dev/null 2>&1; then
	running=yes
fi
moddir=${ASTMODDIR:-}
etcdir=${ASTETCDIR:-}
if [ "$running" = yes ]; then
	[ -n "$moddir" ] || moddir=$(setting 'Module directory')
	[ -n "$etcdir" ] || etcdir=$(setting 'Configuration directory')
fi
[ -n "$moddir" ] || moddir=$(from_conf astmoddir)
[ -n "$etcdir" ] || etcdir=$(from_conf astetcdir)
if [ -z "$moddir" ] || [ -z "$etcdir" ]; then
	echo "install: cannot tell Asterisk's module and config directories; start Asterisk or set ASTMODDIR and ASTETCDIR" >&2
	exit 1
fi

install -D -m 0644 "$module" "$moddir/res_secast.so"
echo "install: module -> $moddir/res_secast.so"
# A free country database for geofencing (no licence key), next to Asterisk's other state.
vardir=${ASTVARLIBDIR:-}
if [ -z "$vardir" ] && [ "$running" = yes ]; then
	vardir=$(setting 'Variable lib directory' || true)
fi
[ -n "$vardir" ] || vardir=$(from_conf astvarlibdir)
[ -n "$vardir" ] || vardir=/var/lib/asterisk
geodb=""
# The module keeps its ledger in <astvarlibdir>/secast as Asterisk's user: that directory must
# belong to whoever owns astvarlibdir, not to root.
mkdir -p "$vardir/secast"
chown --reference="$vardir" "$vardir/secast" 2>/dev/null || true
if geodb=$("$(dirname "$0")/geo-db.sh" "$vardir/secast/geo"); then
	echo "install: country database -> $geodb (ip-location-db, see README for attribution)"
else
	echo "install: could not fetch the free country database; geofencing stays off until you set [geo] database" >&2
	geodb=""
fi

if [ -e "$etcdir/secast.conf" ]; then
	install -m 0644 "$sample" "$etcdir/secast.conf.sample"
	echo "install: kept your $etcdir/secast.conf; the documented sample is $etcdir/secast.conf.sample"
else
	install -m 0640 "$sample" "$etcdir/secast.conf"
	if [ -n "$geodb" ]; then
		# Point [geo] at the database; with no rules yet, everything stays allowed.
		sed -i "/^\[geo\]/,/^\[/ s|^database =.*|database = $geodb|" "$etcdir/secast.conf"
	fi
	# Asterisk usually runs as its own user and must read its config.
	chown --reference="$etcdir" "$etcdir/secast.conf" 2>/dev/null || true
	echo "install: config -> $etcdir/secast.conf"
fi

# The sample event handlers (each documents itself; see [handler-NAME] in secast.conf). Ours,
# so they are replaced; their settings files are yours and live elsewhere.
handlers_src="$(dirname "$sample")/handlers"
if [ -d "$handlers_src" ]; then
	install -d -m 0755 "$etcdir/secast-handlers"
	for f in "$handlers_src"/*.sh "$handlers_src"/README.md; do
		case $f in */test-dry-run.sh) continue ;; esac
		case $f in *.sh) mode=0755 ;; *) mode=0644 ;; esac
		install -m "$mode" "$f" "$etcdir/secast-handlers/"
	done
	echo "install: sample event handlers -> $etcdir/secast-handlers/ (try one with --dry-run)"
fi

if [ "$running" = yes ]; then
	if asterisk -rx 'module show like res_secast' | grep -q '^res_secast.so'; then
		echo "install: res_secast is already loaded; the new module takes effect at the next Asterisk restart"
		echo "         (the module is never unmapped while Asterisk runs; see README)"
	else
		asterisk -rx 'module load res_secast.so'
	fi
else
	echo "install: Asterisk is not running; res_secast loads at its next start (autoload, or add 'load = res_secast.so' to modules.conf)"
fi
