#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""status.eater_loss: no silent loss between the hub and its eaters (issue 18).

Twenty kitchens replay the same capture at full speed (DNSLookupChef and
ARPChef) into one hub with a small --out-hwm; three eaters: one unfiltered,
one filtered by chef (DNSLookupChef), one deliberately slow (stopped with
SIGSTOP for the whole burst, so that the hub drops for it). For each eater and
each kitchen, what it received plus what it counted lost (its --json loss line
at exit) must equal exactly what the kitchen sent on the topics it subscribed
to, tail loss included. The oracle for "sent" is tshark's reading of the
capture: one DNSLookupChef dumpling per DNS query, plus the one interval
dumpling of the final poke; one ARPChef dumpling per ARP packet. The hub's
SystemStatusChef must list each eater's loss as the eater counts it.

usage: test_eater_loss.py SNIFTY SHIFTY PRINT HUBSTATUS HUBDETAILS [GATEWAY]"""
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import statuslib as sl  # noqa: E402
from statuslib import check, ndtest  # noqa: E402

KITCHENS = 20
PACKETS = 4000


def gen_pcap(procs, path):
    """The bench generator's mixed preset, or, without it, a shared capture."""
    here = os.path.dirname(os.path.abspath(__file__))
    gen = os.environ.get("ND_GEN_PCAP")
    if gen and os.path.exists(gen):
        ndtest.run([gen, "-o", path, "-n", PACKETS, "--preset", "mixed"], timeout=60)
        return path
    return os.path.join(here, "..", "..", "..", "shared", "pcaps", "ndpi-dns.pcap")


def tshark_count(pcap, flt):
    r = ndtest.run(["tshark", "-n", "-r", pcap, "-Y", flt, "-T", "fields", "-e", "frame.number"],
                   timeout=120)
    check(r.returncode == 0, "tshark failed: %s" % r.stderr)
    return len(r.stdout.split())


def loss_line(proc):
    """The eater's final {"loss": ...} JSON line on stderr."""
    for line in reversed(proc.stderr().splitlines()):
        if line.startswith("{\"loss\"") and "\"final\": true" in line:
            return json.loads(line)["loss"]
    raise ndtest.TestFailure("no final loss line from %s:\n%s" % (proc.name, proc.stderr()[-2000:]))


def received(proc, kitchen, chefs):
    return sum(1 for d in proc.json_lines()
               if d["metadata"]["kitchen"] == kitchen and d["metadata"]["chef"] in chefs)


