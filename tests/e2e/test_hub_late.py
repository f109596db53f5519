#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""e2e.hub_late: nd-snifty -r starts before the hub exists; it says once that it
waits, sends nothing, and when the hub appears every dumpling reaches it (the
hub's SystemStatusChef counts them all).

usage: test_hub_late.py SNIFTY SHIFTY PRINT PCAPS_DIR"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402


def test(procs, argv):
    snifty, shifty, printer, pcaps = argv
    pcap = os.path.join(pcaps, "tcpdump-arp-oobr.pcap")
    r = ndtest.run([snifty, "-r", pcap, "-n", "late_kitchen", "--stdout"])
    check(r.returncode == 0, "nd-snifty --stdout failed: " + r.stderr)
    made = len(r.stdout.splitlines())
    check(made > 1000, "only %d dumplings from %s" % (made, pcap))

    pin, pout = ndtest.free_port(), ndtest.free_port()
    kitchen = procs.start("nd-snifty", [snifty, "-r", pcap, "-n", "late_kitchen", "-H",
                                        "tcp://127.0.0.1:%d" % pin])
    kitchen.wait_log(r"waiting for hub at tcp://127.0.0.1:%d" % pin, 10)
    time.sleep(1.0)  # the hub is late on purpose: the point of this test
    check(kitchen.running(), "nd-snifty gave up without a hub:\n" + kitchen.stderr())
    check(kitchen.stderr().count("waiting for hub") == 1,
          "nd-snifty should say once that it waits:\n" + kitchen.stderr())

    hub = procs.start("nd-shifty", [shifty, "-a", "127.0.0.1", "--in-port", pin,
                                    "--out-port", pout, "-f", "0.3", "--kitchen-timeout", 60])
    rc = kitchen.wait(60)
    check(rc == 0, "nd-snifty exited %d" % rc)
    s = ndtest.summary(kitchen.stderr())
    check(s["sent"] == made and s["not_sent"] == 0, "summary %s, %d made" % (s, made))

    # The status is read after the kitchen is done: every dumpling is at the hub.
    st = procs.start("status", [printer, "-H", "tcp://127.0.0.1:%d" % pout, "-c",
                                "SystemStatusChef", "--json", "--count", 1, "--timeout", 10])
    check(st.wait(20) == 0, "no SystemStatusChef dumpling")
    p = st.json_lines()[0]["payload"]
    check(p["total_dumplings_in"] == made, "hub got %s of %d" % (p["total_dumplings_in"], made))
    check(p["invalid_dumplings_in"] == 0, "invalid %s" % p["invalid_dumplings_in"])
    kit = [k for k in p["dumpling_kitchens"]
           if k["info_from_kitchen"]["kitchen_name"] == "late_kitchen"]
    check(len(kit) == 1, "kitchens %s" % p["dumpling_kitchens"])
    check(hub.stop() == 0, "nd-shifty did not exit 0 on SIGTERM")
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
