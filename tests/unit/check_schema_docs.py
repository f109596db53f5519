#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""unit.schema_docs: the field tables in docs/protocol.md (between
"<!-- schema: NAME begin -->" and "<!-- schema: NAME end -->") must be what
schema_dump prints from the C tables; every ND_ST_* or ND_MD_* name of the
headers must be a key of a table, and so must every value of the page's
`const ST = {...}`.
With --write, the docs' tables are replaced by the C ones instead.

usage: check_schema_docs.py SCHEMA_DUMP PROTOCOL_MD APP_JS HEADER... [--write]"""
import difflib
import re
import subprocess
import sys

BLOCK = re.compile(r"<!-- schema: ([\w-]+) begin -->\n.*?<!-- schema: \1 end -->\n", re.S)


def blocks(text):
    return {m.group(1): m.group(0) for m in BLOCK.finditer(text)}


def keys(text):
    return set(re.findall(r"^\| `([^`]+)` \|", text, re.M))


def main(argv):
    dump, doc_path, app = argv[1:4]
    headers = [a for a in argv[4:] if a != "--write"]
    want = blocks(subprocess.run([dump], check=True, capture_output=True, text=True).stdout)
    doc = open(doc_path, encoding="utf-8").read()
    if "--write" in argv:
        doc = BLOCK.sub(lambda m: want.get(m.group(1), m.group(0)), doc)
        open(doc_path, "w", encoding="utf-8").write(doc)
    have, bad = blocks(doc), 0
    for name, text in want.items():
        if name not in have:
            print("FAIL: %s has no table '%s' (markers missing)" % (doc_path, name))
            bad += 1
        elif have[name] != text:
            print("FAIL: table '%s' differs from the C table (- docs, + C):" % name)
            sys.stdout.writelines(difflib.unified_diff(have[name].splitlines(True),
                                                       text.splitlines(True)))
            bad += 1
    known = set().union(*(keys(t) for t in want.values()))
    names = []
    for header in headers:
        found = re.findall(r'^#define (ND_(?:ST|MD)_\w+) "([^"]*)"', open(header).read(), re.M)
        for name, key in found:
            if key not in known:
                print("FAIL: %s (%s) is in no table of %s" % (name, key, header))
                bad += 1
        names += found
    m = re.search(r"const ST = \{(.*?)\};", open(app, encoding="utf-8").read(), re.S)
    st = re.findall(r"\w+: '([^']*)'", m.group(1)) if m else []
    if not st:
        print("FAIL: %s has no const ST = {...} of status keys" % app)
        bad += 1
    for key in st:
        if key not in known:
            print("FAIL: %s: ST has '%s', no key of SystemStatusChef" % (app, key))
            bad += 1
    print("%d tables, %d names, %d page keys checked" % (len(want), len(names), len(st)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
