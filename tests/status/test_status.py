#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""status.fields: two live kitchens and three eaters (two nd-print, one
WebSocket eater behind nd-gateway when it is built) on one hub; every field of
SystemStatusChef is checked against an oracle: the pids and ports from ss(8),
the packets this test sent, the options the kitchens were given.
Needs root for the capture on lo (skipped, 77, otherwise).

usage: test_status.py SNIFTY SHIFTY PRINT HUBSTATUS HUBDETAILS [GATEWAY]"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import statuslib as sl  # noqa: E402
from statuslib import check, ndtest  # noqa: E402


def check_keys(p):
    """The payload's keys, and those of every entry and its info_from_hub, are
    the ones docs/protocol.md lists, in its order ("in" says which lists'
    entries have a key; gateway_host and gateway_port: WebSocket eaters only)."""
    top = [k for k, _ in sl.doc_table("status")]
    got = [k for k in p if k != "_seq"]
    check(got == top, "payload keys %s, docs say %s" % (got, top))
    entry, hub = sl.doc_table("status-entry"), sl.doc_table("status-hub")
    for lst, kind in (("dumpling_kitchens", "kitchens"), ("dumpling_eaters", "eaters"),
                      ("dumpling_gateways", "gateways")):
        want = [k for k, where in entry if kind in where]
        for e in p[lst]:
            check(list(e) == want, "%s entry keys %s, docs say %s" % (lst, list(e), want))
            fh = e["info_from_hub"]
            ws = kind == "eaters" and fh.get("gateway")
            want_hub = [k for k, where in hub if kind in where and
                        (ws or k not in ("gateway_host", "gateway_port"))]
            check(list(fh) == want_hub, "%s info_from_hub keys %s, docs say %s" %
                  (lst, list(fh), want_hub))


