#!/usr/bin/env python3
"""Numbers for bench/time-to-ban.sh (standard library only).

  ttb.py cell SECLOG MONLOG TABLE SET_RE ATTACKER THRESHOLD
      One run. SECLOG is the instance's security log, MONLOG the output of
      `nft monitor` with each line prefixed by the host's wall clock
      (epoch seconds) when it was read. Prints one tab-separated line:
        banned ttb_ms attempts react_ms last_ms after_ban
      ("-" where a value does not exist, e.g. no ban).

  ttb.py report RAW_TSV MD_OUT
      Medians per (rate, tool) over the repetitions in RAW_TSV (written by
      time-to-ban.sh), printed as a table and written as Markdown to MD_OUT.

Definitions (the same for every tool):
  t0       EventTV of the attacker's first security event (the ChallengeSent
           answering its first REGISTER): Asterisk handled its first attempt.
  t_ban    wall clock at which `nft monitor`, running in the instance's
           namespace since before the attack, printed the element ATTACKER
           being added to a set of TABLE whose name matches SET_RE. From that
           moment the kernel drops the attacker's packets (the dropping rule
           exists before its element is added, for both tools).
  ttb_ms   t_ban - t0.
  attempts ChallengeResponseFailed events from ATTACKER in the whole run
           (a wrong-password attempt raises exactly one).
  react_ms t_ban - EventTV of the THRESHOLD-th ChallengeResponseFailed: the
           tool's own delay once it had enough evidence.
  last_ms  EventTV of the attacker's last security event - t0.
  after_ban ChallengeResponseFailed with EventTV > t_ban (requests already
           received before the drop but handled after it; a leak would show
           here too).
EventTV has millisecond resolution (truncated), so every figure is +-1 ms.
"""
import datetime
import re
import statistics
import sys

EVENT_RE = re.compile(
    r'SecurityEvent="(?P<type>\w+)",EventTV="(?P<tv>[^"]+)".*'
    r'RemoteAddress="IPV[46]/\w+/(?P<addr>[^/"]+)/\d+"'
)


def event_time(tv):
    # e.g. 2026-11-22T01:29:30.046+0000
    return datetime.datetime.strptime(tv, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def attacker_events(seclog, attacker):
    out = []
    with open(seclog, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = EVENT_RE.search(line)
            if m and m.group("addr") == attacker:
                out.append((event_time(m.group("tv")), m.group("type")))
    return out


def ban_time(monlog, table, set_re, attacker):
    ip = re.escape(attacker)
    pat = re.compile(
        r"^(?P<stamp>\d+\.\d+) add element " + re.escape(table) + r" (?:" + set_re + r") \{"
        r".*(?<![\w.:])" + ip + r"(?![\w.:])"
    )
    with open(monlog, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = pat.match(line)
            if m:
                return float(m.group("stamp"))
    return None


def fmt(x):
    return "-" if x is None else f"{x:.1f}"


def cmd_cell(seclog, monlog, table, set_re, attacker, threshold):
    threshold = int(threshold)
    events = attacker_events(seclog, attacker)
    tban = ban_time(monlog, table, set_re, attacker)
    crf = [t for t, kind in events if kind == "ChallengeResponseFailed"]
    t0 = events[0][0] if events else None
    ttb = react = last = after = None
    if t0 is not None:
        last = (events[-1][0] - t0) * 1000
    if tban is not None and t0 is not None:
        ttb = (tban - t0) * 1000
        after = sum(1 for t in crf if t > tban)
        if len(crf) >= threshold:
            react = (tban - crf[threshold - 1]) * 1000
    print("\t".join([
        "1" if tban is not None else "0",
        fmt(ttb), str(len(crf)), fmt(react), fmt(last),
        "-" if after is None else str(after),
    ]))


def num(s):
    return None if s in ("", "-") else float(s)


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def cmd_report(raw_tsv, md_out):
    rows = []
    with open(raw_tsv, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            if line.strip():
                rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))
    rates = sorted({int(r["rate"]) for r in rows})
    present = {r["tool"] for r in rows}
    tools = [t for t in ("fail2ban", "res_secast") if t in present]
    tools += sorted(present - set(tools))

    cells = {}
    for rate in rates:
        for tool in tools:
            rs = [r for r in rows if int(r["rate"]) == rate and r["tool"] == tool]
            if not rs:
                continue
            banned = [r for r in rs if r["banned"] == "1"]
            c = {
                "n": len(rs), "banned": len(banned), "count": rs[0]["count"],
                "ttb": med(num(r["ttb_ms"]) for r in banned),
                "ttb_all": [num(r["ttb_ms"]) for r in banned],
                "att": med(num(r["attempts"]) for r in (banned or rs)),
                "att_all": [num(r["attempts"]) for r in (banned or rs)],
                "react": med(num(r["react_ms"]) for r in banned),
                "after": med(num(r["after_ban"]) for r in banned),
            }
            cells[(rate, tool)] = c

    def ttb_text(c):
        if c["banned"] == 0:
            return "no ban"
        s = f"{c['ttb']:.0f}"
        return s if c["banned"] == c["n"] else f"{s} ({c['banned']}/{c['n']} banned)"

    def att_text(c):
        s = f"{c['att']:.0f}"
        return s if c["banned"] else f"{s} (all sent, no ban)"

    def opt(x, digits=0):
        return "-" if x is None else f"{x:.{digits}f}"

    def spread(vals):
        vals = [v for v in vals if v is not None]
        return "-" if not vals else f"{min(vals):.0f}-{max(vals):.0f}"

    head = ["rate/s", "tool", "time to ban (ms)", "attempts processed",
            "after 5th failure (ms)", "ttb range", "attempts range"]
    table = []
    for rate in rates:
        for tool in tools:
            c = cells.get((rate, tool))
            if c:
                table.append([str(rate), tool, ttb_text(c), att_text(c), opt(c["react"]),
                              spread(c["ttb_all"]), spread(c["att_all"])])
        f2b, sec = cells.get((rate, "fail2ban")), cells.get((rate, "res_secast"))
        if f2b and sec:
            r_ttb = r_att = "-"
            if f2b["banned"] and sec["banned"] and sec["ttb"] and sec["ttb"] > 0:
                r_ttb = f"{f2b['ttb'] / sec['ttb']:.1f}x"
            if f2b["banned"] and sec["banned"] and sec["att"]:
                r_att = f"{f2b['att'] / sec['att']:.1f}x"
            table.append([str(rate), "ratio fail2ban/res_secast", r_ttb, r_att, "", "", ""])

    widths = [max([len(head[i])] + [len(r[i]) for r in table]) for i in range(len(head))]
    line = lambda r: "  ".join(v.ljust(widths[i]) for i, v in enumerate(r)).rstrip()
    print(line(head))
    print(line(["-" * w for w in widths]))
    for r in table:
        print(line(r))

    with open(md_out, "a", encoding="utf-8") as f:
        f.write("| " + " | ".join(head) + " |\n")
        f.write("|" + "|".join("---" for _ in head) + "|\n")
        for r in table:
            f.write("| " + " | ".join(v if v else " " for v in r) + " |\n")
        f.write("\nEvery run:\n\n")
        f.write("| " + " | ".join(header) + " |\n")
        f.write("|" + "|".join("---" for _ in header) + "|\n")
        for r in rows:
            f.write("| " + " | ".join(r.get(h, "") for h in header) + " |\n")


def main(argv):
    if len(argv) == 8 and argv[1] == "cell":
        cmd_cell(*argv[2:])
    elif len(argv) == 4 and argv[1] == "report":
        cmd_report(*argv[2:])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
