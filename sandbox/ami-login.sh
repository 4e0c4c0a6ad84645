#!/usr/bin/env bash
# AMI login attempts against an instance, from inside its network namespace.
#
#   ami-login.sh NAME USER SECRET [COUNT] [SRC_IP]
#
# Each attempt is a new TCP connection to 127.0.0.1:5038 sending a plaintext
# `Action: Login` (a wrong secret raises InvalidPassword, an unknown user
# InvalidAccountID, the right one SuccessfulAuth), then `Action: Logoff`.
# SRC_IP (default 127.0.0.1) is the address the connection comes from:
# 127.0.0.x, or a 203.0.113.x that attack.sh or `ip -n NS addr add` put on lo.
# Prints each response block. Every socket operation has a timeout, so a
# silent or firewalled server ends the attempt instead of hanging.
# Exit 0 if every attempt got a response, 1 otherwise.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
die() { echo "ami-login: $*" >&2; exit 1; }

[[ $# -ge 3 && $# -le 5 ]] || die "usage: ami-login.sh NAME USER SECRET [COUNT] [SRC_IP]"
NAME="$1" AMI_USER="$2" AMI_SECRET="$3" COUNT="${4:-1}" SRC="${5:-127.0.0.1}"
[[ "$COUNT" =~ ^[1-9][0-9]*$ ]] || die "COUNT must be a positive integer"
[[ "$SRC" == 127.* || "$SRC" == 203.0.113.* ]] || die "SRC_IP must be in 127.0.0.0/8 or 203.0.113.0/24"
[[ $EUID -eq 0 ]] || die "must run as root (ip netns exec)"
command -v python3 >/dev/null || die "python3 missing"
NS="$("$HERE/asterisk.sh" netns "$NAME")"
"$HERE/asterisk.sh" pid "$NAME" >/dev/null || die "instance $NAME is not running"

# Python rather than bash /dev/tcp: it can bind the source address, and a
# server closing the connection after a failed login is not a SIGPIPE.
client='
import socket, sys
user, secret, count, src = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
answered = 0
for i in range(1, count + 1):
    print(f"--- attempt {i}", flush=True)
    try:
        with socket.create_connection(("127.0.0.1", 5038), timeout=3,
                                      source_address=(src, 0)) as s:
            f = s.makefile("rb")
            f.readline()                      # banner: Asterisk Call Manager/x
            s.sendall(f"Action: Login\r\nUsername: {user}\r\nSecret: {secret}\r\n\r\n".encode())
            lines = []
            for _ in range(50):               # one response block, bounded
                line = f.readline().decode(errors="replace").rstrip("\r\n")
                if not line:
                    break
                lines.append(line)
            print("\n".join(lines) if lines else "(no response)", flush=True)
            answered += bool(lines)
            try:
                s.sendall(b"Action: Logoff\r\n\r\n")
            except OSError:
                pass                          # server already closed: fine
    except OSError as e:
        print(f"(no response: {e})", flush=True)
print(f"ami-login: {count} attempts as {user!r} from {src}, {answered} answered, {count - answered} unanswered")
sys.exit(0 if answered == count else 1)
'

# Cap: 10 s per attempt at most (3 s connect + reads), plus slack.
exec timeout -k 2 $((COUNT * 10 + 5)) \
    ip netns exec "$NS" python3 -c "$client" "$AMI_USER" "$AMI_SECRET" "$COUNT" "$SRC"
