#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""spdx.py [--fix] [ROOT]: every source file of the tree names its license
(MIT, see LICENSE) in an SPDX line within its first three lines. Without
--fix, lists the files that lack it and exits 1; with --fix, adds it (after a
shebang or a doctype) in the comment syntax of the file's language."""
import os
import sys

TAG = "SPDX-License-Identifier: MIT"
SKIP_DIRS = {".git", "node_modules", "__pycache__"}
SKIP_UNDER = ("tests/golden/expected", "tests/fuzz/regressions")
TOP = ("CMakeLists.txt", "common", "chefs", "snifty", "shifty", "gateway", "eaters", "keygen",
       "man", "deploy", "tests", ".ci")


def comment(path):
    """The SPDX line for path, or None for a file that is not source."""
    base = os.path.basename(path)
    ext = os.path.splitext(base)[1]
    if ext in (".c", ".h", ".css"):
        return "/* %s */" % TAG
    if ext == ".js":
        return "// %s" % TAG
    if ext in (".py", ".sh", ".yml", ".cmake", ".service") or base in ("CMakeLists.txt",
                                                                      "Dockerfile", "run"):
        return "# %s" % TAG
    if ext == ".html":
        return "<!-- %s -->" % TAG
    return None


def sources(root):
    for top in TOP:
        p = os.path.join(root, top)
        if os.path.isfile(p):
            yield top
            continue
        for d, dirs, files in os.walk(p):
            rel = os.path.relpath(d, root)
            dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS and not x.startswith("build"))
            if rel.startswith(SKIP_UNDER):
                dirs[:] = []
                continue
            for f in sorted(files):
                if comment(f):
                    yield os.path.join(rel, f)


def main(argv):
    fix = "--fix" in argv
    args = [a for a in argv[1:] if a != "--fix"]
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    missing = []
    for rel in sources(root):
        path = os.path.join(root, rel)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if any(TAG in line for line in text.split("\n", 3)[:3]):
            continue
        if not fix:
            missing.append(rel)
            continue
        lines = text.split("\n")
        at = 1 if lines[0].startswith("#!") or lines[0].lower().startswith("<!doctype") else 0
        lines.insert(at, comment(rel))
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        print("spdx: added to", rel)
    for rel in missing:
        print("spdx: no '%s' in the first 3 lines of %s (tests/style/spdx.py --fix adds it)"
              % (TAG, rel))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
