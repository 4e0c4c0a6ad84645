#!/usr/bin/env python3
"""Fails unless every crate linked into res_secast.so is under a GPLv2-compatible licence.

The graph is cargo's own (`cargo tree`, features `asterisk`, this machine's target):
the module's normal dependencies, transitively. Build dependencies (bindgen), dev-dependencies
and proc-macro crates (serde_derive and what it uses) run at build time and are not linked, so
they are not followed. A crate passes when its SPDX expression can be satisfied with the
licences below; `A OR B` needs one side, `A AND B` both, `X WITH exception` counts as X.

Usage: scripts/check-licences.py [path/to/Cargo.toml]   (make lint runs it)
"""

import re
import subprocess
import sys

# GPLv2-compatible permissive licences. Unicode-3.0 / Unicode-DFS-2016 cover only the Unicode
# data tables some crates embed (unicode-ident), which are data, not code.
ALLOWED = {
    "MIT", "BSD-2-Clause", "BSD-3-Clause", "ISC", "Zlib", "Unicode-3.0", "Unicode-DFS-2016",
}


def satisfiable(expression):
    """Whether the SPDX expression allows use under ALLOWED alone."""
    # Old crates write `MIT/Apache-2.0` for `MIT OR Apache-2.0`.
    tokens = re.findall(r"\(|\)|[^\s()]+", expression.replace("/", " OR "))
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def primary():
        if peek() == "(":
            take()
            value = either()
            if take() != ")":
                raise ValueError("unbalanced parentheses")
            return value
        ident = take()
        if peek() == "WITH":
            take()
            take()
        return ident.rstrip("+") in ALLOWED

    def both():
        value = primary()
        while peek() == "AND":
            take()
            value = primary() and value
        return value

    def either():
        value = both()
        while peek() == "OR":
            take()
            value = both() or value
        return value

    result = either()
    if pos != len(tokens):
        raise ValueError("trailing tokens")
    return result


def main():
    manifest = sys.argv[1] if len(sys.argv) > 1 else "Cargo.toml"
    # cargo tree resolves features as the build does (resolver 2: dev-dependencies' features
    # do not leak in, as they do in `cargo metadata`'s resolve).
    out = subprocess.run(
        ["cargo", "tree", "--manifest-path", manifest, "--features", "asterisk",
         "--edges", "normal,no-proc-macro", "--prefix", "none", "--format", "{p}|{l}"],
        capture_output=True, text=True, check=True).stdout
    # A crate seen before is marked `(*)` at the end of the line.
    crates = sorted({line.replace(" (*)", "").strip() for line in out.splitlines() if "|" in line})
    root = crates and next(c for c in crates if c.startswith("res_secast "))
    bad = []
    for line in crates:
        if line == root:
            continue
        name, licence = line.split("|", 1)
        try:
            ok = licence != "" and satisfiable(licence)
        except (ValueError, IndexError):
            ok = False
        if not ok:
            bad.append(f"{name}: {licence or 'no licence field'}")
    if bad:
        print("check-licences: not GPLv2-compatible, linked into res_secast.so:", file=sys.stderr)
        for line in bad:
            print(f"  {line}", file=sys.stderr)
        sys.exit(1)
    print(f"check-licences: {len(crates) - 1} crates linked into res_secast.so, "
          "all GPLv2-compatible")


if __name__ == "__main__":
    main()
