#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""status.hub_restart: the hub is killed (SIGKILL) and started again on the
same ports. Without restarting anything else, within 5 s: dumplings from both
live kitchens reach the native eater and the WebSocket eater behind nd-gateway
again (the libzmq 4.3 reconnect trap), the new hub lists the kitchens and every
eater again, and eaters can tell the hub restarted (a new hub_boot_id).
Needs root for the capture on lo (skipped, 77, otherwise).

usage: test_hub_restart.py SNIFTY SHIFTY PRINT HUBSTATUS HUBDETAILS [GATEWAY]"""
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
    hub = sl.start_hub(procs, bins, "nd-shifty-1", pin, pout)
    watch = sl.start_watcher(procs, bins, pout)
    ep = "tcp://127.0.0.1:%d" % pout
    eater = procs.start("eater", [bins.printer, "-H", ep, "-n", "eater", "--json", "-c",
                                  "PacketCountChef"])
    hubstatus = procs.start("hubstatus", [bins.hubstatus, "-H", ep, "--no-color"])
    want = ["eater", "nd-hubstatus", "status_watch"]
    ws = None
    if bins.gateway and sl.node_ok():
        gw_port = ndtest.free_port()
        gw = procs.start("nd-gateway", [bins.gateway, "-H", ep, "--hub-in",
                                        "tcp://127.0.0.1:%d" % pin, "-a", "127.0.0.1", "-p",
                                        gw_port])
        gw.wait_log(r"serving http", 10)
        ws = sl.start_ws_eater(procs, gw_port, "ws_eater")
        want += ["nd-gateway", "ws_eater"]
    else:
        print("NOTE: no nd-gateway (or node-ws): WebSocket part not tested")
    want.sort()
    kitchens = []
    for name in ("kit_a", "kit_b"):
        k = procs.start(name, [bins.snifty, "-i", "lo", "-f", "udp port 9", "-p", "0.2", "-c",
                               "PacketCountChef", "-n", name, "-H", "tcp://127.0.0.1:%d" % pin])
        k.wait_log(r"hub at .* is listening", 10)
        kitchens.append(k)
    p1 = sl.wait_status(watch, lambda p: sl.eater_names(p) == want and
                        p["dumpling_kitchen_count"] == 2, 10, "everything listed")

    def native(kitchen):
        return [d["metadata"]["sequence"] for d in eater.json_lines()
                if d["metadata"]["kitchen"] == kitchen]

    def websocket(kitchen):
        return [d["metadata"]["sequence"] for d in sl.ws_dumplings(ws)
                if d["metadata"]["kitchen"] == kitchen and
                d["metadata"]["chef"] == "PacketCountChef"]

    for k in ("kit_a", "kit_b"):
        ndtest.wait_for(lambda: native(k), 10, "dumplings from %s before" % k)
        if ws:
            ndtest.wait_for(lambda: websocket(k), 10, "WebSocket dumplings from %s before" % k)
    hub.kill()
    for k in kitchens:
        k.wait_log(r"lost the hub", 10)
    before = {k: (max(native(k)), max(websocket(k)) if ws else 0) for k in ("kit_a", "kit_b")}
    n_status = len(sl.statuses(watch))

    t_restart = time.monotonic()
    hub2 = sl.start_hub(procs, bins, "nd-shifty-2", pin, pout)
    for k in ("kit_a", "kit_b"):
        ndtest.wait_for(lambda: [s for s in native(k) if s > before[k][0]],
                        5 - (time.monotonic() - t_restart), "%s at the native eater" % k)
        if ws:
            ndtest.wait_for(lambda: [s for s in websocket(k) if s > before[k][1]],
                            5 - (time.monotonic() - t_restart), "%s at the WebSocket eater" % k)
    print("dumplings flow again %.2f s after the restart" % (time.monotonic() - t_restart))
    p2 = sl.wait_status(watch, lambda p: p["_seq"] >= 2 and p["hub_boot_id"] !=
                        p1["hub_boot_id"] and sl.eater_names(p) == want and
                        p["dumpling_kitchen_count"] == 2 and
                        p["dumpling_gateway_count"] == (1 if ws else 0), 5,
                        "the new hub to list everything")
    check(len(sl.statuses(watch)) > n_status, "watcher got statuses from the new hub")
    check(sl.HEX32.match(p2["hub_boot_id"]), "hub_boot_id")
    for k in ("kit_a", "kit_b"):
        kk = sl.kitchen(p2, k)
        check(kk["info_from_hub"]["restarts"] == 0, "%s counted as restarted" % k)
        check(kk["info_from_kitchen"]["boot_id"] == sl.kitchen(p1, k)["info_from_kitchen"]
              ["boot_id"], "%s boot id changed" % k)
    ndtest.wait_for(lambda: "hub restarted" in hubstatus.stdout(), 5,
                    "nd-hubstatus to say the hub restarted")
    for proc in kitchens + [eater, hubstatus, watch]:
        check(proc.running(), "%s died" % proc.name)
        check(proc.stop() == 0, "%s did not exit 0 on SIGTERM" % proc.name)
    check(hub2.stop() == 0, "nd-shifty did not exit 0 on SIGTERM")
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
