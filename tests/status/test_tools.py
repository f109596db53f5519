#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""status.tools: nd-hubstatus and nd-hubdetails output, checked against the
status dumplings themselves (as nd-print --json shows them): the one-line
format with its numbers, "lost" when dumplings were lost (made real with
ss -K on the kitchen's connection), "hub restarted", colour on request;
nd-hubdetails' report and --json; --timeout with no hub exits 1 with a clear
message; --help, --version and usage errors. The live parts need root
(without it only the offline checks run).

usage: test_tools.py SNIFTY SHIFTY PRINT HUBSTATUS HUBDETAILS [GATEWAY]"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import statuslib as sl  # noqa: E402
from statuslib import check, ndtest  # noqa: E402

LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)  uptime: (\d\d):(\d\d):(\d\d)  "
                  r"dumplings in: (\d+)  out: (\d+)  kitchens: (\d+)  eaters: (\d+)"
                  r"(?:  lost: (\d+))?(?:  capture drops: (\d+)(?: \([^)]*\))?)?"
                  r"(?:  gateway lag drops: (\d+))?$")


def offline(bins):
    for prog in (bins.hubstatus, bins.hubdetails):
        name = os.path.basename(prog)
        r = ndtest.run([prog, "--help"])
        check(r.returncode == 0 and r.stdout.startswith("Usage: " + name), name + " --help")
        r = ndtest.run([prog, "--version"])
        check(r.returncode == 0 and "(netdumplings)" in r.stdout, name + " --version")
        for bad in (["--bogus"], ["-n", "bad name"], ["--timeout", "x"], ["extra"]):
            r = ndtest.run([prog] + bad)
            check(r.returncode == 2, "%s %s exits %d, not 2" % (name, bad, r.returncode))
    for bad in (["--kitchen-timeout", "0"], ["--out-hwm", "0"], ["--kitchen-timeout", "x"]):
        r = ndtest.run([bins.shifty] + bad)
        check(r.returncode == 2, "nd-shifty %s exits %d" % (bad, r.returncode))
    # No hub: a clear message and exit 1, after --timeout and not much later.
    port = ndtest.free_port()
    t = time.monotonic()
    r = ndtest.run([bins.hubdetails, "-H", "tcp://127.0.0.1:%d" % port, "--timeout", "1"])
    took = time.monotonic() - t
    check(r.returncode == 1, "nd-hubdetails without a hub exits %d" % r.returncode)
    check("no status dumpling from a hub at tcp://127.0.0.1:%d within 1 s" % port in r.stderr,
          "clear message: " + r.stderr)
    check(0.9 < took < 5, "took %.1f s" % took)
    r = ndtest.run([bins.hubstatus, "-H", "tcp://127.0.0.1:%d" % port, "--count", "1",
                    "--timeout", "0.5"])
    check(r.returncode == 1 and "timed out" in r.stderr, "nd-hubstatus --count/--timeout: " +
          r.stderr)