def test(procs, argv):
    bins = sl.Bins(argv)
    if os.geteuid() != 0:
        print("SKIP: live capture on lo needs root")
        return ndtest.SKIP
    t0 = time.time()
    pin, pout = ndtest.free_port(), ndtest.free_port()
    dns = sl.DnsSender()
    hub = sl.start_hub(procs, bins, "nd-shifty", pin, pout)
    watch = sl.start_watcher(procs, bins, pout)
    eater = procs.start("eater_a", [bins.printer, "-H", "tcp://127.0.0.1:%d" % pout, "-n",
                                    "eater_a", "--json"])
    want_eaters = ["eater_a", "status_watch"]
    gw = ws = None
    if bins.gateway and sl.node_ok():
        gw_port = ndtest.free_port()
        gw = procs.start("nd-gateway", [bins.gateway, "-H", "tcp://127.0.0.1:%d" % pout,
                                        "--hub-in", "tcp://127.0.0.1:%d" % pin, "-a",
                                        "127.0.0.1", "-p", gw_port])
        gw.wait_log(r"serving http", 10)
        ws = sl.start_ws_eater(procs, gw_port, "ws_eater")
        want_eaters += ["nd-gateway", "ws_eater"]
    else:
        print("NOTE: no nd-gateway (or node-ws): the third eater is a second nd-print")
        procs.start("eater_b", [bins.printer, "-H", "tcp://127.0.0.1:%d" % pout, "-n",
                                "eater_b", "--json"])
        want_eaters += ["eater_b"]
    want_eaters.sort()

    hubep = "tcp://127.0.0.1:%d" % pin
    # kit_a pokes never during the test: the hub's count of its dumplings is
    # compared with what its latest heartbeat says it made, and an interval
    # dumpling made after that heartbeat would make the two differ by timing.
    ka = procs.start("kit_a", [bins.snifty, "-i", "lo", "-f", dns.bpf, "-p", "600",
                               "-c", "DNSLookupChef", "-c", "PacketCountChef", "-n", "kit_a",
                               "-H", hubep])
    kb = procs.start("kit_b", [bins.snifty, "-i", "lo", "-f", "arp", "-p", "0.5", "-c",
                               "ARPChef", "-n", "kit_b", "-H", hubep])
    ka.wait_log(r"hub at .* is listening", 10)
    kb.wait_log(r"hub at .* is listening", 10)
    sl.wait_status(watch, lambda p: sl.eater_names(p) == want_eaters and
                   p["dumpling_kitchen_count"] == 2, 15, "both kitchens and all eaters listed")

    dns.send(25)
    # kit_a makes one DNSLookupChef dumpling per query, plus its pokes.
    def settled(p):
        k = sl.kitchen(p, "kit_a")
        return k and k["info_from_kitchen"]["packets"] == dns.sent and \
            k["info_from_kitchen"]["heartbeat_seq"] >= 3 and \
            k["info_from_hub"]["dumplings"] == k["info_from_kitchen"]["dumplings_made"] and \
            sl.kitchen(p, "kit_b")["info_from_hub"]["heartbeats"] >= 3
    def ws_behind(s):
        # The WebSocket eater listed through the gateway's heartbeat.
        return any(e["info_from_eater"]["eater_name"] == "ws_eater" and
                   e["info_from_hub"].get("gateway") for e in s["dumpling_eaters"])
    p = sl.wait_status(watch, lambda s: settled(s) and (not gw or (s["dumpling_gateways"] and
                                                                   ws_behind(s))), 15,
                       "kit_a to report the %d queries" % dns.sent)
    now = time.time()

    check_keys(p)

    # Oracle for addresses: which pid holds which local port towards the hub.
    kports = sl.client_ports(pin)
    eports = sl.client_ports(pout)
    host = socket.gethostname()
    ver = sl.version(bins.snifty)
    for proc, chefs, flt, poke in ((ka, ["DNSLookupChef", "PacketCountChef"], dns.bpf,
                                    600.0), (kb, ["ARPChef"], "arp", 0.5)):
        k = sl.kitchen(p, proc.name)
        fk, fh = k["info_from_kitchen"], k["info_from_hub"]
        what = proc.name + ": "
        check(fk["interface"] == "lo" and fk["source"] == "live", what + str(fk))
        check(fk["filter"] == flt and fk["chefs"] == chefs, what + str(fk))
        check(fk["poke_interval"] == poke, what + "poke_interval %s" % fk["poke_interval"])
        check(fk["hostname"] == host and fk["pid"] == proc.p.pid, what + "host/pid %s" % fk)
        check(fk["version"] == ver, what + "version %s != %s" % (fk["version"], ver))
        check(t0 - 1 <= fk["start_time"] <= now, what + "start_time %s" % fk["start_time"])
        check(sl.HEX32.match(fk["boot_id"]), what + "boot_id %s" % fk["boot_id"])
        check(fk["heartbeat_interval"] == 1.0 and fk["heartbeat_seq"] >= 3, what + str(fk))
        check(abs(fk["time"] - now) < 5, what + "time %s" % fk["time"])
        # libpcap's drops depend on the machine's load (and count packets from
        # before the filter was set): the hub's totals are checked against them.
        check(fk["ps_drop"] >= 0 and fk["ps_ifdrop"] >= 0 and fk["malformed"] == 0,
              what + "drops %s" % fk)
        check(fk["ps_recv"] >= fk["packets"], what + "ps_recv %s" % fk)
        check(fk["dumplings_sent"] == fk["dumplings_made"] == fk["sequence"] and
              fk["send_failures"] == 0, what + "dumpling counters %s" % fk)
        check(fh["host"] == "127.0.0.1" and [fh["port"]] == kports.get(proc.p.pid),
              what + "address %s:%s, ss says %s" % (fh["host"], fh["port"],
                                                    kports.get(proc.p.pid)))
        check(fh["heartbeat"] is True and fh["heartbeats"] >= 3, what + str(fh))
        check(fh["dumplings"] == fk["dumplings_made"] and fh["last_sequence"] == fk["sequence"],
              what + "hub saw %s" % fh)
        check(fh["dumplings_lost"] == 0 and fh["restarts"] == 0, what + str(fh))
        check(t0 - 1 <= fh["first_seen"] <= fh["last_heartbeat"] <= now + 1, what + str(fh))
    check(sl.kitchen(p, "kit_a")["info_from_kitchen"]["packets"] == dns.sent, "packets")

    # Eaters: names, and addresses against ss.
    check(p["dumpling_eater_count"] == len(p["dumpling_eaters"]) == len(want_eaters),
          "eater count %s" % p["dumpling_eater_count"])
    by_name = {e["info_from_eater"]["eater_name"]: e for e in p["dumpling_eaters"]}
    for name, proc in (("eater_a", eater), ("status_watch", watch), ("nd-gateway", gw)):
        if name not in by_name:
            continue
        fh = by_name[name]["info_from_hub"]
        check(fh["host"] == "127.0.0.1" and fh["port"] in eports.get(proc.p.pid, []),
              "%s address %s:%s, ss says %s" % (name, fh["host"], fh["port"],
                                                eports.get(proc.p.pid)))
        check(fh["gateway"] == "", "%s not behind a gateway: %s" % (name, fh))
        check(t0 - 1 <= fh["connected_since"] <= now, "%s since %s" % (name, fh))
    if gw:
        # The WebSocket eater: its own address (the client's end of its
        # WebSocket), the gateway's connection to the hub beside it.
        fh = by_name["ws_eater"]["info_from_hub"]
        local = sl.ws_local(ws)
        check(local is not None and (fh["host"], fh["port"]) == local,
              "ws_eater address %s:%s, the client says %s" % (fh["host"], fh["port"], local))
        check(fh["gateway"] == "nd-gateway.%s.%d" % (host[:30], gw_port),
              "ws_eater gateway %s" % fh)
        check(fh["gateway_host"] == "127.0.0.1" and
              fh["gateway_port"] in eports.get(gw.p.pid, []),
              "ws_eater's gateway address %s, ss says %s" % (fh, eports.get(gw.p.pid)))
        check(t0 - 1 <= fh["connected_since"] <= now, "ws_eater since %s" % fh)

    # Totals.
    ks = p["dumpling_kitchens"]
    check(p["total_dumplings_in"] == sum(k["info_from_hub"]["dumplings"] for k in ks),
          "total_dumplings_in %s" % p["total_dumplings_in"])
    earlier = [s for s in sl.statuses(watch) if s["_seq"] < p["_seq"]]
    check(p["total_dumplings_out"] == p["total_dumplings_in"] + p["_seq"] - 1,
          "total_dumplings_out %s: the forwarded ones plus the %d earlier status dumplings" %
          (p["total_dumplings_out"], p["_seq"] - 1))
    check(0 < p["server_uptime"] < now - t0 + 1, "uptime %s" % p["server_uptime"])
    check(sl.HEX32.match(p["hub_boot_id"]) and
          all(s["hub_boot_id"] == p["hub_boot_id"] for s in earlier), "hub_boot_id")
    check(t0 - 1 <= p["hub_start_time"] <= t0 + 5, "hub_start_time %s" % p["hub_start_time"])
    for key in ("ps_drop", "ps_ifdrop"):
        check(p["total_" + key] == sum(k["info_from_kitchen"][key] for k in ks),
              "total_%s %s" % (key, p["total_" + key]))
    for key in ("invalid_dumplings_in", "total_dumplings_lost", "total_kitchen_send_failures",
                "total_kitchen_restarts"):
        check(p[key] == 0, "%s = %s" % (key, p[key]))
    check(p["control_messages_in"] >= sum(k["info_from_hub"]["heartbeats"] for k in ks),
          "control_messages_in")
    check(p["kitchen_timeout"] == 3.0, "kitchen_timeout")
    if gw:
        # The gateway's own heartbeat ($gateway/<name>) on the in port.
        check(p["dumpling_gateway_count"] == len(p["dumpling_gateways"]) == 1,
              "gateway count %s" % p["dumpling_gateway_count"])
        g = p["dumpling_gateways"][0]
        fg, fh = g["info_from_gateway"], g["info_from_hub"]
        check(fg["gateway_name"] == "nd-gateway.%s.%d" % (host[:30], gw_port),
              "gateway_name %s" % fg["gateway_name"])
        check(fg["pid"] == gw.p.pid and fg["hostname"] == host and fg["version"] == ver,
              "gateway identity %s" % fg)
        check(sl.HEX32.match(fg["boot_id"]) and t0 - 1 <= fg["start_time"] <= now,
              "gateway boot %s" % fg)
        check(fg["clients"] == 1 and fg["clients_lag_closed"] == 0 and
              fg["dumplings_lag_dropped"] == 0 and fg["dumplings_out"] >= 1, "gateway %s" % fg)
        check(fh["host"] == "127.0.0.1" and [fh["port"]] == kports.get(gw.p.pid),
              "gateway address %s, ss says %s" % (fh, kports.get(gw.p.pid)))
        check(fh["heartbeats"] >= 1 and fh["restarts"] == 0, "gateway at hub %s" % fh)
        check(p["total_gateway_lag_drops"] == 0 and p["total_gateway_lag_closed"] == 0,
              "gateway totals")
    else:
        check(p["dumpling_gateway_count"] == 0 and p["dumpling_gateways"] == [], "no gateway")
        got = ndtest.wait_for(lambda: [d for d in sl.ws_dumplings(ws)
                                       if d["metadata"]["chef"] == "DNSLookupChef"], 10,
                              "DNS dumplings at the WebSocket eater")
        check(len(got) >= 1, "ws eater got dumplings")

    # A disconnected eater disappears within a few seconds.
    eater.stop()
    sl.wait_status(watch, lambda s: "eater_a" not in sl.eater_names(s), 5,
                   "eater_a to leave the list")
    for proc in (ka, kb, watch, hub):
        check(proc.stop() == 0, "%s did not exit 0 on SIGTERM" % proc.name)
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
