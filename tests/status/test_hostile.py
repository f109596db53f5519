#!/usr/bin/env python3
"""status.hostile: heartbeats from a hostile peer (nd-test-hb-inject): every
malformed one is refused and counted in invalid_dumplings_in, the hub keeps
running, and the accepted one full of junk shows up cleaned (printable ASCII,
valid chef names only, wrong types as 0, counters capped), so that the status
dumpling stays valid for every eater, JSON ones included.

usage: test_hostile.py SNIFTY SHIFTY PRINT HUBSTATUS HUBDETAILS [GATEWAY] INJECT"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import statuslib as sl  # noqa: E402
from statuslib import check, ndtest  # noqa: E402


def test(procs, argv):
    inject = argv[-1]
    bins = sl.Bins(argv[:-1])
    pin, pout = ndtest.free_port(), ndtest.free_port()
    hub = sl.start_hub(procs, bins, "nd-shifty", pin, pout)
    watch = sl.start_watcher(procs, bins, pout)
    ndtest.wait_for(lambda: "connected" in hub.stderr(), 10, "the watcher")
    r = ndtest.run([inject, "tcp://127.0.0.1:%d" % pin], timeout=30)
    check(r.returncode == 0, "injector failed: " + r.stderr)
    bad = int(r.stdout.strip())
    p = sl.wait_status(watch, lambda s: sl.kitchen(s, "evil"), 5, "the accepted heartbeat")
    check(p["invalid_dumplings_in"] == bad, "invalid %d, %d sent" % (p["invalid_dumplings_in"],
                                                                       bad))
    check(p["dumpling_kitchen_count"] == 1 and p["dumpling_gateway_count"] == 0,
          "only the accepted one listed: %s" % p["dumpling_kitchens"])
    fk = sl.kitchen(p, "evil")["info_from_kitchen"]
    check(fk["interface"] == "????x" and fk["boot_id"] == "junk?", "strings cleaned: %s" % fk)
    check(fk["chefs"] == ["GoodChef"], "chefs %s" % fk["chefs"])
    check(fk["pid"] == 0 and fk["poke_interval"] == 0, "wrong types read as 0: %s" % fk)
    check(fk["ps_drop"] == 2 ** 53 - 1 and p["total_ps_drop"] == 2 ** 53 - 1,
          "counters capped: %s" % fk["ps_drop"])
    r = ndtest.run([bins.hubdetails, "-H", "tcp://127.0.0.1:%d" % pout, "-t", "5"], timeout=20)
    check(r.returncode == 0 and "  evil\n" in r.stdout, "nd-hubdetails shows it: " + r.stderr)
    check(hub.running(), "the hub died")
    check(hub.stop() == 0 and watch.stop() == 0, "exit 0 on SIGTERM")
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