def live(procs, bins):
    pin, pout = ndtest.free_port(), ndtest.free_port()
    hub = sl.start_hub(procs, bins, "nd-shifty-1", pin, pout)
    ep = "tcp://127.0.0.1:%d" % pout
    watch = sl.start_watcher(procs, bins, pout)
    plain = procs.start("hubstatus", [bins.hubstatus, "-H", ep, "--no-color"])
    color = procs.start("hubstatus-color", [bins.hubstatus, "-H", ep, "--color", "-n", "colored"])
    dns = sl.DnsSender()
    kit = procs.start("kit", [bins.snifty, "-i", "lo", "-f", dns.bpf, "-p", "0", "-c",
                              "DNSLookupChef", "-n", "tools_kitchen", "-H",
                              "tcp://127.0.0.1:%d" % pin])
    kit.wait_log(r"hub at .* is listening", 10)
    sl.wait_status(watch, lambda p: p["dumpling_kitchen_count"] == 1 and
                   p["dumpling_eater_count"] == 3, 10, "kitchen and eaters listed")
    # Real loss: kill the kitchen's connection while it makes dumplings.
    for _ in range(2):
        for _ in range(30):
            dns.send(5)
            time.sleep(0.005)
        ndtest.run(["ss", "-K", "dst", "127.0.0.1", "dport", "=", ":%d" % pin])
        for _ in range(30):
            dns.send(5)
            time.sleep(0.005)
    p = sl.wait_status(watch, lambda s: s["total_dumplings_lost"] > 0 and
                       sl.kitchen(s, "tools_kitchen")["info_from_kitchen"]["sequence"] ==
                       dns.sent, 10, "a status with lost dumplings")
    lost = p["total_dumplings_lost"]

    # Every nd-hubstatus line is one status dumpling, number for number.
    ndtest.wait_for(lambda: "lost: %d" % lost in plain.stdout(), 5, "a line with lost")
    lines = plain.stdout().splitlines()
    check(len(lines) >= 3, "nd-hubstatus lines: %s" % lines)
    for line in lines:
        check(LINE.match(line), "line format: %r" % line)

    def same(m, s):
        up = int(s["server_uptime"])
        return (int(m.group(2)) * 3600 + int(m.group(3)) * 60 + int(m.group(4)) == up and
                int(m.group(5)) == s["total_dumplings_in"] and
                int(m.group(6)) == s["total_dumplings_out"] and
                int(m.group(7)) == s["dumpling_kitchen_count"] and
                int(m.group(8)) == s["dumpling_eater_count"] and
                int(m.group(9) or 0) == s["total_dumplings_lost"])

    def unmatched():
        # The watcher may be a moment behind nd-hubstatus: read it afresh.
        by_time = {}
        for d in watch.json_lines():
            when = time.strftime("%Y-%m-%d %H:%M:%S",
                                 time.gmtime(int(d["metadata"]["creation_time"] / 1000)))
            by_time.setdefault(when, []).append(d["payload"])
        return [ln for ln in lines
                if not any(same(LINE.match(ln), s) for s in by_time.get(ln[:19], []))]
    ndtest.wait_for(lambda: not unmatched(), 3, "every line to match a status dumpling")
    check("\033[" in color.stdout() and "\033[" not in plain.stdout(), "--color / --no-color")

    # nd-hubdetails: the readable report and --json.
    r = ndtest.run([bins.hubdetails, "-H", ep, "--timeout", "5"], timeout=20)
    check(r.returncode == 0, "nd-hubdetails exits %d: %s" % (r.returncode, r.stderr))
    out = r.stdout
    for want in ("hub nd-shifty at ", "boot id:        " + p["hub_boot_id"], "kitchens: 1",
                 "  tools_kitchen\n", "capture:        live lo, filter \"%s\"" % dns.bpf,
                 "chefs:          DNSLookupChef", "lost:           %d dumpling(s)" % lost,
                 "eaters: 4", "colored", "status_watch", "nd-hubdetails", "gateways: 0"):
        check(want in out, "nd-hubdetails shows %r:\n%s" % (want, out))
    check(re.search(r"at the hub:     \d+ dumplings, %d lost" % lost, out), out)
    r = ndtest.run([bins.hubdetails, "-H", ep, "--json", "-t", "5"], timeout=20)
    check(r.returncode == 0, "nd-hubdetails --json exits %d" % r.returncode)
    j = json.loads(r.stdout)
    check(j["metadata"]["chef"] == "SystemStatusChef" and
          j["payload"]["hub_boot_id"] == p["hub_boot_id"] and
          j["payload"]["total_dumplings_lost"] == lost, "--json: %s" % r.stdout[:300])

    # The hub restarts: nd-hubstatus says so before the new hub's first line.
    hub.kill()
    sl.start_hub(procs, bins, "nd-shifty-2", pin, pout)
    ndtest.wait_for(lambda: "hub restarted" in plain.stdout(), 10, "'hub restarted'")
    check(plain.stop() == 0 and color.stop() == 0, "nd-hubstatus exits 0 on SIGTERM")


def test(procs, argv):
    bins = sl.Bins(argv)
    offline(bins)
    if os.geteuid() != 0:
        print("SKIP: the live part needs root (capture on lo, ss -K)")
        return ndtest.SKIP
    live(procs, bins)
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
