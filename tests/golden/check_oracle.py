#!/usr/bin/env python3
"""check_oracle.py: regenerates every expected file from tshark into a scratch
folder and diffs it with the checked-in one, so that a change in tshark or in
the oracle (or a capture without an expected file) is caught.

    check_oracle.py --pcaps DIR --expected DIR --out DIR

Exit 0 when all match, 1 when any differs, 77 (ctest SKIP) without tshark.
"""

import argparse
import difflib
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pcaps", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if not shutil.which("tshark"):
        print("SKIP: tshark is not installed")
        return 77
    os.makedirs(args.out, exist_ok=True)
    captures = sorted(f for f in os.listdir(args.pcaps)
                      if f.endswith((".pcap", ".pcapng")))
    bad = 0
    for cap in captures:
        want_path = os.path.join(args.expected, cap + ".jsonl")
        got_path = os.path.join(args.out, cap + ".jsonl")
        subprocess.run([sys.executable, os.path.join(HERE, "oracle.py"),
                        os.path.join(args.pcaps, cap), "-o", got_path], check=True,
                       timeout=300)
        if not os.path.exists(want_path):
            print("%s: no checked-in expected file (generate it with oracle.py -o %s)" %
                  (cap, want_path))
            bad += 1
            continue
        with open(want_path, encoding="utf-8") as f:
            want = f.readlines()
        with open(got_path, encoding="utf-8") as f:
            got = f.readlines()
        if want != got:
            bad += 1
            print("%s: the oracle now says something else:" % cap)
            diff = difflib.unified_diff(want, got, "checked-in", "regenerated", n=0)
            sys.stdout.writelines(list(diff)[:40])
        else:
            print("%s: ok (%d lines)" % (cap, len(want)))
    print("%d captures, %d differ" % (len(captures), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
