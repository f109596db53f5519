#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""live.tunnels: DNS queries sent through real tunnels between two network
namespaces reach an eater with their inner names. Namespaces A and B share a
veth pair (the underlay); over it, a Linux `vxlan` device (VNI 4242) and a
`gretap` device (key 7) join them. dig in B queries a name over each tunnel;
nd-snifty in A sniffs the underlay veth, and nd-print (in A, with the hub)
must receive DNSLookupChef dumplings for both names, ARPChef dumplings naming
the VXLAN tunnel, and PacketCountChef counts of VXLAN and GRE.

Where the kernel has no gretap (no ip_gre module: "Unknown device type"), the
GRE half sends the same kind of packet by hand instead: a raw IPPROTO_GRE
socket in B sends GRE (key 7, transparent Ethernet bridging) carrying an
Ethernet/IPv4/UDP DNS query, which the kernel routes over the veth like any
other. Needs root (skipped, 77, otherwise). The namespaces go away even when
the test fails (deleting a namespace deletes its devices).

usage: test_tunnels.py SNIFTY SHIFTY PRINT"""
import os
import shutil
import socket
import struct
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


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def dns_query_frame(name, src, dst):
    """Ethernet/IPv4/UDP carrying a DNS query for `name` (type A)."""
    q = struct.pack("!HHHHHH", 0x1414, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack("!HH", 1, 1)
    udp = struct.pack("!HHHH", 40000, 53, 8 + len(q), 0) + q
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = bytes.fromhex("02000000000a" "02000000000b") + struct.pack("!H", 0x0800)
    return eth + ip + udp


def test(procs, argv):
    snifty, shifty, printer = argv
    if os.geteuid() != 0:
        print("SKIP: tunnels between network namespaces need root")
        return ndtest.SKIP
    for tool in ("ip", "dig"):
        if not shutil.which(tool):
            print("SKIP: %s is not installed" % tool)
            return ndtest.SKIP

    tag = str(os.getpid() % 100000)
    ns_a, ns_b = "i14a" + tag, "i14b" + tag
    va, vb = "i14va" + tag, "i14vb" + tag
    x = os.getpid() % 250
    under_a, under_b = "10.214.%d.1" % x, "10.214.%d.2" % x
    vx_a, vx_b = "10.215.%d.1" % x, "10.215.%d.2" % x
    gre_a, gre_b = "10.216.%d.1" % x, "10.216.%d.2" % x
    in_a = ["ip", "netns", "exec", ns_a]
    in_b = ["ip", "netns", "exec", ns_b]

    def teardown():
        for ns in (ns_a, ns_b):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)

    try:
        sh("ip", "netns", "add", ns_a)
        sh("ip", "netns", "add", ns_b)
        sh("ip", "link", "add", va, "netns", ns_a, "type", "veth", "peer", "name", vb,
           "netns", ns_b)
        for ns, dev, addr in ((ns_a, va, under_a), (ns_b, vb, under_b)):
            sh("ip", "-n", ns, "addr", "add", addr + "/30", "dev", dev)
            sh("ip", "-n", ns, "link", "set", dev, "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        for ns, local, remote, dev, inner in ((ns_a, under_a, under_b, va, vx_a),
                                              (ns_b, under_b, under_a, vb, vx_b)):
            sh("ip", "-n", ns, "link", "add", "i14vx", "type", "vxlan", "id", "4242",
               "local", local, "remote", remote, "dstport", "4789", "dev", dev)
            sh("ip", "-n", ns, "addr", "add", inner + "/30", "dev", "i14vx")
            sh("ip", "-n", ns, "link", "set", "i14vx", "up")
        gretap = True
        for ns, local, remote, inner in ((ns_a, under_a, under_b, gre_a),
                                         (ns_b, under_b, under_a, gre_b)):
            r = sh("ip", "-n", ns, "link", "add", "i14gt", "type", "gretap", "local", local,
                   "remote", remote, "key", "7", ok=False)
            if r.returncode != 0:
                if "Unknown device type" not in r.stderr:
                    raise ndtest.TestFailure("ip link add gretap: " + r.stderr)
                gretap = False
                break
            sh("ip", "-n", ns, "addr", "add", inner + "/30", "dev", "i14gt")
            sh("ip", "-n", ns, "link", "set", "i14gt", "up")
        if not gretap:
            print("note: this kernel has no gretap; GRE is sent from a raw socket in %s" % ns_b)

        pin, pout = ndtest.free_port(), ndtest.free_port()
        hub = procs.start("nd-shifty", in_a + [shifty, "-a", "127.0.0.1", "--in-port", pin,
                                               "--out-port", pout, "-f", "1"])
        hub.wait_log(r"eaters \(XPUB\) on", 10)
        eater = procs.start("nd-print", in_a + [printer, "-H", "tcp://127.0.0.1:%d" % pout,
                                                "--json", "-k", "tunnel_kitchen",
                                                "-n", "tunnel-print"])
        hub.wait_log(r"eater tunnel-print connected", 10)
        # The default filter ("tcp or udp or arp") would drop GRE: take all.
        kitchen = procs.start("nd-snifty", in_a + [snifty, "-i", va, "-f", "", "-n",
                                                   "tunnel_kitchen", "-p", "1", "-H",
                                                   "tcp://127.0.0.1:%d" % pin])
        kitchen.wait_log(r"hub at .* is listening", 10)
        kitchen.wait_log(r"kitchen tunnel_kitchen: capturing on " + va, 10)

        # Nothing answers DNS in A: the queries are what we want.
        sh(*in_b, "dig", "@" + vx_a, "vxlan-inner.example", "+tries=1", "+time=1", ok=False)
        if gretap:
            sh(*in_b, "dig", "@" + gre_a, "gre-inner.example", "+tries=1", "+time=1",
               ok=False)
        else:
            frame = dns_query_frame("gre-inner.example", gre_b, gre_a)
            gre = struct.pack("!HHI", 0x2000, 0x6558, 7) + frame
            code = ("import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_RAW, 47); "
                    "s.sendto(bytes.fromhex(sys.argv[1]), (sys.argv[2], 0))")
            sh(*in_b, sys.executable, "-c", code, gre.hex(), under_a)

        def arrived():
            ds = eater.json_lines()
            names = {d["payload"]["lookup"]["hostname"] for d in ds
                     if d["metadata"]["chef"] == "DNSLookupChef"
                     and d["metadata"]["driver"] == "packet"}
            arps = [d["payload"] for d in ds if d["metadata"]["chef"] == "ARPChef"
                    and d["payload"].get("tunnel") == "vxlan:4242"
                    and d["payload"]["src_ip"] == vx_b]
            counts = [d["payload"]["packet_counts"] for d in ds
                      if d["metadata"]["chef"] == "PacketCountChef"
                      and d["payload"]["packet_counts"].get("VXLAN", 0) >= 1
                      and d["payload"]["packet_counts"].get("GRE", 0) >= 1]
            if {"vxlan-inner.example", "gre-inner.example"} <= names and arps and counts:
                return ds
            return None

        ds = ndtest.wait_for(arrived, 20, "DNSLookupChef vxlan-inner.example and "
                             "gre-inner.example, ARPChef in vxlan:4242, PacketCountChef "
                             "VXLAN and GRE from the underlay")
        check(all(d["metadata"]["kitchen"] == "tunnel_kitchen" for d in ds), "foreign kitchen")
        check(kitchen.stop() == 0, "nd-snifty did not exit 0 on SIGTERM:\n" + kitchen.stderr())
        check(eater.stop() == 0, "nd-print did not exit 0 on SIGTERM")
        check(hub.stop() == 0, "nd-shifty did not exit 0 on SIGTERM")
        return 0
    finally:
        teardown()


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
