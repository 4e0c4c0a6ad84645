#!/usr/bin/env bash
# Compares our declarations of the Asterisk ABI with the real headers from the sandbox's
# asterisk-dev: every struct size, used field offset and enum value must be identical.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
chroot_dir=${SECAST_CHROOT:-/var/cache/res_secast/sid-chroot}
[ -f "$chroot_dir/usr/include/asterisk.h" ] || { echo "abi: no asterisk-dev headers in $chroot_dir (run make sandbox)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Only Asterisk's headers come from the chroot; libc headers stay the host's.
mkdir -p "$work/inc"
ln -s "$chroot_dir/usr/include/asterisk.h" "$work/inc/asterisk.h"
ln -s "$chroot_dir/usr/include/asterisk" "$work/inc/asterisk"

gcc -std=gnu11 -w -o "$work/ours" -I "$top/asterisk-headers" "$here/probe.c"
gcc -std=gnu11 -w -o "$work/real" -DSECAST_REAL_HEADERS \
	-DAST_MODULE=\"res_secast\" -DAST_MODULE_SELF_SYM=__internal_res_secast_self \
	-I "$work/inc" "$here/probe.c"
"$work/ours" >"$work/ours.txt"
"$work/real" >"$work/real.txt"
if diff -u "$work/real.txt" "$work/ours.txt"; then
	version=$(chroot "$chroot_dir" dpkg-query -W -f '${Version}' asterisk-dev 2>/dev/null || echo unknown)
	echo "abi: $(grep -c . "$work/ours.txt") sizes, offsets and values match the headers of asterisk-dev $version"
else
	echo "abi: our declarations differ from the real Asterisk headers (- real, + ours)" >&2
	exit 1
fi

# The PJSIP sensor: what it reads of pjproject, against the pjproject Asterisk was built with.
pj=$("$here/pjproject-headers.sh") || { echo "abi: cannot get the pjproject headers Asterisk was built with" >&2; exit 1; }
gcc -std=gnu11 -w -o "$work/pj_ours" -I "$top/asterisk-headers" "$here/probe_pjsip.c"
gcc -std=gnu11 -w -o "$work/pj_real" -DSECAST_REAL_HEADERS -DPJ_AUTOCONF=1 -DPJ_IS_BIG_ENDIAN=0 \
	-DPJ_IS_LITTLE_ENDIAN=1 -DAST_MODULE=\"res_secast\" \
	-DAST_MODULE_SELF_SYM=__internal_res_secast_self -I "$pj/include" -I "$work/inc" \
	"$here/probe_pjsip.c"
"$work/pj_ours" >"$work/pj_ours.txt"
"$work/pj_real" >"$work/pj_real.txt"
if diff -u "$work/pj_real.txt" "$work/pj_ours.txt"; then
	echo "abi: $(grep -c . "$work/pj_ours.txt") pjproject sizes, offsets and values match pjproject $(sed -n 's/^pj version //p' "$work/pj_real.txt") as Asterisk $(cat "$pj/.ready") configures it"
else
	echo "abi: our pjproject declarations differ from the real headers (- real, + ours)" >&2
	exit 1
fi