def test(procs, argv):
    bins = sl.Bins(argv)
    pcap = gen_pcap(procs, os.path.join(procs.dir, "mixed.pcap"))
    dns = tshark_count(pcap, "dns.flags.response == 0") + 1  # + the final poke
    arp = tshark_count(pcap, "arp")
    sent = {"DNSLookupChef": dns, "ARPChef": arp}
    print("per kitchen: %d DNSLookupChef, %d ARPChef" % (dns, arp))

    pin, pout = ndtest.free_port(), ndtest.free_port()
    # Kitchens stay listed (and their "$sent/" tables repeated) for 10 s
    # after their last heartbeat, time enough for the slow eater to catch up.
    sl.start_hub(procs, bins, "nd-shifty", pin, pout, "--out-hwm", "1000",
                 "--kitchen-timeout", "10")
    watch = sl.start_watcher(procs, bins, pout)
    ep = "tcp://127.0.0.1:%d" % pout
    inp = "tcp://127.0.0.1:%d" % pin
    eaters = {
        "all": procs.start("all", [bins.printer, "-H", ep, "--hub-in", inp, "-n", "all",
                                   "--json", "-c", "DNSLookupChef", "-c", "ARPChef"]),
        "dns": procs.start("dns", [bins.printer, "-H", ep, "--hub-in", inp, "-n", "dns",
                                   "--json", "-c", "DNSLookupChef"]),
        "slow": procs.start("slow", [bins.printer, "-H", ep, "--hub-in", inp, "-n", "slow",
                                     "--json"]),
    }
    eaters["all"].chefs = ("DNSLookupChef", "ARPChef")
    eaters["dns"].chefs = ("DNSLookupChef",)
    eaters["slow"].chefs = ("DNSLookupChef", "ARPChef")
    sl.wait_status(watch, lambda p: len(p["dumpling_eaters"]) == 4, 10, "the eaters listed")
    ndtest.wait_for(lambda: len(eaters["slow"].json_lines()) > 0, 10,
                    "the slow eater to get a status dumpling")
    os.kill(eaters["slow"].p.pid, signal.SIGSTOP)
    try:
        kitchens = [procs.start("k%d" % i, [bins.snifty, "-r", pcap, "-H", inp, "-n", "k%d" % i,
                                            "-p", "0", "-c", "DNSLookupChef", "-c", "ARPChef"])
                    for i in range(KITCHENS)]
        for k in kitchens:
            check(k.wait(120) == 0, "%s failed:\n%s" % (k.name, k.stderr()))
    finally:
        os.kill(eaters["slow"].p.pid, signal.SIGCONT)

    names = ["k%d" % i for i in range(KITCHENS)]
    want = {name: sum(sent[c] for c in e.chefs) for name, e in eaters.items()}

    def eater_entry(p, name):
        for e in p["dumpling_eaters"]:
            if e["info_from_eater"].get("eater_name") == name:
                return e["info_from_eater"]
        return None

    # Each eater's heartbeat, as the hub lists it, accounts for every
    # dumpling sent to it: received + lost reaches what was sent (it can only
    # get there once the "$sent/" tables after the kitchens' last dumplings
    # came, and never goes past it).
    def accounted(p):
        for name in eaters:
            ie = eater_entry(p, name)
            if not ie or "kitchens" not in ie:
                return False
            ks = {k["kitchen"]: k for k in ie["kitchens"]}
            if any(n not in ks or ks[n]["received"] + ks[n]["lost"] != want[name]
                   for n in names):
                return False
        return True
    try:
        acc = sl.wait_status(watch, accounted, 120,
                             "every eater to account for every dumpling sent")
    except ndtest.TestFailure:
        for e in sl.statuses(watch)[-1]["dumpling_eaters"]:
            ie = e["info_from_eater"]
            if ie["eater_name"] in want:
                bad = [k for k in ie.get("kitchens", []) if k["kitchen"] in names and
                       k["received"] + k["lost"] != want[ie["eater_name"]]]
                print(ie["eater_name"], "wants", want[ie["eater_name"]], json.dumps(bad),
                      len(ie.get("kitchens", [])))
        # What the hub last knew of each kitchen's streams (its last heartbeat
        # as listed), against what each kitchen says it sent.
        last = {}
        for p in sl.statuses(watch):
            for k in p.get("dumpling_kitchens", []):
                info = k.get("info_from_kitchen", {})
                last[info.get("kitchen_name")] = info
        for n in names:
            info = last.get(n, {})
            print("hub knew of %s: dumplings_sent %s, heartbeat_seq %s" %
                  (n, info.get("dumplings_sent"), info.get("heartbeat_seq")))
        raise

    results = {}
    for name, e in eaters.items():
        check(e.stop(signal.SIGINT) == 0, "%s exit code" % name)
        results[name] = loss_line(e)
    for name, e in eaters.items():
        r = results[name]
        tot_recv = tot_lost = 0
        for k in names:
            got = received(e, k, e.chefs)
            kl = r["kitchens"].get(k, {"received": 0, "lost": 0})
            check(kl["received"] == got,
                  "%s/%s: says it received %d, printed %d" % (name, k, kl["received"], got))
            check(got + kl["lost"] == want[name],
                  "%s/%s: received %d + lost %d != sent %d" % (name, k, got, kl["lost"],
                                                              want[name]))
            tot_recv += got
            tot_lost += kl["lost"]
        print("%s: received %d, lost %d of %d" % (name, tot_recv, tot_lost,
                                                   KITCHENS * sum(sent[c] for c in e.chefs)))
        check(r["suspicious"] == 0, "%s: %d suspicious" % (name, r["suspicious"]))
        # The hub lists the loss the eater counts (nothing was sent to the
        # eaters since that status, so nothing was lost either).
        ie = eater_entry(acc, name)
        check(ie is not None and ie["lost"] == r["lost"],
              "%s: the hub lists lost %s, the eater says %d" % (name, ie and ie["lost"], r["lost"]))
    check(results["slow"]["lost"] > 0, "the slow eater lost nothing: the test proves nothing")
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
