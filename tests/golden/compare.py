#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""compare.py: runs `nd-snifty -r CAPTURE --stdout` and compares, chef by chef,
the dumplings it prints with the oracle's expected files, line by line,
exactly (key order included), after masking metadata.creation_time.

    compare.py --snifty PATH --capture FILE --expected DIR

DIR is tests/golden/expected/<capture>/, one <Chef>.jsonl per chef
(oracle.py -d). The chefs are those `nd-snifty --chef-list` lists: each must
have its file, and a file for a chef that nd-snifty does not list is an error.
Within a chef the order of its dumplings must match; how the chefs' dumplings
interleave is not compared, so that a chef's expectations are its own file.

Exit 0 when they match, 1 with the first differences shown when not.
"""

import argparse
import json
import math
import os
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


def chef_list(snifty):
    """The names `nd-snifty --chef-list` prints, in its order."""
    run = subprocess.run([snifty, "--chef-list"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=TIMEOUT)
    if run.returncode != 0:
        sys.exit("FAIL: nd-snifty --chef-list exited with %d" % run.returncode)
    return [line.split()[0] for line in run.stdout.decode("utf-8").splitlines()
            if line.strip()]


def compare_chef(chef, actual, expected):
    """Prints the first differences of one chef's lines; returns how many."""
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
                print("%s line %d:\n  %s" % (chef, i + 1, "\n  ".join(problems)))
    if failures:
        print("%s: %d of %d lines differ (%d expected, %d printed)" %
              (chef, failures, max(len(actual), len(expected)), len(expected), len(actual)))
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--snifty", required=True)
    ap.add_argument("--capture", required=True)
    ap.add_argument("--expected", required=True, help="the capture's folder of <Chef>.jsonl")
    args = ap.parse_args()

    chefs = chef_list(args.snifty)
    expected = {}
    bad = 0
    for chef in chefs:
        path = os.path.join(args.expected, chef + ".jsonl")
        if not os.path.exists(path):
            print("%s: no expected file %s (teach tests/golden/oracle.py the chef, "
                  "then oracle.py CAPTURE -d DIR)" % (chef, path))
            bad += 1
            continue
        with open(path, encoding="utf-8") as f:
            expected[chef] = [json.loads(line) for line in f if line.strip()]
    for name in sorted(os.listdir(args.expected)):
        if name.endswith(".jsonl") and name[:-len(".jsonl")] not in chefs:
            print("%s: expected file of a chef nd-snifty does not list" % name)
            bad += 1
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
        lines = run.stdout.decode("utf-8").splitlines()
    except UnicodeDecodeError as e:
        print("FAIL: output is not UTF-8: %s" % e)
        return 1

    # Each chef's lines, in the order printed.
    actual = {chef: [] for chef in chefs}
    for i, line in enumerate(lines):
        try:
            chef = json.loads(line)["metadata"]["chef"]
        except (ValueError, TypeError, KeyError):
            print("line %d: not a dumpling: %s" % (i + 1, line[:200]))
            bad += 1
            continue
        if chef not in actual:
            print("line %d: from a chef nd-snifty does not list: %s" % (i + 1, line[:200]))
            bad += 1
            continue
        actual[chef].append(line)

    total = 0
    for chef in chefs:
        if chef in expected:
            total += len(expected[chef])
            if compare_chef(chef, actual[chef], expected[chef]):
                bad += 1
    if bad:
        print("FAIL: %d problems" % bad)
        if stderr:
            print("nd-snifty stderr (tail):\n" + stderr[-1500:])
        return 1
    print("ok: %d dumplings of %d chefs match" % (total, len(chefs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
