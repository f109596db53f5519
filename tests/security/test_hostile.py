#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""security.hostile: a rogue publisher at the hub's in port.

While a normal kitchen replays a capture, nd-test-inject sends the hub random
frames (random counts and bytes), wrong frame counts, bodies of the wrong
types, names that break the rules, empty frames, and then one message bigger
than --max-message. The hub keeps running, forwards none of it, counts every
rejected message in invalid_dumplings_in, cuts the oversized sender off
(kitchen_disconnects), and the kitchen's dumplings arrive intact: exactly what
nd-snifty --stdout makes from the same capture.

usage: test_hostile.py INJECT SHIFTY SNIFTY PRINT PCAPS"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seclib  # noqa: E402
from seclib import ndtest, check  # noqa: E402

CHEF = "DNSLookupChef"
MAX = 65536


def test(procs, argv):
    inject, shifty, snifty, printer, pcaps = argv
    pcap = os.path.join(pcaps, "ndpi-dns.pcap")
    if not os.path.exists(pcap):
        print("no capture %s" % pcap)
        return ndtest.SKIP
    pin, pout = ndtest.free_port(), ndtest.free_port()
    hub = procs.start("nd-shifty", [shifty, "-a", "127.0.0.1", "--in-port", pin, "--out-port",
                                    pout, "-f", "0.3", "--max-message", MAX])
    hub.wait_log(r"eaters \(XPUB\) on", 10)
    ep_in = "tcp://127.0.0.1:%d" % pin
    # Everything the hub forwards, whatever the topic.
    eater = procs.start("eater", [printer, "-H", "tcp://127.0.0.1:%d" % pout, "--json", "-n",
                                  "all"])
    hub.wait_log(r"eater all connected", 10)

    rogue = procs.start("inject-hostile", [inject, ep_in, "hostile", 500])
    kitchen = procs.start("kitchen", [snifty, "-r", pcap, "-H", ep_in, "-n", "good_kitchen",
                                      "-c", CHEF, "-q"])
    check(kitchen.wait(60) == 0, "the kitchen failed: " + kitchen.stderr())
    check(rogue.wait(60) == 0, "inject failed: " + rogue.stderr())
    sent = int(rogue.stdout().split()[1])
    check(sent > 500, "inject sent only %d" % sent)

    p = seclib.wait_status(printer, pout, lambda p: p["invalid_dumplings_in"] >= sent,
                           "the hub to count the hostile messages")
    check(p["invalid_dumplings_in"] == sent, "invalid_dumplings_in %d, %d sent" %
          (p["invalid_dumplings_in"], sent))
    d0 = p["kitchen_disconnects"]
    check(p["max_message"] == MAX, "max_message %s" % p["max_message"])

    # Oversized: the hub cuts the sender off; inject sees it while still running.
    r = ndtest.run([inject, ep_in, "oversize", 4 * MAX], timeout=30)
    check(r.returncode == 0 and "disconnected" in r.stdout,
          "the oversized sender was not disconnected: %s %s" % (r.stdout, r.stderr))
    p = seclib.wait_status(printer, pout, lambda q: q["kitchen_disconnects"] >= d0 + 1,
                           "the disconnect to be counted")
    check(p["invalid_dumplings_in"] == sent, "the oversized message was counted as a dumpling")

    ref = ndtest.run([snifty, "-r", pcap, "-n", "good_kitchen", "-c", CHEF, "--stdout", "-q"])
    want = [ndtest.masked(json.loads(x)) for x in ref.stdout.splitlines()]
    check(len(want) > 0, "the reference kitchen made no dumplings")
    check(p["total_dumplings_in"] == len(want), "total_dumplings_in %d, kitchen made %d" %
          (p["total_dumplings_in"], len(want)))

    def dumplings():
        return [d for d in eater.json_lines() if d["metadata"]["chef"] != "SystemStatusChef"]
    ndtest.wait_for(lambda: len(dumplings()) >= len(want), 20, "the kitchen's dumplings")
    got = [ndtest.masked(d) for d in dumplings()]
    check(got == want, "the eater got %d dumplings (%d expected) or different ones: %s" %
          (len(got), len(want), [d["metadata"] for d in got if d not in want][:3]))
    check(hub.running(), "the hub died")
    check(eater.stop() == 0 and hub.stop() == 0, "unclean exit")
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
