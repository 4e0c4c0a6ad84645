#!/usr/bin/env bash
# Build (once) and cache a Debian sid chroot holding Asterisk 22.
#
# Why sid: bookworm ships no Asterisk package; sid has 22.x.
# Why a cache: the chroot is ~300 MB and takes a minute or two to make, so it
# is built once per machine and reused by every test run.
#
# Usage: sandbox/build-chroot.sh            (env SECAST_CHROOT overrides the dir)
# Exit 0 when the chroot is ready; non-zero (with a message) otherwise.
set -euo pipefail

CHROOT="${SECAST_CHROOT:-/var/cache/res_secast/sid-chroot}"
MIRROR="http://deb.debian.org/debian"
# Bump this whenever the package list or the setup below changes, so cached
# chroots made by an older version of this script get rebuilt.
BUILD_VERSION="secast-chroot-1"
MARKER="$CHROOT/.secast-ready"
# asterisk-dev: the real headers, for the test that checks our own ABI
# declarations (it pulls in debhelper and so gcc; nothing here compiles).
PACKAGES=(asterisk asterisk-modules asterisk-dev)

export DEBIAN_FRONTEND=noninteractive   # CI has no stdin: apt must never ask

die() { echo "build-chroot: $*" >&2; exit 1; }

print_ready() {
    local ver
    ver="$(chroot "$CHROOT" asterisk -V 2>/dev/null || echo '?')"
    echo "build-chroot: chroot ready at $CHROOT ($ver)"
}

# Fast path: a marker written by this very script version means all is done.
if [[ -f "$MARKER" && "$(cat "$MARKER")" == "$BUILD_VERSION" ]]; then
    print_ready
    exit 0
fi

[[ $EUID -eq 0 ]] || die "must run as root (debootstrap, chroot, mknod)"
command -v debootstrap >/dev/null || die "debootstrap missing: apt-get install -y debootstrap"

# Refuse to rm -rf something that is obviously not ours.
case "$CHROOT" in
    /|/usr|/var|/etc|/home|/root|"") die "refusing to use '$CHROOT' as chroot dir" ;;
esac

# Anything mounted below the dir (e.g. a crashed older run) would make rm -rf
# walk into the host's /proc or /dev: refuse instead.
if findmnt -rn -o TARGET | grep -q "^$CHROOT/"; then
    die "something is mounted under $CHROOT; unmount it first: $(findmnt -rn -o TARGET | grep "^$CHROOT/" | tr '\n' ' ')"
fi

# Never pull the tree from under a running sandbox instance.
for root in /proc/[0-9]*/root; do
    if [[ "$(readlink "$root" 2>/dev/null)" == "$CHROOT" ]]; then
        pid="${root#/proc/}"; pid="${pid%/root}"
        die "process $pid runs inside $CHROOT; stop it first (asterisk.sh down NAME)"
    fi
done

# No marker (or an old one): whatever is there is half-built or stale.
if [[ -e "$CHROOT" ]]; then
    echo "build-chroot: removing incomplete or outdated chroot at $CHROOT"
    rm -rf --one-file-system "$CHROOT"
fi
mkdir -p "$(dirname "$CHROOT")"

start=$SECONDS
echo "build-chroot: debootstrap sid into $CHROOT (a minute or two)"
# Build into a temporary dir and rename at the end: an interrupted run leaves
# only the .tmp dir, which the next run wipes.
TMP="$CHROOT.tmp"
rm -rf --one-file-system "$TMP"
debootstrap --variant=minbase sid "$TMP" "$MIRROR" >"$(dirname "$CHROOT")/debootstrap.log" 2>&1 \
    || die "debootstrap failed; see $(dirname "$CHROOT")/debootstrap.log"

# Device nodes created in place (not bind mounts) so nothing stays mounted.
# Asterisk needs /dev/null and /dev/urandom; the others are cheap to have.
mknode() {  # name major minor
    rm -f "$TMP/dev/$1"
    mknod -m 666 "$TMP/dev/$1" c "$2" "$3"
}
mknode null 1 3
mknode zero 1 5
mknode random 1 8
mknode urandom 1 9

# The archive copy reachable from here may carry an expired Release date.
echo "build-chroot: apt-get install ${PACKAGES[*]}"
chroot "$TMP" apt-get -q -o Acquire::Check-Valid-Until=false update >/dev/null \
    || die "apt-get update inside the chroot failed"
# policy-rc.d stops maintainer scripts from trying to start services.
printf '#!/bin/sh\nexit 101\n' >"$TMP/usr/sbin/policy-rc.d"
chmod 755 "$TMP/usr/sbin/policy-rc.d"
chroot "$TMP" apt-get -q -y --no-install-recommends install "${PACKAGES[@]}" \
    >"$(dirname "$CHROOT")/apt-install.log" 2>&1 \
    || die "apt-get install failed; see $(dirname "$CHROOT")/apt-install.log"
chroot "$TMP" apt-get clean

# Per-instance dirs live here (see asterisk.sh); nothing of the package changes.
mkdir -p "$TMP/srv/secast"

echo "$BUILD_VERSION" >"$TMP/.secast-ready"
mv "$TMP" "$CHROOT"
echo "build-chroot: built in $((SECONDS - start)) s"
print_ready
