#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""status.hostile: heartbeats from a hostile peer (nd-test-hb-inject): every
malformed one is refused and counted in invalid_dumplings_in, the hub keeps
running, and the accepted one full of junk shows up cleaned (printable ASCII,
valid chef names only, wrong types as 0, counters capped), so that the status
dumpling stays valid for every eater, JSON ones included. A gateway heartbeat
whose "eaters" list is junk and too long gives the watcher (which it claims)
the one valid entry's address, and nothing else.

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
    p = sl.wait_status(watch, lambda s: "status_watch" in sl.eater_names(s), 10,
                       "the watcher's registration")
    wid = [e["info_from_eater"]["eater_id"] for e in p["dumpling_eaters"]
           if e["info_from_eater"]["eater_name"] == "status_watch"][0]
    r = ndtest.run([inject, "tcp://127.0.0.1:%d" % pin, "status_watch", wid], timeout=30)
    check(r.returncode == 0, "injector failed: " + r.stderr)
    bad = int(r.stdout.strip())
    p = sl.wait_status(watch, lambda s: sl.kitchen(s, "evil"), 5, "the accepted heartbeat")
    check(p["invalid_dumplings_in"] == bad, "invalid %d, %d sent" % (p["invalid_dumplings_in"],
                                                                       bad))
    check(p["dumpling_kitchen_count"] == 2,
          "only the accepted ones listed: %s" % p["dumpling_kitchens"])
    # The liar's impossible numbers: backwards, absurdly far ahead, a topic
    # above its sequence, junk topics: suspicious, never a loss.
    p = sl.wait_status(watch, lambda s: s["suspicious_heartbeats"] >= 3, 5, "the liar")
    liar = sl.kitchen(p, "liar")
    check(p["suspicious_heartbeats"] == 3, "suspicious %d" % p["suspicious_heartbeats"])
    check(liar["info_from_hub"]["dumplings_lost"] == 0 and p["total_dumplings_lost"] == 0 and
          liar["info_from_hub"]["last_sequence"] == 100, "the liar: %s" % liar)
    check(liar["info_from_kitchen"]["topics"] == {}, "topics %s" % liar["info_from_kitchen"])
    # The hostile gateway: its one valid entry names the watcher, junk dropped.
    p = sl.wait_status(watch, lambda s: s["dumpling_gateway_count"] == 1, 5, "the evil gateway")
    fh = [e["info_from_hub"] for e in p["dumpling_eaters"]
          if e["info_from_eater"]["eater_name"] == "status_watch"][0]
    check(fh["host"] == "2001:db8::7" and fh["port"] == 4242 and fh["gateway"] == "evilgw" and
          fh["connected_since"] == 12.5 and fh["gateway_host"] == "127.0.0.1",
          "the watcher through the evil gateway: %s" % fh)
    check(p["dumpling_eater_count"] == len(p["dumpling_eaters"]) == 1,
          "the gateway's list adds no eater: %s" % p["dumpling_eaters"])
    check("eaters" not in p["dumpling_gateways"][0]["info_from_gateway"],
          "the list is not repeated in info_from_gateway")
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
