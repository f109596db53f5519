#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""status.loss: real drops, counted exactly.

1. Between kitchen and hub: the kitchen's TCP connection to the hub is killed
   (ss -K) three times while it makes a DNSLookupChef dumpling for each of a
   stream of DNS queries; dumplings made while it reconnects never arrive.
2. Between hub and eater: the hub runs with a small --out-hwm and one eater is
   stopped (SIGSTOP) during a burst: the hub drops for that eater only.

The oracle is the sequence numbers: one dumpling per query sent (sequence
1..N), minus the ones an eater actually received. The hub's dumplings_lost
(per kitchen and total) must equal what is missing at an eater that kept up;
each nd-print's own gap count must equal what is missing in its output, the
one filtered by chef too (per-topic numbers).
Needs root for the capture on lo and ss -K (skipped, 77, otherwise).

usage: test_loss.py SNIFTY SHIFTY PRINT HUBSTATUS HUBDETAILS [GATEWAY]"""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import statuslib as sl  # noqa: E402
from statuslib import check, ndtest  # noqa: E402


def seqs(proc, kitchen):
    return [d["metadata"]["sequence"] for d in proc.json_lines()
            if d["metadata"]["kitchen"] == kitchen and d["metadata"]["chef"] == "DNSLookupChef"]


def reported_gaps(proc):
    m = re.search(r"(\d+) dumpling\(s\) lost on the way", proc.stderr())
    return int(m.group(1)) if m else 0


def test(procs, argv):
    bins = sl.Bins(argv)
    if os.geteuid() != 0:
        print("SKIP: live capture on lo and ss -K need root")
        return ndtest.SKIP
    pin, pout = ndtest.free_port(), ndtest.free_port()
    dns = sl.DnsSender()
    hub = sl.start_hub(procs, bins, "nd-shifty", pin, pout, "--out-hwm", "500")
    watch = sl.start_watcher(procs, bins, pout)
    ep = "tcp://127.0.0.1:%d" % pout
    fast = procs.start("fast", [bins.printer, "-H", ep, "-n", "fast", "-c", "DNSLookupChef",
                                "--json"])
    # Every chef (the other eater takes one).
    slow = procs.start("slow", [bins.printer, "-H", ep, "-n", "slow", "--json"])
    kit = procs.start("kit", [bins.snifty, "-i", "lo", "-f", dns.bpf, "-p", "0",
                              "-c", "DNSLookupChef", "-n", "lossy", "-H",
                              "tcp://127.0.0.1:%d" % pin])
    kit.wait_log(r"hub at .* is listening", 10)
    sl.wait_status(watch, lambda p: len(p["dumpling_eaters"]) == 3 and sl.kitchen(p, "lossy"),
                   10, "kitchen and eaters listed")

    # 1. Kill the kitchen's connection to the hub, three times, mid-stream.
    for i in range(3):
        for _ in range(40):
            dns.send(5)
            time.sleep(0.005)
        r = ndtest.run(["ss", "-K", "dst", "127.0.0.1", "dport", "=", ":%d" % pin])
        check(r.returncode == 0, "ss -K failed: %s" % r.stderr)
        for _ in range(40):
            dns.send(5)
            time.sleep(0.005)
    kit.wait_log(r"lost the hub", 5)
    ndtest.wait_for(lambda: kit.stderr().count("is listening") >= 2, 10, "kitchen reconnects")

    # 2. Stop one eater and send a burst bigger than the hub holds for it.
    ndtest.wait_for(lambda: len(seqs(slow, "lossy")) > 0, 10, "the slow eater to get some")
    os.kill(slow.p.pid, signal.SIGSTOP)
    def caught_up(s):
        # Every query sent was captured, or dropped by the kernel (a loaded
        # machine); one dumpling per captured query.
        fk = sl.kitchen(s, "lossy")["info_from_kitchen"]
        return fk["packets"] + fk["ps_drop"] + fk["ps_ifdrop"] >= dns.sent
    try:
        # Well past what the hub's queue (--out-hwm) and the kernel's socket
        # buffers hold for the stopped eater (about 15000 of these on lo).
        for _ in range(400):
            dns.send(100)
            time.sleep(0.01)
        # The burst has gone past the stopped eater once the kitchen is done.
        sl.wait_status(watch, caught_up, 30, "the kitchen to catch up")
        time.sleep(1)
    finally:
        os.kill(slow.p.pid, signal.SIGCONT)
    # A last few, so that every eater sees the end of any gap.
    time.sleep(0.5)
    dns.send(20)
    p = sl.wait_status(watch, caught_up, 30, "the kitchen to capture the last queries")
    n = sl.kitchen(p, "lossy")["info_from_kitchen"]["sequence"]
    ndtest.wait_for(lambda: n in seqs(fast, "lossy") and n in seqs(slow, "lossy"), 20,
                    "the last dumpling at both eaters")
    p = sl.wait_status(watch, lambda s: sl.kitchen(s, "lossy")["info_from_kitchen"]
                       ["sequence"] == n, 10, "a status after the last dumpling")

    k = sl.kitchen(p, "lossy")
    fk, fh = k["info_from_kitchen"], k["info_from_hub"]
    # (libpcap's drops may include packets from before the filter was set.)
    check(fk["packets"] + fk["ps_drop"] + fk["ps_ifdrop"] >= dns.sent,
          "the kitchen saw or dropped all %d queries: %s" % (dns.sent, fk))
    check(fk["dumplings_made"] == n == fk["packets"],
          "one dumpling per captured query: %s" % fk)
    fast_seqs = seqs(fast, "lossy")
    slow_seqs = seqs(slow, "lossy")
    check(len(set(fast_seqs)) == len(fast_seqs), "fast eater got duplicates")
    missing_hub = set(range(1, n + 1)) - set(fast_seqs)
    missing_slow = set(range(1, n + 1)) - set(slow_seqs)
    print("made %d; missing at the fast eater %d, at the stopped eater %d; kitchen send "
          "failures %d; hub says lost %d" % (n, len(missing_hub), len(missing_slow),
                                             fk["send_failures"], fh["dumplings_lost"]))
    check(len(missing_hub) > 0, "no dumpling was lost between kitchen and hub: test too gentle")
    check(len(missing_slow) > len(missing_hub), "the stopped eater lost nothing more")
    check(fh["dumplings_lost"] == len(missing_hub),
          "hub dumplings_lost %d != %d missing" % (fh["dumplings_lost"], len(missing_hub)))
    check(p["total_dumplings_lost"] == len(missing_hub),
          "total_dumplings_lost %d != %d" % (p["total_dumplings_lost"], len(missing_hub)))
    check(fh["dumplings"] == n - len(missing_hub), "hub dumplings %d" % fh["dumplings"])
    check(0 < fk["send_failures"] <= len(missing_hub),
          "send_failures %d (made while reconnecting; the rest died in the killed connection)"
          % fk["send_failures"])
    check(p["total_kitchen_send_failures"] == fk["send_failures"], "total send failures")

    # The eaters' own counts (nd-print says them at exit).
    check(fast.stop() == 0 and slow.stop() == 0, "nd-print did not exit 0")
    # One chef only, and still exact: its topic's own numbers (topic_sequence).
    check(reported_gaps(fast) == len(missing_hub),
          "fast eater (one chef only) says %d lost; %d missing" %
          (reported_gaps(fast), len(missing_hub)))
    # It also takes the hub's own status dumplings (numbered too), and missed some.
    st = [d["metadata"]["sequence"] for d in slow.json_lines()
          if d["metadata"]["chef"] == "SystemStatusChef"]
    missing_st = set(range(min(st), max(st) + 1)) - set(st) if st else set()
    check(reported_gaps(slow) == len(missing_slow) + len(missing_st),
          "stopped eater says %d lost; %d dumplings and %d status dumplings missing" %
          (reported_gaps(slow), len(missing_slow), len(missing_st)))
    for proc in (kit, watch, hub):
        check(proc.stop() == 0, "%s did not exit 0" % proc.name)
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
