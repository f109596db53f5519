#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""live.ring: the capture ring, on a veth pair whose two ends sit in a network
namespace of their own (nothing replayed can be routed anywhere).

1. The regression guard for the ring's configuration: `tcpreplay --pps 20000`
   sends 100,000 DNS queries (5 s) on one end; nd-snifty captures on the other
   end with its defaults and publishes to nd-shifty. The kitchen must report 0
   packets dropped by the kernel and the interface, capture every packet sent
   (tcpreplay's count), and the eater must receive one DNSLookupChef dumpling
   per question tshark finds in the capture, with no sequence gap.
2. Loss made real and shown everywhere: a kitchen with a 1 MiB ring is stopped
   (SIGSTOP) while 20,000 packets arrive, then continued. Its warning, the
   hub's SystemStatusChef (per kitchen and in total), nd-hubstatus and the
   gateway's /metrics all show the same drops, and what it captured plus what
   the kernel dropped is what tcpreplay sent.

Needs root, ip, tcpreplay and tshark (skipped, 77, otherwise). The namespace
is removed even when the test fails.

usage: test_ring.py SNIFTY SHIFTY PRINT HUBSTATUS BENCH_EATER GEN_PCAP [GATEWAY]"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402


def sh(*args, ok=True, timeout=30):
    r = ndtest.run(list(args), timeout=timeout)
    if ok and r.returncode != 0:
        raise ndtest.TestFailure("%s failed (%d): %s" % (" ".join(map(str, args)),
                                                         r.returncode, r.stderr))
    return r


def summary(stderr):
    """nd-snifty's summary line, with the capture's drop counts."""
    m = re.search(r"summary: packets (\d+), .*dumplings (\d+), sent (\d+), not sent (\d+).*"
                  r"kernel dropped (\d+), interface dropped (\d+)", stderr)
    if not m:
        raise ndtest.TestFailure("no summary line with drops in:\n" + stderr)
    return dict(zip(("packets", "dumplings", "sent", "not_sent", "drop", "ifdrop"),
                    map(int, m.groups())))


def test(procs, argv):
    snifty, shifty, printer, hubstatus, eater, gen = argv[:6]
    gateway = argv[6] if len(argv) > 6 and os.path.exists(argv[6]) else None
    if os.geteuid() != 0:
        print("SKIP: live capture in a network namespace needs root")
        return ndtest.SKIP
    for tool in ("ip", "tcpreplay", "tshark"):
        if not shutil.which(tool):
            print("SKIP: %s is not installed" % tool)
            return ndtest.SKIP

    tag = os.getpid()
    ns, dev_a, dev_b = "ndring%d" % tag, "ndrA%d" % tag, "ndrB%d" % tag
    nsx = ["ip", "netns", "exec", ns]

    def replay(speed, pcap):
        r = sh(*nsx, "tcpreplay", "-i", dev_b, *speed, pcap, timeout=120)
        m = re.search(r"Actual: (\d+) packets", r.stdout)
        check(m, "tcpreplay's count: " + r.stdout)
        failed = re.search(r"Failed packets:\s+(\d+)", r.stdout)
        check(not failed or failed.group(1) == "0", "tcpreplay failed to send: " + r.stdout)
        return int(m.group(1))

    def hub(name, freq):
        pin, pout = ndtest.free_port(), ndtest.free_port()
        h = procs.start(name, nsx + [shifty, "-a", "127.0.0.1", "--in-port", pin, "--out-port",
                                     pout, "-f", freq])
        h.wait_log(r"eaters \(XPUB\) on", 10)
        h.ins, h.outs = "tcp://127.0.0.1:%d" % pin, "tcp://127.0.0.1:%d" % pout
        h.pout = pout
        return h

    try:
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "add", dev_a, "type", "veth", "peer", "name", dev_b)
        # Only what is replayed on the pair: no IPv6 router solicitations or MLD.
        sh(*nsx, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
        sh(*nsx, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
        for dev in ("lo", dev_a, dev_b):
            sh("ip", "-n", ns, "link", "set", dev, "up")

        # ---- 1. 20,000 packets/s for 5 s: nothing dropped, every dumpling there.
        pcap = os.path.join(procs.dir, "dns.pcap")
        sh(gen, "-o", pcap, "-n", "100000", "--preset", "high", "--rate", "20000")
        names = ndtest.tshark_fields(pcap, "dns.flags.response == 0", ["dns.qry.name"],
                                     timeout=120)
        want = sum(len(n[0].split(",")) for n in names)
        check(want >= 100000, "tshark sees %d questions in the capture" % want)
        h = hub("nd-shifty", "0.5")
        ready = os.path.join(procs.dir, "eater.ready")
        e = procs.start("nd-bench-eater", nsx + [eater, "-H", h.outs, "--count", want, "--idle",
                                                 "5", "--timeout", "90", "--ready-file", ready])
        ndtest.wait_for(lambda: os.path.exists(ready), 15, "the eater's subscription")
        k = procs.start("nd-snifty", nsx + [snifty, "-i", dev_a, "-f", "", "-n", "ring_kitchen",
                                            "-p", "0", "-H", h.ins])
        k.wait_log(r"hub at .* is listening", 10)
        k.wait_log(r"capture ring 64 MiB .*TPACKET_V3", 10)
        sent = replay(["--pps", "20000"], pcap)
        check(sent == 100000, "tcpreplay sent %d of 100000" % sent)
        check(e.wait(100) == 0, "the eater exited with an error:\n" + e.stderr())
        r = json.loads(e.stdout().strip().splitlines()[-1])
        check(k.stop() == 0, "nd-snifty did not exit 0 on SIGTERM:\n" + k.stderr())
        s = summary(k.stderr())
        check(s["drop"] == 0 and s["ifdrop"] == 0,
              "the kitchen dropped packets at 20,000/s: kernel %d, interface %d"
              % (s["drop"], s["ifdrop"]))
        check(s["packets"] == sent, "captured %d of the %d sent" % (s["packets"], sent))
        check(r["received"] == want and r["gaps"] == 0,
              "the eater got %d of %d DNSLookupChef dumplings, %d gaps"
              % (r["received"], want, r["gaps"]))
        check("is losing packets" not in k.stderr(), "a drop warning without drops")
        check(h.stop() == 0, "nd-shifty did not exit 0 on SIGTERM")

        # ---- 2. Loss made real (a stopped kitchen, a 1 MiB ring), shown everywhere.
        burst = os.path.join(procs.dir, "burst.pcap")
        sh(gen, "-o", burst, "-n", "20000", "--preset", "high")
        h = hub("nd-shifty-2", "0.5")
        watch = procs.start("status", nsx + [printer, "-H", h.outs, "-n", "watch", "-c",
                                             "SystemStatusChef", "--json"])
        hs = procs.start("nd-hubstatus", nsx + [hubstatus, "-H", h.outs, "--no-color"])
        gw = None
        if gateway:
            port = ndtest.free_port()
            gw = procs.start("nd-gateway", nsx + [gateway, "-H", h.outs, "--hub-in", h.ins,
                                                  "-a", "127.0.0.1", "-p", port])
            gw.wait_log(r"connected to the hub", 10)
        k = procs.start("lossy", nsx + [snifty, "-i", dev_a, "-f", "", "-n", "lossy", "-p", "0",
                                        "-B", "1", "-c", "DNSLookupChef", "-H", h.ins])
        k.wait_log(r"hub at .* is listening", 10)
        k.wait_log(r"capture ring 1 MiB", 10)
        k.p.send_signal(signal.SIGSTOP)
        try:
            sent = replay(["--topspeed"], burst)
        finally:
            k.p.send_signal(signal.SIGCONT)
        m = k.wait_log(r"capture on '%s' is losing packets: (\d+) dropped by the kernel"
                       % dev_a, 10)
        check(int(m.group(1)) > 0, "the warning's count: " + m.group(0))

        def status_with_all():
            for line in reversed(watch.stdout().splitlines()):
                p = json.loads(line)["payload"]
                ks = [x["info_from_kitchen"] for x in p["dumpling_kitchens"]
                      if x["info_from_kitchen"].get("kitchen_name") == "lossy"]
                if ks and ks[0].get("ps_drop", 0) > 0 and \
                        ks[0]["packets"] + ks[0]["ps_drop"] + ks[0]["ps_ifdrop"] == sent:
                    return p, ks[0]
            return None

        p, info = ndtest.wait_for(status_with_all, 15, "a SystemStatusChef where the lossy "
                                  "kitchen's packets + drops = the %d sent" % sent, 0.1)
        drop = info["ps_drop"]
        check(p["total_ps_drop"] == drop and info["buffer_size_mib"] == 1 and
              info["immediate"] is False and info["snaplen"] == 262144,
              "SystemStatusChef: total_ps_drop %s, kitchen %s" % (p["total_ps_drop"], info))
        want_line = "capture drops: %d (lossy: kernel %d, interface %d)" % (
            drop + info["ps_ifdrop"], drop, info["ps_ifdrop"])
        ndtest.wait_for(lambda: want_line in hs.stdout(), 10, "nd-hubstatus to show '%s'"
                        % want_line)
        if gw:
            def metrics():
                # The gateway listens inside the namespace: ask from there.
                r = sh(*nsx, sys.executable, "-c", "import urllib.request,sys; sys.stdout.write("
                       "urllib.request.urlopen('http://127.0.0.1:%d/metrics', timeout=5)"
                       ".read().decode())" % port)
                return r.stdout
            want_metric = 'nd_kitchen_capture_kernel_dropped_total{kitchen="lossy"} %d' % drop
            ndtest.wait_for(lambda: want_metric in metrics() and
                            "nd_hub_capture_kernel_dropped_total %d\n" % drop in metrics(),
                            10, "/metrics to show %s" % want_metric)
        check(k.stop() == 0, "nd-snifty did not exit 0 on SIGTERM:\n" + k.stderr())
        s = summary(k.stderr())
        check(s["drop"] == drop and s["packets"] + s["drop"] + s["ifdrop"] == sent,
              "summary %s, status drop %d, sent %d" % (s, drop, sent))
        return 0
    finally:
        # The processes are killed by ndtest.main after it printed their logs.
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
