#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""live.veth: real packets on a veth pair whose other end is in a network
namespace. nd-snifty -i captures on the host end and publishes to nd-shifty;
nd-print receives DNSLookupChef, ARPChef and PacketCountChef dumplings for the
packets that dig, arping and ping sent. Needs root (skipped, 77, otherwise).
The namespace and the veth pair are removed even when the test fails.

usage: test_veth.py SNIFTY SHIFTY PRINT"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402


def sh(*args, ok=True, timeout=20):
    r = ndtest.run(list(args), timeout=timeout)
    if ok and r.returncode != 0:
        raise ndtest.TestFailure("%s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr))
    return r


def mac_of(dev, netns=None):
    pre = ["ip", "-n", netns] if netns else ["ip"]
    r = sh(*pre, "-j", "link", "show", "dev", dev)
    return json.loads(r.stdout)[0]["address"]


def test(procs, argv):
    snifty, shifty, printer = argv
    if os.geteuid() != 0:
        print("SKIP: live capture in a network namespace needs root")
        return ndtest.SKIP
    for tool in ("ip", "dig", "arping", "ping"):
        if not shutil.which(tool):
            print("SKIP: %s is not installed" % tool)
            return ndtest.SKIP

    tag = str(os.getpid())
    ns, host_if, peer_if = "ndt" + tag, "ndh" + tag, "ndp" + tag
    # 10.213.X.0/30 with X from the pid, so that parallel runs don't collide.
    net = "10.213.%d" % (os.getpid() % 250)
    host_ip, peer_ip = net + ".1", net + ".2"

    def teardown():
        subprocess.run(["ip", "link", "del", host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)

    try:
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", host_if, "type", "veth", "peer", "name", peer_if)
        sh("ip", "link", "set", peer_if, "netns", ns)
        sh("ip", "addr", "add", host_ip + "/30", "dev", host_if)
        sh("ip", "link", "set", host_if, "up")
        sh("ip", "-n", ns, "addr", "add", peer_ip + "/30", "dev", peer_if)
        sh("ip", "-n", ns, "link", "set", peer_if, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        host_mac, peer_mac = mac_of(host_if), mac_of(peer_if, ns)

        pin, pout = ndtest.free_port(), ndtest.free_port()
        hub = procs.start("nd-shifty", [shifty, "-a", "127.0.0.1", "--in-port", pin,
                                        "--out-port", pout, "-f", "1"])
        hub.wait_log(r"eaters \(XPUB\) on", 10)
        eater = procs.start("nd-print", [printer, "-H", "tcp://127.0.0.1:%d" % pout, "--json",
                                         "-k", "live_kitchen", "-n", "live-print"])
        hub.wait_log(r"eater live-print connected", 10)
        kitchen = procs.start("nd-snifty", [snifty, "-i", host_if, "-n", "live_kitchen", "-p",
                                            "1", "-H", "tcp://127.0.0.1:%d" % pin])
        kitchen.wait_log(r"hub at .* is listening", 10)
        kitchen.wait_log(r"kitchen live_kitchen: capturing on " + host_if, 10)

        # Real traffic from inside the namespace. Nothing answers DNS on the
        # host end: dig's query is what we want, its failure is expected.
        sh("ip", "netns", "exec", ns, "dig", "@" + host_ip, "example.org", "+tries=1",
           "+time=1", ok=False)
        sh("ip", "netns", "exec", ns, "arping", "-c", "2", "-i", peer_if, host_ip, ok=False)
        sh("ip", "netns", "exec", ns, "ping", "-c", "2", "-i", "0.2", host_ip)

        def arrived():
            ds = eater.json_lines()
            names = [d["payload"]["lookup"]["hostname"] for d in ds
                     if d["metadata"]["chef"] == "DNSLookupChef"
                     and d["metadata"]["driver"] == "packet"]
            arps = [d["payload"] for d in ds if d["metadata"]["chef"] == "ARPChef"
                    and d["metadata"]["driver"] == "packet"]
            req = [a for a in arps if a["operation"] == "request" and a["src_ip"] == peer_ip
                   and a["src_hw"] == peer_mac and a["dst_ip"] == host_ip]
            rep = [a for a in arps if a["operation"] == "reply" and a["src_ip"] == host_ip
                   and a["src_hw"] == host_mac and a["dst_ip"] == peer_ip
                   and a["dst_hw"] == peer_mac]
            counts = [d["payload"]["packet_counts"] for d in ds
                      if d["metadata"]["chef"] == "PacketCountChef"]
            good_counts = [c for c in counts if c.get("ARP", 0) >= 2 and c.get("DNS", 0) >= 1
                           and c.get("UDP", 0) >= 1 and c.get("Ethernet", 0) >= 3]
            if "example.org" in names and len(req) >= 2 and rep and good_counts:
                return ds
            return None

        ds = ndtest.wait_for(arrived, 20, "DNSLookupChef example.org, ARPChef request+reply "
                             "and PacketCountChef dumplings from the live capture")
        check(all(d["metadata"]["kitchen"] == "live_kitchen" for d in ds), "foreign kitchen")
        check(kitchen.stop() == 0, "nd-snifty did not exit 0 on SIGTERM:\n" + kitchen.stderr())
        s = ndtest.summary(kitchen.stderr())
        check(s["packets"] >= 5, "summary %s" % s)
        check(eater.stop() == 0, "nd-print did not exit 0 on SIGTERM")
        check(hub.stop() == 0, "nd-shifty did not exit 0 on SIGTERM")
        return 0
    finally:
        # The processes are killed by ndtest.main after it printed their logs.
        teardown()


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
