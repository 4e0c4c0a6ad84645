#!/usr/bin/env python3
"""One AMI session against a sandbox instance, for tests: log in, send actions, collect the
answers and the events that arrive, print everything as JSON.

    ip netns exec NS ami-client.py USER SECRET [--listen SECONDS] [--until EVENT,...]

stdin: one action per line, a JSON object of headers ({"Action": "SecAstBan", ...}).
stdout: {"login": {...}, "answers": [[block, ...], ...], "events": [block, ...]}
A block is an object of headers (a repeated header keeps its last value). An action's answer
is its Response block, and for a list (EventList: start) every event up to the one with
EventList: Complete. Events for the session (Events: on) are collected all along; with
--listen the session stays open up to SECONDS after the actions, or until every event named
in --until has arrived. Every socket operation has a timeout: nothing here can hang.
"""
import json
import select
import socket
import sys
import time


class Lines:
    """Lines from a socket, each read bounded by a deadline (no half-read state on timeout)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def readline(self, timeout):
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                raise TimeoutError
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("AMI closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace").rstrip("\r")


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit("usage: ami-client.py USER SECRET [--listen SECONDS] [--until EVENT,...]")
    user, secret = args[0], args[1]
    listen, until = 0.0, []
    rest = args[2:]
    while rest:
        if rest[0] == "--listen":
            listen = float(rest[1])
        elif rest[0] == "--until":
            until = [e for e in rest[1].split(",") if e]
        else:
            sys.exit("unknown option " + rest[0])
        rest = rest[2:]
    actions = [json.loads(line) for line in sys.stdin if line.strip()]

    sock = socket.create_connection(("127.0.0.1", 5038), timeout=10)
    lines = Lines(sock)
    lines.readline(10)  # banner
    events = []

    def send(headers):
        text = "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        sock.sendall(text.encode())

    def block(timeout=10):
        out = {}
        while True:
            line = lines.readline(timeout)
            if line == "":
                if out:
                    return out
                continue
            if ": " in line:
                k, v = line.split(": ", 1)
                out[k] = v
            elif line.endswith(":"):
                out[line[:-1]] = ""

    send({"Action": "Login", "Username": user, "Secret": secret, "Events": "on"})
    login = block()
    while "Response" not in login:
        events.append(login)
        login = block()
    answers = []
    for i, action in enumerate(actions):
        action_id = action.setdefault("ActionID", f"t-{i}")
        send(action)
        got = []
        while True:
            b = block()
            if b.get("ActionID") != action_id:
                events.append(b)
                continue
            got.append(b)
            if "Response" in b and b.get("EventList") != "start":
                break
            if b.get("EventList") == "Complete":
                break
        answers.append(got)
    deadline = time.monotonic() + listen
    while time.monotonic() < deadline:
        seen = {e.get("Event") for e in events}
        if until and all(name in seen for name in until):
            break
        try:
            events.append(block(min(0.5, max(0.01, deadline - time.monotonic()))))
        except TimeoutError:
            continue
    try:
        send({"Action": "Logoff"})
    except OSError:
        pass
    print(json.dumps({"login": login, "answers": answers, "events": events}))


if __name__ == "__main__":
    main()
