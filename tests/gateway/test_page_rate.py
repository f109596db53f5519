#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_page_rate.py: the live page keeps up at 1,000 dumplings/s (a smoke
test; the 10,000/s figures are the benchmark's, tests/bench/page.py): a mix of
every built-in chef and a plugin chef from two kitchens for 10 s, through a
real hub and gateway into headless Chromium. Every dumpling arrives (the
gateway never closes the page as too slow), the page's counter shows them,
the DOM stays bounded, and there is no console error. No timing is asserted
beyond "caught up within the deadline"."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import browser  # noqa: E402
import ndtest  # noqa: E402
import pagerate  # noqa: E402
from ndtest import check  # noqa: E402

WORK = os.environ.get("ND_TEST_WORK") or os.getcwd()


def ok(cond, what, detail=None):
    check(cond, what + ("" if detail is None else ": %r" % (detail,)))
    print("ok -", what, flush=True)


def test(procs, argv):
    browser.skip_if_missing()
    os.makedirs(WORK, exist_ok=True)
    r = pagerate.run(procs, WORK, 1000, 10)
    ok(r["all_received"], "at 1,000/s the page received all %d dumplings" % r["sent"], (r["received"], r["sent"]))
    ok(r["shown"], "its counter shows them")
    ok(not r["lagged"], "the gateway never closed it as too slow", r["lagged"])
    ok(max(r["nodes"]) < 10000, "the DOM stays bounded (elements per second: %s)" % r["nodes"])
    ok(r["console_errors"] == [] and r["dialogs"] == [], "no console error, no dialog", r["console_errors"])
    print("# busy per second:", ["%.2f" % x for x in r["busy"]], flush=True)
    print("# main-thread CPU per second:", ["%.2f" % x for x in r["cpu"]], flush=True)
    print("# JS heap (MB):", ["%.1f" % (x / 1e6) for x in r["heap"]], flush=True)


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
