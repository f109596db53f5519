#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""e2e.dualstack: a hub bound to * takes IPv4 and IPv6 on the same ports. One
kitchen connects over IPv4 (tcp://127.0.0.1:PORT), one over IPv6
(tcp://[::1]:PORT), at the same time; an eater on each family receives both
kitchens' dumplings; the hub's status lists each kitchen and eater from its
own address (127.0.0.1 for IPv4, not ::ffff:127.0.0.1; ::1 for IPv6), and
nd-hubdetails shows the IPv6 one in brackets. A hub on -a ::1 (no brackets)
or -a '[::1]' is loopback: no warning. Skipped (77) where IPv6 is off.

usage: test_dualstack.py SNIFTY SHIFTY PRINT PCAPS_DIR HUBDETAILS"""
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402

PCAP = "tcpdump-edns-opts.pcap"  # 20 s of DNS: read at its own pace, the kitchens overlap


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def free_port_both():
    """A port free on 127.0.0.1 and ::1 alike."""
    for _ in range(50):
        p = ndtest.free_port()
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
                s.bind(("::1", p))
            return p
        except OSError:
            continue
    raise ndtest.TestFailure("no port free on both families")


def statuses(proc):
    return [d["payload"] for d in proc.json_lines()
            if d["metadata"]["chef"] == "SystemStatusChef"]


def test(procs, argv):
    snifty, shifty, printer, pcaps, hubdetails = argv
    pcap = os.path.join(pcaps, PCAP)
    if not ipv6_loopback():
        print("SKIP: no IPv6 loopback here")
        return ndtest.SKIP

    # Loopback in either spelling: no CURVE warning.
    for a in ("::1", "[::1]"):
        pin, pout = free_port_both(), free_port_both()
        h = procs.start("nd-shifty-" + a, [shifty, "-a", a, "--in-port", pin, "--out-port", pout])
        h.wait_log(r"eaters \(XPUB\) on tcp://\[::1\]:%d" % pout, 10)
        check("WARNING" not in h.stderr(), "-a %s warned:\n%s" % (a, h.stderr()))
        check(h.stop() == 0, "nd-shifty -a %s did not exit 0" % a)

    pin, pout = free_port_both(), free_port_both()
    hub = procs.start("nd-shifty", [shifty, "-a", "*", "--in-port", pin, "--out-port", pout,
                                    "-f", "0.3", "--kitchen-timeout", "2"])
    hub.wait_log(r"kitchens \(XSUB\) on tcp://\*:%d: every address, IPv4 and IPv6" % pin, 10)
    hub.wait_log(r"eaters \(XPUB\) on tcp://\*:%d: every address, IPv4 and IPv6" % pout, 10)
    ep4, ep6 = "tcp://127.0.0.1:%d" % pout, "tcp://[::1]:%d" % pout
    eat4 = procs.start("eater4", [printer, "-H", ep4, "--json", "-n", "eater4"])
    eat6 = procs.start("eater6", [printer, "-H", ep6, "--json", "-n", "eater6"])
    hub.wait_log(r"eater eater4 connected from 127\.0\.0\.1:", 10)
    hub.wait_log(r"eater eater6 connected from ::1:", 10)

    k4 = procs.start("k4", [snifty, "-r", pcap, "--speed", "realtime", "-p", "0.5", "-n", "k4",
                            "-H", "tcp://127.0.0.1:%d" % pin])
    k6 = procs.start("k6", [snifty, "-r", pcap, "--speed", "realtime", "-p", "0.5", "-n", "k6",
                            "-H", "tcp://[::1]:%d" % pin])

    def both_listed():
        for p in reversed(statuses(eat6)):
            ks = {k["info_from_kitchen"]["kitchen_name"]: k["info_from_hub"]
                  for k in p["dumpling_kitchens"]}
            if "k4" in ks and "k6" in ks and ks["k4"]["heartbeat"] and ks["k6"]["heartbeat"]:
                return p
        return None
    p = ndtest.wait_for(both_listed, 15, "a status listing k4 and k6 at once")
    ks = {k["info_from_kitchen"]["kitchen_name"]: k["info_from_hub"]
          for k in p["dumpling_kitchens"]}
    check(ks["k4"]["host"] == "127.0.0.1", "k4 (IPv4) listed from %r" % ks["k4"]["host"])
    check(ks["k6"]["host"] == "::1", "k6 (IPv6) listed from %r" % ks["k6"]["host"])
    es = {e["info_from_eater"]["eater_name"]: e["info_from_hub"] for e in p["dumpling_eaters"]}
    check(es.get("eater4", {}).get("host") == "127.0.0.1", "eater4 listed as %s" % es.get("eater4"))
    check(es.get("eater6", {}).get("host") == "::1", "eater6 listed as %s" % es.get("eater6"))
    print("ok - the status lists k4 from 127.0.0.1 and k6 from ::1, both at once")

    def both_kitchens(proc):
        def cond():
            got = {d["metadata"]["kitchen"] for d in proc.json_lines()}
            return {"k4", "k6"} <= got
        return cond
    ndtest.wait_for(both_kitchens(eat4), 15, "the IPv4 eater to get both kitchens' dumplings")
    ndtest.wait_for(both_kitchens(eat6), 15, "the IPv6 eater to get both kitchens' dumplings")
    print("ok - both eaters get both kitchens' dumplings")

    r = ndtest.run([hubdetails, "-H", ep6, "--timeout", "10"], timeout=20)
    check(r.returncode == 0, "nd-hubdetails exited %d: %s" % (r.returncode, r.stderr))
    check("address:        [::1]:" in r.stdout and "address:        127.0.0.1:" in r.stdout,
          "nd-hubdetails does not show both addresses readably:\n" + r.stdout)
    print("ok - nd-hubdetails shows [::1]:PORT and 127.0.0.1:PORT")

    for proc in (k4, k6, eat4, eat6, hub):
        check(proc.stop() == 0, "%s did not exit 0:\n%s" % (proc.name, proc.stderr()[-2000:]))
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
