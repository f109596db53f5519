#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""soak.py: the live kitchen's soak, run by hand (docs/performance.md): a veth
pair in a network namespace, `tcpreplay --pps RATE --duration SECS` of the
benchmark's low mix (looped) into `nd-snifty -i` (every chef, its defaults)
-> nd-shifty -> nd-bench-eater. Every 10 s it prints the kitchen's RSS and the
capture's counts (from the kitchen's heartbeat, as the hub publishes it); at
the end, packets sent (and the rate tcpreplay reached), captured and dropped,
dumplings received (and gaps), and the RSS at 1 minute, at the end and at
its peak. The hub uses the default ports: the namespace is the soak's own.

    tests/bench/soak.py --build BUILD_DIR [--pps 100000] [--minutes 10]

Needs root, ip and tcpreplay. Exit status 0 when every packet sent was
captured and none dropped, and no dumpling gap, 1 otherwise, 2 on usage."""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PACKETS = 200000  # one loop of the capture (preloaded: a few seconds)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--pps", type=int, default=100000)
    ap.add_argument("--minutes", type=float, default=10)
    a = ap.parse_args()
    if os.geteuid() != 0 or not shutil.which("tcpreplay"):
        print("soak: needs root and tcpreplay", file=sys.stderr)
        return 2
    b = os.path.abspath(a.build)
    snifty, shifty = b + "/snifty/nd-snifty", b + "/shifty/nd-shifty"
    eater, gen = b + "/tests/bench/nd-bench-eater", b + "/tests/bench/nd-bench-gen-pcap"
    printer = b + "/eaters/print/nd-print"
    secs = int(a.minutes * 60)
    work = tempfile.mkdtemp(prefix="nd-soak-")
    tag = os.getpid()
    ns, dev_a, dev_b = "ndsoak%d" % tag, "ndsA%d" % tag, "ndsB%d" % tag
    nsx = ["ip", "netns", "exec", ns]
    procs = []

    def start(name, argv, stdout=None):
        log = open(os.path.join(work, name + ".log"), "wb")
        p = subprocess.Popen(nsx + argv, stdout=stdout or log, stderr=log,
                             stdin=subprocess.DEVNULL)
        p.log = log.name
        procs.append(p)
        return p

    def text(p):
        with open(p.log, errors="replace") as f:
            return f.read()

    def wait(cond, secs, what):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            if cond():
                return
            time.sleep(0.05)
        raise SystemExit("soak: timed out waiting for " + what)

    try:
        r = subprocess.run([gen, "-o", work + "/low.pcap", "-n", str(PACKETS), "--preset", "low"],
                           capture_output=True, text=True, check=True)
        for cmd in (["ip", "netns", "add", ns],
                    ["ip", "-n", ns, "link", "add", dev_a, "type", "veth", "peer", "name", dev_b],
                    nsx + ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"],
                    nsx + ["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"],
                    ["ip", "-n", ns, "link", "set", "lo", "up"],
                    ["ip", "-n", ns, "link", "set", dev_a, "up"],
                    ["ip", "-n", ns, "link", "set", dev_b, "up"]):
            subprocess.run(cmd, check=True, capture_output=True)
        hub = start("hub", [shifty, "-a", "127.0.0.1", "--in-port", "11347", "--out-port",
                            "11349", "-f", "1"])
        wait(lambda: "eaters (XPUB) on" in text(hub), 10, "the hub")
        status = start("status", [printer, "-c", "SystemStatusChef", "--json", "-n", "soak"])
        ready = work + "/ready"
        e = start("eater", [eater, "--chef", "*", "--idle", "15", "--timeout", str(secs + 300),
                            "--ready-file", ready],
                  stdout=subprocess.PIPE)
        wait(lambda: os.path.exists(ready), 15, "the eater")
        k = start("snifty", [snifty, "-i", dev_a, "-f", "", "-n", "soak"])
        wait(lambda: "is listening" in text(k), 10, "the kitchen")
        print("soak: %d pps for %d s; logs in %s" % (a.pps, secs, work), flush=True)
        t0 = time.monotonic()
        rp = start("tcpreplay", ["tcpreplay", "-i", dev_b, "--pps", str(a.pps), "--loop", "1000",
                                 "--duration", str(secs), "--preload-pcap", work + "/low.pcap"])
        rss = []
        while rp.poll() is None:
            time.sleep(10)
            with open("/proc/%d/status" % k.pid) as f:
                kib = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
            info = {}
            for line in reversed(open(status.log, errors="replace").read().splitlines()):
                try:
                    p = json.loads(line)["payload"]
                except ValueError:
                    continue
                ks = [x["info_from_kitchen"] for x in p.get("dumpling_kitchens", [])
                      if x["info_from_kitchen"].get("kitchen_name") == "soak"]
                if ks:
                    info = ks[0]
                    break
            rss.append((time.monotonic() - t0, kib))
            print("  %4.0f s  RSS %.1f MiB  packets %s  kernel dropped %s  interface dropped %s"
                  % (rss[-1][0], kib / 1024, info.get("packets"), info.get("ps_drop"),
                     info.get("ps_ifdrop")), flush=True)
        out = text(rp)
        sent = int(re.search(r"Actual: (\d+) packets", out).group(1))
        rated = re.search(r"Rated: .*?([\d.]+) pps", out).group(1)
        res = e.communicate(timeout=secs + 300)[0].decode()
        r = json.loads(res.strip().splitlines()[-1])
        k.send_signal(signal.SIGTERM)
        k.wait(10)
        s = re.search(r"summary: packets (\d+), .*kernel dropped (\d+), interface dropped (\d+)",
                      text(k))
        captured, drop, ifdrop = map(int, s.groups())
        at1 = next((kib for t, kib in rss if t >= 60), rss[0][1] if rss else 0)
        print("soak: sent %d at %s pps; captured %d, dropped %d (kernel) + %d (interface); "
              "dumplings %d, %d gaps; kitchen RSS %.1f MiB at 1 min, %.1f MiB at the "
              "end, peak %.1f MiB" % (sent, rated, captured, drop, ifdrop, r["received"],
                                      r["gaps"], at1 / 1024, rss[-1][1] / 1024 if rss else 0,
                                      max(kib for _, kib in rss) / 1024 if rss else 0))
        ok = drop == 0 and ifdrop == 0 and captured == sent and r["gaps"] == 0
        return 0 if ok else 1
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
