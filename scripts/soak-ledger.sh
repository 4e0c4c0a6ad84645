#!/usr/bin/env bash
# Ledger soak, in the sandbox: the two "nothing lost" scenarios at full size.
#
#   scripts/soak-ledger.sh [MODULE_SO]       (default: target/res_secast.so; `make soak-ledger`)
#
# 1. kill -9 with SOAK_BANS (100,000) bans in force, then a restart: every one must be back
#    in the kernel set. The ledger is seeded with the bans (2001:db8::/32 /64 networks, in
#    force for a day) before the first start; the module restores them, Asterisk is killed
#    with SIGKILL, started again, and the kernel set is counted. Restore time is measured
#    from `restart` to the last element in the kernel, for the first load and after the kill.
# 2. The ledger on a small full tmpfs (SOAK_TMPFS, 256k): SOAK_FULL_BANS (250) manual bans
#    while the disk is full must all be enforced and answered "not yet durable", the log and
#    `secast show status` must say the ledger cannot be written; once the filler is removed
#    every ban must be in the file exactly once (no duplicate network, no sequence number
#    twice).
#
# Env: SOAK_BANS (100000), SOAK_FULL_BANS (250), SOAK_TMPFS (256k), SOAK_SETTLE (120 s),
#      SECAST_CHROOT, SECAST_SANDBOX_TAG (as for sandbox/asterisk.sh).
# Needs root. Exit 0 when both scenarios pass; prints the measured figures.
set -euo pipefail
export LC_ALL=C

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
AST="$ROOT/sandbox/asterisk.sh"
CHROOT="${SECAST_CHROOT:-/var/cache/res_secast/sid-chroot}"
MODULE="${1:-$ROOT/target/res_secast.so}"
BANS="${SOAK_BANS:-100000}"
FULL_BANS="${SOAK_FULL_BANS:-250}"
TMPFS_SIZE="${SOAK_TMPFS:-256k}"
SETTLE="${SOAK_SETTLE:-120}"

say() { echo "soak-ledger: $*" >&2; }
die() { say "FAIL: $*"; exit 1; }

[[ $EUID -eq 0 ]] || die "needs root (network namespaces, nftables, tmpfs)"
[[ -f "$MODULE" ]] || die "$MODULE missing: make build"
[[ "$BANS" =~ ^[1-9][0-9]{0,6}$ && "$BANS" -le 1000000 ]] || die "SOAK_BANS must be 1..1000000"
[[ "$FULL_BANS" =~ ^[1-9][0-9]{0,3}$ && "$FULL_BANS" -le 250 ]] || die "SOAK_FULL_BANS must be 1..250"
[[ "$SETTLE" =~ ^[1-9][0-9]{0,3}$ ]] || die "SOAK_SETTLE must be 1..9999 s"
command -v python3 >/dev/null || die "python3 missing (scripts/host-deps.sh)"

KILL_NAME=soak-ledger-kill
FULL_NAME=soak-ledger-full
FIX_IN=/srv/secast-fixtures/soak-ledger
FIX="$CHROOT$FIX_IN"
MOUNTED=""

cleanup() {
    "$AST" down "$KILL_NAME" >/dev/null 2>&1 || true
    "$AST" down "$FULL_NAME" >/dev/null 2>&1 || true
    if [[ -n "$MOUNTED" ]]; then umount "$MOUNTED" 2>/dev/null || true; fi
}
trap cleanup EXIT

now_ms() { python3 -c 'import time; print(int(time.time()*1000))'; }

# The number of our /64 seeds in the kernel (nft prints several elements per line).
kernel_count() {
    local ns
    ns="$("$AST" netns "$1")"
    ip netns exec "$ns" nft list table inet secast 2>/dev/null | grep -o "$2" | wc -l
}

# Waits (bounded by SETTLE) until kernel_count NAME PATTERN reaches N; prints the count.
wait_count() {
    local name=$1 pattern=$2 want=$3 deadline=$((SECONDS + SETTLE)) n=0
    while ((SECONDS < deadline)); do
        n=$(kernel_count "$name" "$pattern")
        ((n >= want)) && break
        sleep 0.5
    done
    echo "$n"
}

conf_with_ledger() {
    cat "$ROOT/sandbox/etc/secast.conf"
    printf '\n[ledger]\ndirectory = %s\n[general]\nmax_bans = %s\n' "$1" "$((BANS + 1000))"
}

# --- 1. kill -9 with BANS bans in force ---------------------------------------------
rm -rf "$FIX"
mkdir -p "$FIX/kill/ledger"
python3 - "$FIX/kill/ledger/bans.ledger" "$BANS" <<'EOF'
import sys, time
path, n = sys.argv[1], int(sys.argv[2])
now = int(time.time() * 1000)
with open(path, "w") as f:
    f.write("secast-ledger 2\n")
    for i in range(n):
        f.write("B %d %d 2001:db8:%x:%x::/64 %d manual 1 soak\n"
                % (i + 1, now, i >> 16, i & 0xffff, now + 86400000))
