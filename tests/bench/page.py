#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""page.py: the benchmark row of the live page (issue 15): the page in headless
Chromium while nd-test-pub-json streams a mix of every built-in chef and a
plugin chef at 10,000 dumplings/s for 60 s through a real nd-shifty and
nd-gateway, beside a baseline run in the same command (the same page at 10
dumplings/s). Chromium's own counters (CDP Performance.getMetrics), sampled
every second: TaskDuration (main-thread busy time per second) and
JSHeapUsedSize, and the heap after a forced garbage collection at 10 s and
when the stream ended (what the page retains). Targets: busy under 50 %,
heap after the first 10 s within 10 % of its level at 10 s. Not a test: nothing fails on a number; exit 1 only if
the run itself broke.

    /usr/bin/python3 tests/bench/page.py --build BUILD [--rate 10000] [--seconds 60] [--json OUT]

Debian's python3 (python3-selenium is installed for it)."""
import argparse
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import ndtest  # noqa: E402
import pagerate  # noqa: E402


def summary(r):
    busy = r["busy"][1:]  # the first second includes the stream's start
    cpu = r["cpu"][1:]
    heap = r["heap"]
    at10 = heap[min(9, len(heap) - 1)]
    after = heap[10:] or heap[-1:]
    return {"rate": r["rate"], "seconds": r["seconds"], "received": r["received"], "sent": r["sent"],
            "busy_median": statistics.median(busy) if busy else None, "busy_max": max(busy) if busy else None,
            "samples": len(r["busy"]),
            "cpu_median": statistics.median(cpu) if cpu else None, "cpu_max": max(cpu) if cpu else None,
            "load": os.getloadavg()[0],
            "heap_at_10s_mb": at10 / 1e6, "heap_max_after_mb": max(after) / 1e6,
            "heap_min_after_mb": min(after) / 1e6,
            "heap_drift": (max(after) - at10) / at10 if at10 else None,
            "retained_mb": [x / 1e6 for x in r.get("retained", [])],
            "dom_elements_max": max(r["nodes"]) if r["nodes"] else None,
            "lagged": r["lagged"], "console_errors": len(r["console_errors"])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--rate", type=int, default=10000)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--json")
    a = ap.parse_args()
    b = os.path.abspath(a.build)
    os.environ.update({"ND_GATEWAY": os.path.join(b, "gateway", "nd-gateway"),
                       "ND_SHIFTY": os.path.join(b, "shifty", "nd-shifty"),
                       "ND_SNIFTY": os.path.join(b, "snifty", "nd-snifty"),
                       "ND_PUB_JSON": os.path.join(b, "tests", "gateway", "nd-test-pub-json")})
    work = os.path.join(b, "tests", "bench", "page")
    os.makedirs(work, exist_ok=True)
    procs = ndtest.Procs()
    rows = []
    for rate, seconds in ((10, min(20, a.seconds)), (a.rate, a.seconds)):
        r = pagerate.run(procs, work, rate, seconds, log=lambda *x: print(*x, file=sys.stderr, flush=True))
        rows.append(summary(r))
    procs.cleanup()
    base, ours = rows
    print("| page at | main thread busy (median, max) | main thread CPU (median, max) | JS heap at 10 s -> after (min..max) | retained heap (after GC) at 10 s -> end | DOM elements | received | load avg |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        ret = r["retained_mb"]
        kept = ("%.2f MB -> %.2f MB (%+.0f %%)" % (ret[0], ret[1], 100 * (ret[1] - ret[0]) / ret[0])
                if len(ret) == 2 and ret[0] else "-")
        print("| %d/s, %d s | %.0f %%, %.0f %% | %.0f %%, %.0f %% | %.1f MB -> %.1f..%.1f MB (%+.0f %%) | %s | %s | %d of %d | %.1f |" % (
            r["rate"], r["seconds"], 100 * r["busy_median"], 100 * r["busy_max"],
            100 * r["cpu_median"], 100 * r["cpu_max"], r["heap_at_10s_mb"],
            r["heap_min_after_mb"], r["heap_max_after_mb"], 100 * (r["heap_drift"] or 0), kept,
            r["dom_elements_max"], r["received"], r["sent"], r["load"]))
    print("busy ratio (10,000/s over baseline): %.1f" % (ours["busy_median"] / max(base["busy_median"], 1e-3)))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0 if ours["received"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
