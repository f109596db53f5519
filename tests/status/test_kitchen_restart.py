#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""status.kitchen_restart: a kitchen killed with SIGKILL is gone from the
hub's status within 3 heartbeats (--kitchen-timeout 3) while the other
kitchen's dumplings keep flowing without a gap; started again it is listed
again. Killed and started again at once (within the timeout), it is one
kitchen with a new boot id, counted as a restart, not as lost dumplings.
Needs root for the capture on lo (skipped, 77, otherwise).

usage: test_kitchen_restart.py SNIFTY SHIFTY PRINT HUBSTATUS HUBDETAILS [GATEWAY]"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import statuslib as sl  # noqa: E402
from statuslib import check, ndtest  # noqa: E402


def test(procs, argv):
    bins = sl.Bins(argv)
    if os.geteuid() != 0:
        print("SKIP: live capture on lo needs root")
        return ndtest.SKIP
    pin, pout = ndtest.free_port(), ndtest.free_port()
    hub = sl.start_hub(procs, bins, "nd-shifty", pin, pout, "--kitchen-timeout", "3")
    watch = sl.start_watcher(procs, bins, pout)
    eater = procs.start("eater", [bins.printer, "-H", "tcp://127.0.0.1:%d" % pout, "-n", "eater",
                                  "--json", "-c", "PacketCountChef"])

    def kitchen(name, n):
        k = procs.start("%s-%d" % (name, n), [bins.snifty, "-i", "lo", "-f", "udp port 9", "-p",
                                              "0.2", "-c", "PacketCountChef", "-n", name, "-H",
                                              "tcp://127.0.0.1:%d" % pin])
        k.wait_log(r"hub at .* is listening", 10)
        return k

    def seqs(name):
        return [d["metadata"]["sequence"] for d in eater.json_lines()
                if d["metadata"]["kitchen"] == name]

    steady = kitchen("steady", 1)
    victim = kitchen("victim", 1)
    p = sl.wait_status(watch, lambda s: sl.kitchen(s, "steady") and sl.kitchen(s, "victim"), 10,
                       "both kitchens listed")
    boot1 = sl.kitchen(p, "victim")["info_from_kitchen"]["boot_id"]

    # Killed: gone within 3 heartbeats (plus one status period to be published).
    victim.kill()
    t_kill = time.monotonic()
    gone = sl.wait_status(watch, lambda s: not sl.kitchen(s, "victim"),
                          3 + 0.5 + 1, "the killed kitchen to leave the status")
    print("gone %.2f s after SIGKILL" % (time.monotonic() - t_kill))
    check(gone["dumpling_kitchen_count"] == 1 and sl.kitchen(gone, "steady"), "steady listed")

    # Started again: listed again, as a new kitchen (the old one was forgotten).
    victim = kitchen("victim", 2)
    p = sl.wait_status(watch, lambda s: sl.kitchen(s, "victim"), 5, "victim listed again")
    v = sl.kitchen(p, "victim")
    boot2 = v["info_from_kitchen"]["boot_id"]
    check(boot2 != boot1 and v["info_from_hub"]["restarts"] == 0, "victim again: %s" % v)

    # Killed and started again within the timeout: a restart, nothing lost.
    ndtest.wait_for(lambda: len(seqs("victim")) > 10, 10, "victim dumplings")
    victim.kill()
    victim = kitchen("victim", 3)
    p = sl.wait_status(watch, lambda s: sl.kitchen(s, "victim") and
                       sl.kitchen(s, "victim")["info_from_kitchen"]["boot_id"] not in
                       (boot1, boot2), 5, "the restarted kitchen's new boot id")
    v = sl.kitchen(p, "victim")
    check(v["info_from_hub"]["restarts"] == 1 and p["total_kitchen_restarts"] == 1,
          "restart counted: %s" % v["info_from_hub"])
    check(v["info_from_hub"]["dumplings_lost"] == 0 and p["total_dumplings_lost"] == 0,
          "a restart is not loss: %s" % v["info_from_hub"])

    # The steady kitchen was never disturbed: every sequence number, in order.
    s = seqs("steady")
    check(s == list(range(s[0], s[0] + len(s))) and len(s) > 20,
          "steady kitchen's dumplings have a gap: %s" % s)
    check(sl.kitchen(p, "steady")["info_from_hub"]["dumplings_lost"] == 0, "steady lost some")
    for proc in (steady, victim, eater, watch, hub):
        check(proc.stop() == 0, "%s did not exit 0 on SIGTERM" % proc.name)
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