EOF
conf="$(mktemp)"
conf_with_ledger "$FIX_IN/kill/ledger" >"$conf"
say "scenario 1: $BANS bans seeded; starting"
t0=$(now_ms)
SECAST_CONF_OVERRIDE="$conf" "$AST" up "$KILL_NAME" "$MODULE" >/dev/null
first=$(wait_count "$KILL_NAME" '2001:db8:' "$BANS")
t1=$(now_ms)
((first == BANS)) || die "first load: $first of $BANS bans in the kernel"
say "first load: $BANS bans in the kernel $((t1 - t0)) ms after 'up'"
"$AST" kill9 "$KILL_NAME" >/dev/null
t2=$(now_ms)
"$AST" restart "$KILL_NAME" >/dev/null
after=$(wait_count "$KILL_NAME" '2001:db8:' "$BANS")
t3=$(now_ms)
((after == BANS)) || die "after kill -9: $after of $BANS bans in the kernel"
restored_line=$(grep -a "bans in force restored" "$("$AST" log "$KILL_NAME")" | tail -1 || true)
say "after kill -9: $after/$BANS (100%) back in the kernel $((t3 - t2)) ms after the restart"
say "  log: ${restored_line##*: }"
"$AST" down "$KILL_NAME" >/dev/null
rm -f "$conf"

# --- 2. the ledger on a small full tmpfs --------------------------------------------
mkdir -p "$FIX/full/ledger"
mount -t tmpfs -o "size=$TMPFS_SIZE" tmpfs "$FIX/full/ledger"
MOUNTED="$FIX/full/ledger"
conf="$(mktemp)"
conf_with_ledger "$FIX_IN/full/ledger" >"$conf"
say "scenario 2: ledger on a $TMPFS_SIZE tmpfs, filled"
SECAST_CONF_OVERRIDE="$conf" "$AST" up "$FULL_NAME" "$MODULE" >/dev/null
rm -f "$conf"
dd if=/dev/zero of="$MOUNTED/filler" bs=1k count=1000000 2>/dev/null || true
# The ledger's last page was allocated before the disk filled, so the first records may still
# fit in it; from the first one refused on, every ack must say "not yet durable".
not_durable=0
for ((i = 1; i <= FULL_BANS; i++)); do
    answer=$("$AST" cli "$FULL_NAME" "secast ban 203.0.113.$i 2h")
    [[ "$answer" == *"banned 203.0.113.$i/32"* ]] || die "ban $i refused: $answer"
    if [[ "$answer" == *"not yet durable"* ]]; then
        not_durable=$((not_durable + 1))
    elif ((not_durable > 0)); then
        die "ban $i said durable again on a full disk"
    fi
done
((not_durable > 0)) || die "no ack said 'not yet durable' on the full disk"
enforced=$(wait_count "$FULL_NAME" '203\.0\.113\.' "$FULL_BANS")
((enforced == FULL_BANS)) || die "disk full: $enforced of $FULL_BANS bans enforced"
"$AST" cli "$FULL_NAME" "secast show status" | grep -q "Ledger: CANNOT BE WRITTEN" ||
    die "status does not say the ledger cannot be written"
grep -aq "cannot write the ban ledger" "$("$AST" log "$FULL_NAME")" ||
    die "the log does not say the ledger cannot be written"
say "disk full: $enforced/$FULL_BANS enforced; $not_durable acks 'not yet durable' (the rest fitted the ledger's last page); log and status say so"
rm -f "$MOUNTED/filler"
t0=$(now_ms)
deadline=$((SECONDS + SETTLE))
until "$AST" cli "$FULL_NAME" "secast show status" | grep -q "Ledger: every decision on disk"; do
    ((SECONDS < deadline)) || die "ledger still not written ${SETTLE}s after space returned"
    sleep 0.5
done
t1=$(now_ms)
ledger="$MOUNTED/bans.ledger"
written=$(grep -c '^B ' "$ledger" || true)
distinct=$(grep '^B ' "$ledger" | cut -d' ' -f4 | sort -u | wc -l)
seqs=$(grep -E '^[BU] ' "$ledger" | cut -d' ' -f2 | sort | uniq -d | wc -l)
((written == FULL_BANS)) || die "space back: $written ban records for $FULL_BANS bans"
((distinct == FULL_BANS)) || die "space back: duplicate networks in the ledger"
((seqs == 0)) || die "space back: $seqs sequence numbers written twice"
say "space back: all $written written within $((t1 - t0)) ms, no duplicates"
"$AST" down "$FULL_NAME" >/dev/null
say "PASS"
