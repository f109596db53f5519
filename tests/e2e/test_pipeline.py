#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""e2e.pipeline: two kitchens (nd-snifty -r) → nd-shifty → nd-print over real
ZeroMQ sockets on free ports. Every dumpling the kitchens make arrives, the DNS
hostnames, ARP fields and packet counts equal what tshark reads from the same
packets, and the hub's SystemStatusChef counts what the kitchens sent.

usage: test_pipeline.py SNIFTY SHIFTY PRINT PCAPS_DIR"""
import collections
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402

FILTER = "tcp or udp or arp"  # nd-snifty's default


def expected_stdout(procs, snifty, pcap, kitchen):
    """What the kitchen makes, from --stdout (no hub involved)."""
    r = ndtest.run([snifty, "-r", pcap, "-n", kitchen, "--stdout"])
    check(r.returncode == 0, "nd-snifty --stdout on %s failed: %s" % (pcap, r.stderr))
    import json
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def test(procs, argv):
    snifty, shifty, printer, pcaps = argv
    dns_pcap = os.path.join(pcaps, "ndpi-dns.pcap")
    arp_pcap = os.path.join(pcaps, "tcpdump-arp-oobr.pcap")
    kitchens = {"k_dns": dns_pcap, "k_arp": arp_pcap}

    expected = {k: expected_stdout(procs, snifty, p, k) for k, p in kitchens.items()}
    total = sum(len(v) for v in expected.values())

    pin, pout = ndtest.free_port(), ndtest.free_port()
    # The kitchens exit before the status is read: a long --kitchen-timeout keeps
    # them listed however slowly a loaded machine gets there.
    hub = procs.start("nd-shifty", [shifty, "--in-port", pin, "--out-port", pout, "-f", "0.5",
                                    "-a", "127.0.0.1", "--kitchen-timeout", 60])
    hub.wait_log(r"eaters \(XPUB\) on", 10)
    eater = procs.start("nd-print", [printer, "-H", "tcp://127.0.0.1:%d" % pout, "--json",
                                     "--count", total, "--timeout", 60, "-n", "e2e-print"] +
                         # the kitchens' dumplings only: how many status dumplings
                         # the hub sends meanwhile depends on the machine's speed
                         [a for k in kitchens for a in ("-k", k)])
    # The hub knows the eater once its subscriptions arrived: from then on
    # nothing the kitchens send can miss it.
    hub.wait_log(r"eater e2e-print connected", 10)

    kprocs = {k: procs.start("nd-snifty-" + k, [snifty, "-r", p, "-n", k, "-H",
                                                "tcp://127.0.0.1:%d" % pin])
              for k, p in kitchens.items()}
    sums = {}
    for k, kp in kprocs.items():
        rc = kp.wait(60)
        check(rc == 0, "nd-snifty %s exited %d" % (k, rc))
        sums[k] = ndtest.summary(kp.stderr())
        check(sums[k]["sent"] == len(expected[k]) and sums[k]["not_sent"] == 0,
              "kitchen %s: summary %s, --stdout made %d" % (k, sums[k], len(expected[k])))
    rc = eater.wait(60)
    check(rc == 0, "nd-print exited %d (count %d not reached?)" % (rc, total))

    got = collections.defaultdict(list)
    for d in eater.json_lines():
        got[d["metadata"]["kitchen"]].append(d)
    for k in kitchens:
        want = [ndtest.masked(d) for d in expected[k]]
        have = [ndtest.masked(d) for d in got[k]]
        check(len(have) == len(want), "kitchen %s: %d dumplings arrived, %d made" %
              (k, len(have), len(want)))
        for i, (a, b) in enumerate(zip(have, want)):
            check(a == b, "kitchen %s dumpling %d differs:\n got  %s\n want %s" % (k, i, a, b))
        seqs = [d["metadata"].get("sequence") for d in got[k]]
        check(seqs == list(range(1, len(seqs) + 1)), "kitchen %s: sequence numbers %s..." %
              (k, seqs[:10]))

    # The oracle: tshark on the packets the same BPF filter passes.
    dns_f = ndtest.bpf_filtered(dns_pcap, FILTER, procs.dir)
    arp_f = ndtest.bpf_filtered(arp_pcap, FILTER, procs.dir)
    want_names = [t[0].rstrip(".") for t in
                  ndtest.tshark_fields(dns_f, "dns.flags.response==0", ["dns.qry.name"])]
    have_names = [d["payload"]["lookup"]["hostname"] for d in got["k_dns"]
                  if d["metadata"]["chef"] == "DNSLookupChef"
                  and d["metadata"]["driver"] == "packet"]
    check(have_names == want_names and want_names, "DNS hostnames %s, tshark says %s" %
          (have_names, want_names))

    # Requests and replies between MACs and IPv4 addresses (ARPChef reports
    # every opcode and hardware type; docs/chefs.md): compared here.
    ops = {"1": "request", "2": "reply"}
    want_arp = [(ops[t[0]],) + tuple(t[1:]) for t in ndtest.tshark_fields(
        arp_f, "(arp.hw.type==1 || arp.hw.type==6) && "
        "(arp.proto.type==0x0800 || arp.proto.type==0xcc) && arp.hw.size==6 && "
        "arp.proto.size==4 && (arp.opcode==1 || arp.opcode==2)",
        ["arp.opcode", "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.hw_mac",
         "arp.dst.proto_ipv4"])]
    have_arp = [(p["operation"], p["src_hw"], p["src_ip"], p["dst_hw"], p["dst_ip"])
                for p in (d["payload"] for d in got["k_arp"]
                          if d["metadata"]["chef"] == "ARPChef"
                          and d["metadata"]["driver"] == "packet")
                if p["opcode"] in (1, 2) and p["src_hw"] is not None
                and p["src_ip"] is not None]
    check(len(want_arp) > 100 and have_arp == want_arp,
          "ARP: %d dumplings, tshark has %d; first difference: %s" % (
              len(have_arp), len(want_arp),
              next(((a, b) for a, b in zip(have_arp, want_arp) if a != b), None)))

    def last_counts(k):
        c = [d for d in got[k] if d["metadata"]["chef"] == "PacketCountChef"]
        check(c, "no PacketCountChef dumpling from %s" % k)
        return c[-1]["payload"]["packet_counts"]

    protos = [t[0].split(":") for t in ndtest.tshark_fields(dns_f, "", ["frame.protocols"])]
    want_counts = {name: sum(1 for p in protos if key in p) for name, key in
                   (("Ethernet", "eth"), ("IP", "ip"), ("UDP", "udp"), ("DNS", "dns"))}
    want_counts = {k: v for k, v in want_counts.items() if v}
    check(last_counts("k_dns") == want_counts, "k_dns packet counts %s, tshark says %s" %
          (last_counts("k_dns"), want_counts))
    nframes = len(ndtest.tshark_fields(arp_f, "", ["frame.number"]))
    check(last_counts("k_arp").get("Ethernet") == nframes == sums["k_arp"]["packets"],
          "k_arp: Ethernet count %s, summary %d packets, tshark %d frames" % (
              last_counts("k_arp").get("Ethernet"), sums["k_arp"]["packets"], nframes))

    # The hub's own account.
    st = procs.start("nd-print-status", [printer, "-H", "tcp://127.0.0.1:%d" % pout, "-c",
                                         "SystemStatusChef", "--json", "--count", 1,
                                         "--timeout", 10, "-n", "e2e-status"])
    check(st.wait(20) == 0, "no SystemStatusChef dumpling within 10 s")
    status = st.json_lines()[0]
    p = status["payload"]
    sent = sum(s["sent"] for s in sums.values())
    check(status["metadata"]["kitchen"] == "nd-shifty" and
          status["metadata"]["driver"] == "interval", "status metadata %s" % status["metadata"])
    check(p["total_dumplings_in"] == sent, "total_dumplings_in %s, kitchens sent %d" %
          (p["total_dumplings_in"], sent))
    # out = forwarded + the hub's own status dumplings before this one (docs/protocol.md).
    earlier = status["metadata"]["sequence"] - 1
    check(p["total_dumplings_out"] == sent + earlier,
          "total_dumplings_out %s, expected %d forwarded + %d status" %
          (p["total_dumplings_out"], sent, earlier))
    check(p["invalid_dumplings_in"] == 0, "invalid_dumplings_in %s" % p["invalid_dumplings_in"])
    check(p["dumpling_kitchen_count"] == 2 and sorted(
        x["info_from_kitchen"]["kitchen_name"] for x in p["dumpling_kitchens"]) ==
        ["k_arp", "k_dns"], "kitchens %s" % p["dumpling_kitchens"])
    check(p["dumpling_eater_count"] >= 1 and "e2e-status" in
          [x["info_from_eater"]["eater_name"] for x in p["dumpling_eaters"]],
          "eaters %s" % p["dumpling_eaters"])
    check(isinstance(p["server_uptime"], (int, float)) and p["server_uptime"] > 0,
          "server_uptime %s" % p["server_uptime"])

    rc = hub.stop()
    check(rc == 0, "nd-shifty exited %d on SIGTERM" % rc)
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
