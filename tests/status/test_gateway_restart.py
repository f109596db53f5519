#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""status.gateway_restart: nd-gateway is killed (SIGKILL) and started again on
the same port. A WebSocket eater that reconnects by itself (as the web page
does; the page itself is covered by gateway.browser) gets dumplings again, the
hub lists it again under its name, and the old registration is gone; the
native eater and the kitchen never notice. Skipped (77) without nd-gateway,
node-ws or root (capture on lo).

usage: test_gateway_restart.py SNIFTY SHIFTY PRINT HUBSTATUS HUBDETAILS [GATEWAY]"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import statuslib as sl  # noqa: E402
from statuslib import check, ndtest  # noqa: E402


def test(procs, argv):
    bins = sl.Bins(argv)
    if not bins.gateway or not sl.node_ok():
        print("SKIP: needs nd-gateway and node with Debian's node-ws")
        return ndtest.SKIP
    if os.geteuid() != 0:
        print("SKIP: live capture on lo needs root")
        return ndtest.SKIP
    pin, pout, gw_port = ndtest.free_port(), ndtest.free_port(), ndtest.free_port()
    hub = sl.start_hub(procs, bins, "nd-shifty", pin, pout)
    watch = sl.start_watcher(procs, bins, pout)
    ep = "tcp://127.0.0.1:%d" % pout
    eater = procs.start("eater", [bins.printer, "-H", ep, "-n", "eater", "--json", "-c",
                                  "PacketCountChef"])
    gw_args = [bins.gateway, "-H", ep, "-a", "127.0.0.1", "-p", gw_port]
    gw = procs.start("nd-gateway-1", gw_args)
    gw.wait_log(r"serving http", 10)
    ws = sl.start_ws_eater(procs, gw_port, "ws_eater")
    kit = procs.start("kit", [bins.snifty, "-i", "lo", "-f", "udp port 9", "-p", "0.2", "-c",
                              "PacketCountChef", "-n", "gw_kitchen", "-H",
                              "tcp://127.0.0.1:%d" % pin])
    kit.wait_log(r"hub at .* is listening", 10)

    def ws_seqs():
        return [d["metadata"]["sequence"] for d in sl.ws_dumplings(ws)
                if d["metadata"]["kitchen"] == "gw_kitchen"]

    def listed(p):
        return [e for e in p["dumpling_eaters"] if e["info_from_eater"]["eater_name"] ==
                "ws_eater"]
    p1 = sl.wait_status(watch, lambda p: len(listed(p)) == 1, 10, "ws_eater listed")
    id1 = listed(p1)[0]["info_from_eater"]["eater_id"]
    ndtest.wait_for(ws_seqs, 10, "WebSocket dumplings before")

    gw.kill()
    before = max(ws_seqs())
    t = time.monotonic()
    sl.wait_status(watch, lambda p: not listed(p), 5, "ws_eater to leave with its gateway")
    gw2 = procs.start("nd-gateway-2", gw_args)
    gw2.wait_log(r"serving http", 10)
    ndtest.wait_for(lambda: [s for s in ws_seqs() if s > before], 10,
                    "WebSocket dumplings after the gateway restart")
    print("WebSocket eater served again %.2f s after the kill" % (time.monotonic() - t))
    p2 = sl.wait_status(watch, lambda p: len(listed(p)) == 1, 5, "ws_eater listed again")
    check(listed(p2)[0]["info_from_eater"]["eater_id"] != id1, "a new registration")
    s = [d["metadata"]["sequence"] for d in eater.json_lines()
         if d["metadata"]["kitchen"] == "gw_kitchen"]
    check(s == list(range(s[0], s[0] + len(s))), "native eater disturbed: %s" % s)
    for proc in (kit, eater, gw2, watch, hub):
        check(proc.stop() == 0, "%s did not exit 0 on SIGTERM" % proc.name)
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
