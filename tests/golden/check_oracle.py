#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_oracle.py: regenerates every expected file (expected/<capture>/<Chef>.jsonl)
from tshark into a scratch folder and diffs it with the checked-in one, so that a
change in tshark or in the oracle (or a capture or chef without expected files)
is caught.

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


def s_lines(path):
    """The file's lines, or None when there is no such file."""
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return f.readlines()


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
        want_dir = os.path.join(args.expected, cap)
        got_dir = os.path.join(args.out, cap)
        shutil.rmtree(got_dir, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(HERE, "oracle.py"),
                        os.path.join(args.pcaps, cap), "-d", got_dir], check=True,
                       timeout=300)
        if not os.path.isdir(want_dir):
            print("%s: no checked-in expected files (generate them with oracle.py -d %s)" %
                  (cap, want_dir))
            bad += 1
            continue
        names = sorted(set(os.listdir(want_dir)) | set(os.listdir(got_dir)))
        differ = 0
        for name in names:
            want = s_lines(os.path.join(want_dir, name))
            got = s_lines(os.path.join(got_dir, name))
            if want is None or got is None or want != got:
                differ += 1
                if want is None:
                    print("%s/%s: the oracle writes it, it is not checked in" % (cap, name))
                elif got is None:
                    print("%s/%s: checked in, the oracle no longer writes it" % (cap, name))
                else:
                    print("%s/%s: the oracle now says something else:" % (cap, name))
                    diff = difflib.unified_diff(want, got, "checked-in", "regenerated", n=0)
                    sys.stdout.writelines(list(diff)[:40])
        if differ:
            bad += 1
        else:
            print("%s: ok (%d chefs)" % (cap, len(names)))
    print("%d captures, %d differ" % (len(captures), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
