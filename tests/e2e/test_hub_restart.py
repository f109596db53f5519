#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""e2e.hub_restart: the hub is killed (SIGKILL) and started again on the same
ports while a live kitchen and an eater keep running; dumplings flow again
without restarting either (the libzmq 4.3 reconnect trap in ARCHITECTURE.md).
The kitchen captures on lo and makes a PacketCountChef dumpling every 0.2 s.
Needs root for the capture (skipped, 77, otherwise).

usage: test_hub_restart.py SNIFTY SHIFTY PRINT PCAPS_DIR"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402


def test(procs, argv):
    snifty, shifty, printer, _ = argv
    if os.geteuid() != 0:
        print("SKIP: live capture on lo needs root")
        return ndtest.SKIP
    pin, pout = ndtest.free_port(), ndtest.free_port()
    hub_args = [shifty, "-a", "127.0.0.1", "--in-port", pin, "--out-port", pout, "-f", "1"]
    hub = procs.start("nd-shifty-1", hub_args)
    hub.wait_log(r"eaters \(XPUB\) on", 10)
    eater = procs.start("nd-print", [printer, "-H", "tcp://127.0.0.1:%d" % pout, "--json",
                                     "-c", "PacketCountChef", "-n", "restart-print"])
    hub.wait_log(r"eater restart-print connected", 10)
    # A filter nothing matches: only the pokes make dumplings.
    kitchen = procs.start("nd-snifty", [snifty, "-i", "lo", "-f", "udp port %d" % pin, "-p",
                                        "0.2", "-c", "PacketCountChef", "-n", "restart_kitchen",
                                        "-H", "tcp://127.0.0.1:%d" % pin])
    kitchen.wait_log(r"hub at .* is listening", 10)

    def seqs():
        return [d["metadata"]["sequence"] for d in eater.json_lines()]

    ndtest.wait_for(lambda: len(seqs()) >= 3, 10, "3 dumplings before the restart")
    hub.kill()
    kitchen.wait_log(r"lost the hub", 10)
    before = max(seqs())

    hub2 = procs.start("nd-shifty-2", hub_args)
    hub2.wait_log(r"eaters \(XPUB\) on", 10)
    kitchen.wait_log(r"(?s)lost the hub.*hub at .* is listening", 10)
    after = ndtest.wait_for(lambda: [s for s in seqs() if s > before + 2], 15,
                            "dumplings after the restart")
    check(after, "no dumplings after the restart")
    check(kitchen.running() and eater.running(), "kitchen or eater died")
    check(kitchen.stop() == 0, "nd-snifty did not exit 0 on SIGTERM")
    check(eater.stop() == 0, "nd-print did not exit 0 on SIGTERM")
    check(hub2.stop() == 0, "nd-shifty did not exit 0 on SIGTERM")
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
