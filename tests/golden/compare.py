#!/usr/bin/env python3
"""compare.py: runs `nd-snifty -r CAPTURE --stdout` and compares the dumplings it
prints with the oracle's expected file, line by line, exactly (key order
included), after masking metadata.creation_time.

    compare.py --snifty PATH --capture FILE --expected FILE.jsonl

Exit 0 when they match, 1 with the first differences shown when not.
"""

import argparse
import json
import math
import subprocess
import sys

TIMEOUT = 120  # seconds; the largest capture takes well under one


def same(a, b):
    """Equal values with map keys in the same order; numbers by value."""
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a.keys()) == list(b.keys()) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def garbage(value, where="payload"):
    """Strings a chef must never emit: control characters or non-ASCII (names
    are in presentation form, addresses in text form)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from garbage(k, where + ".<key>")
            yield from garbage(v, where + "." + k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from garbage(v, "%s[%d]" % (where, i))
    elif isinstance(value, str):
        if any(ord(c) < 0x20 or ord(c) > 0x7e for c in value):
            yield "%s: %r" % (where, value)
    elif isinstance(value, float) and not math.isfinite(value):
        yield "%s: %r" % (where, value)


def check(actual_line, expected):
    """Returns a list of problems with one actual line."""
    try:
        d = json.loads(actual_line)
    except ValueError as e:
        return ["not JSON (%s): %s" % (e, actual_line[:200])]
    if not isinstance(d, dict) or list(d.keys()) != ["metadata", "payload"]:
        return ["not {metadata, payload}: %s" % actual_line[:200]]
    meta = d["metadata"]
    problems = []
    if not isinstance(meta.get("creation_time"), (int, float)):
        problems.append("metadata.creation_time missing or not a number")
    for key, want in expected["metadata"].items():
        if meta.get(key) != want:
            problems.append("metadata.%s: want %r, got %r" % (key, want, meta.get(key)))
    problems += ["garbage in " + g for g in garbage(d["payload"])]
    if not same(d["payload"], expected["payload"]):
        problems.append("payload differs:\n    want %s\n    got  %s" % (
            json.dumps(expected["payload"], separators=(",", ":"))[:600],
            json.dumps(d["payload"], separators=(",", ":"))[:600]))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--snifty", required=True)
    ap.add_argument("--capture", required=True)
    ap.add_argument("--expected", required=True)
    args = ap.parse_args()

    with open(args.expected, encoding="utf-8") as f:
        expected = [json.loads(line) for line in f if line.strip()]
    try:
        # Every packet (nd-snifty's default filter, "tcp or udp or arp", would
        # hide VLAN-tagged packets and ICMP), and the oracle's poke interval.
        cmd = [args.snifty, "-r", args.capture, "--stdout", "--filter", "",
               "--poke-interval", "5", "--kitchen-name", "golden"]
        run = subprocess.run(cmd,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        print("FAIL: nd-snifty did not finish within %d s" % TIMEOUT)
        return 1
    stderr = run.stderr.decode("utf-8", "replace")
    if run.returncode != 0:
        # A malformed capture must be survived, not reported as a failure.
        print("FAIL: nd-snifty exited with %d\n%s" % (run.returncode, stderr[-2000:]))
        return 1
    try:
        actual = run.stdout.decode("utf-8").splitlines()
    except UnicodeDecodeError as e:
        print("FAIL: output is not UTF-8: %s" % e)
        return 1

    failures = 0
    for i in range(max(len(actual), len(expected))):
        if i >= len(actual):
            problems = ["missing; expected %s" % json.dumps(expected[i])[:300]]
        elif i >= len(expected):
            problems = ["unexpected extra line: %s" % actual[i][:300]]
        else:
            problems = check(actual[i], expected[i])
        if problems:
            failures += 1
            if failures <= 10:
                print("line %d:\n  %s" % (i + 1, "\n  ".join(problems)))
    if failures:
        print("FAIL: %d of %d lines differ (%d expected, %d printed)" %
              (failures, max(len(actual), len(expected)), len(expected), len(actual)))
        if stderr:
            print("nd-snifty stderr (tail):\n" + stderr[-1500:])
        return 1
    print("ok: %d dumplings match" % len(expected))
    return 0


if __name__ == "__main__":
    sys.exit(main())
