#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""oracle.py: derives, from tshark's dissection of a capture, the dumplings that
`nd-snifty -r CAPTURE --stdout` must print with the built-in chefs.

The expected files under tests/golden/expected/ are written by this script, not
by nd-snifty, so that a golden test compares our dissectors and chefs with an
independent implementation (Wireshark). Where our documented behaviour
(docs/chefs.md, common/include/netdumplings/packet.h) legitimately differs from
what tshark shows, the rule is encoded here explicitly, marked "RULE:", and the
capture that needs it is named.

    oracle.py CAPTURE            expected dumplings of every chef, one JSON line
                                 each, on stdout (in nd-snifty's order)
    oracle.py CAPTURE -d DIR     one file per chef, DIR/<Chef>.jsonl, for every
                                 chef the oracle knows (empty when the chef says
                                 nothing about this capture)

tests/golden/expected/<capture>/ holds the -d files: a chef's expectations
are its own file, so adding a chef adds files and changes no other chef's.

The capture is read whole: the golden test runs nd-snifty with --filter ""
(its default BPF filter would drop VLAN-tagged packets and ICMP) and
--poke-interval 5.

Each line is {"metadata": {"chef": ..., "driver": ...}, "payload": ...}: the
comparer (compare.py) masks creation_time and checks only the metadata keys
written here.
"""

import argparse
import json
import os
import re
import subprocess
import sys

import oracle_app

POKE_INTERVAL = 5.0  # nd-snifty's default --poke-interval, seconds of capture time

# Every chef the oracle knows, in chefs/builtin.c's order (the order of the
# stdout stream; the per-chef files of -d do not depend on it).
CHEFS = ["PacketCountChef", "DNSLookupChef", "ARPChef", "ICMPCountChef"] + oracle_app.CHEFS

# nd_layer_t order (packet.h) and names.
LAYERS = ["Ethernet", "802.1Q", "802.1ad", "SLL", "Loopback", "ARP", "IP", "IPv6",
          "TCP", "UDP", "ICMP", "ICMPv6", "DNS", "802.11", "Radiotap", "PPI", "LLC", "PPP",
          "PPPoE", "Cisco HDLC", "Frame Relay", "SLIP", "MPLS", "GRE", "ERSPAN", "VXLAN",
          "Geneve", "GTP-U", "Teredo", "NFLOG", "PKTAP", "IPNET"]

# ARP operation names (docs/chefs.md); anything else is "opcode-N".
ARP_OPS = {1: "request", 2: "reply", 3: "rarp-request", 4: "rarp-reply", 5: "drarp-request",
           6: "drarp-reply", 7: "drarp-error", 8: "inarp-request", 9: "inarp-reply",
           10: "arp-nak"}

# The IANA "ICMP Type Numbers" and "ICMPv6 Parameters" registries as lowercase
# names (docs/chefs.md lists them); anything else is "type-N".
ICMP_NAMES = {
    0: "echo-reply", 3: "destination-unreachable", 4: "source-quench", 5: "redirect",
    6: "alternate-host-address", 8: "echo-request", 9: "router-advertisement",
    10: "router-solicitation", 11: "time-exceeded", 12: "parameter-problem",
    13: "timestamp", 14: "timestamp-reply", 15: "information-request",
    16: "information-reply", 17: "address-mask-request", 18: "address-mask-reply",
    30: "traceroute", 31: "datagram-conversion-error", 32: "mobile-host-redirect",
    33: "ipv6-where-are-you", 34: "ipv6-i-am-here", 35: "mobile-registration-request",
    36: "mobile-registration-reply", 37: "domain-name-request", 38: "domain-name-reply",
    39: "skip", 40: "photuris", 41: "experimental-mobility", 42: "extended-echo-request",
    43: "extended-echo-reply",
}
ICMPV6_NAMES = {
    1: "destination-unreachable", 2: "packet-too-big", 3: "time-exceeded",
    4: "parameter-problem", 128: "echo-request", 129: "echo-reply",
    130: "multicast-listener-query", 131: "multicast-listener-report",
    132: "multicast-listener-done", 133: "router-solicitation", 134: "router-advertisement",
    135: "neighbor-solicitation", 136: "neighbor-advertisement", 137: "redirect",
    138: "router-renumbering", 139: "node-information-query",
    140: "node-information-response", 141: "inverse-neighbor-discovery-solicitation",
    142: "inverse-neighbor-discovery-advertisement", 143: "multicast-listener-report-v2",
    144: "home-agent-address-discovery-request", 145: "home-agent-address-discovery-reply",
    146: "mobile-prefix-solicitation", 147: "mobile-prefix-advertisement",
    148: "certification-path-solicitation", 149: "certification-path-advertisement",
    151: "multicast-router-advertisement", 152: "multicast-router-solicitation",
    153: "multicast-router-termination", 154: "fmipv6", 155: "rpl-control",
    157: "duplicate-address-request", 158: "duplicate-address-confirmation",
    159: "mpl-control", 160: "extended-echo-request", 161: "extended-echo-reply",
}

FIELDS = [
    "frame.number", "frame.time_epoch", "frame.protocols", "_ws.malformed",
    "eth.type", "vlan.etype",
    "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
    "arp.hw.type", "arp.proto.type", "arp.hw.size", "arp.proto.size", "arp.opcode",
    "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.hw_mac", "arp.dst.proto_ipv4",
    "dns.flags.response", "dns.flags.opcode", "dns.count.queries",
    "dns.qry.name", "dns.qry.type", "dns.qry.class",
    "icmp.type", "icmpv6.type",
] + oracle_app.FIELDS


def tshark(path):
    """Every packet as {field: [values]} from tshark -T json -e."""
    cmd = ["tshark", "-n", "-r", path,
           # RULE (every capture with TCP): we do not reassemble TCP streams;
           # each segment is dissected on its own.
           "-o", "tcp.desegment_tcp_streams:FALSE",
           # RULE: nor do we reassemble IP fragments: the first fragment's
           # transport header is dissected, later fragments have none.
           "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
           "-T", "json"]
    for f in FIELDS:
        cmd += ["-e", f]
    run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # tshark exits non-zero on a capture cut short in the middle of a packet
    # (ndpi-fuzz-2021-10-13.pcap) after printing every whole packet; libpcap
    # hands nd-snifty the same whole packets, so the JSON is what counts.
    try:
        packets = json.loads(run.stdout.decode("utf-8"))
    except ValueError:
        sys.exit("oracle: tshark gave no JSON for %s: %s" % (path, run.stderr.decode()))
    return [p["_source"]["layers"] for p in packets]


def first(pkt, field, default=None):
    v = pkt.get(field)
    return v[0] if v else default


def num(s):
    return int(s, 0) if isinstance(s, str) else s


def capture_time(epoch):
    """pkt->ts for tshark's frame.time_epoch.

    RULE (every capture): nd-snifty reads files through libpcap at microsecond
    precision, which truncates nanosecond stamps (pcapng, nanosecond pcap) to
    whole microseconds, and computes ts = tv_sec + tv_usec / 1e6 in doubles.
    tshark prints the fraction in nanoseconds; it prints an out-of-range one
    unnormalised (ndpi-fuzz-2021-10-13.pcap: .1882137472), which libpcap also
    passes through unnormalised, so the same arithmetic applies."""
    sec, _, frac = epoch.partition(".")
    ns = int(frac) if frac else 0
    return int(sec) + (ns // 1000) / 1e6


# tshark's protocol names for our link layers, encapsulations and tunnels
# (None: a tshark pseudo-layer that is no layer of ours).
LINK_LAYERS = {
    "eth": "Ethernet", "vlan": "802.1Q", "ieee8021ad": "802.1ad", "null": "Loopback",
    "sll": "SLL", "ethertype": None, "raw": None, "pppoes": "PPPoE", "ppp": "PPP",
    "wlan": "802.11", "wlan_radio": None, "radiotap": "Radiotap", "ppi": "PPI", "llc": "LLC",
    "chdlc": "Cisco HDLC", "fr": "Frame Relay", "slip": "SLIP", "mpls": "MPLS", "gre": "GRE",
    "erspan": "ERSPAN", "nflog": "NFLOG", "pktap": "PKTAP", "ipnet": "IPNET",
}
# Tunnels over UDP: after them, a link (or network) layer again.
UDP_TUNNELS = {"vxlan": "VXLAN", "geneve": "Geneve", "gtp": "GTP-U", "teredo": "Teredo"}


def layers_of(pkt):
    """Our layer bits for one packet, from tshark's frame.protocols.

    We dissect link layers, VLAN tags, PPPoE, MPLS and the tunnels (GRE,
    ERSPAN, IP-in-IP, VXLAN, Geneve, GTP-U, Teredo) down to the innermost
    network layer (IPv6 extension headers followed), one transport layer
    above it, and DNS on port 53. RULE: tshark goes on into ICMP error
    payloads, TLS, HTTP and so on; those are not layers of ours, so the walk
    stops at the first protocol we do not dissect."""
    protos = first(pkt, "frame.protocols", "").split(":")
    have = set()
    stage = "link"  # link -> net -> transport -> app -> done
    for p in protos:
        if stage == "link":
            if p in LINK_LAYERS:
                have.add(LINK_LAYERS[p])
                continue
            if p in ("ip", "ipv6", "arp"):
                have.add({"ip": "IP", "ipv6": "IPv6", "arp": "ARP"}[p])
                stage = "net" if p != "arp" else "done"
                continue
            break
        if stage == "net":
            if p.startswith("ipv6."):  # extension headers: hopopts, routing, ...
                continue
            if p in ("ip", "ipv6"):  # IP in IP
                have.add({"ip": "IP", "ipv6": "IPv6"}[p])
                continue
            if p in ("gre", "mpls"):
                have.add(LINK_LAYERS[p])
                stage = "link"
                continue
            if p in ("tcp", "udp", "icmp", "icmpv6"):
                have.add({"tcp": "TCP", "udp": "UDP", "icmp": "ICMP", "icmpv6": "ICMPv6"}[p])
                stage = "transport" if p in ("tcp", "udp") else "done"
                continue
            break
        if stage == "transport":
            if p == "dns":
                have.add("DNS")
            elif p in UDP_TUNNELS:
                have.add(UDP_TUNNELS[p])
                stage = "link"
                continue
            break
        break
    have.discard(None)

    # RULE: a layer that is malformed is not counted (packet.h: a broken layer
    # never has its bit set), though tshark lists it in frame.protocols.
    malformed = " ".join(pkt.get("_ws.malformed", []))
    if "ARP" in have and not arp_intact(pkt, malformed):
        have.discard("ARP")
    if "DNS" in have and not dns_intact(pkt, malformed):
        have.discard("DNS")
    if "DNS" in have and not dns_port(pkt):
        # RULE: only port 53 is DNS to us (tshark also decodes DNS heuristically).
        have.discard("DNS")
    return have


def arp_intact(pkt, malformed):
    """tshark raises its "Malformed Packet: ARP/RARP" exactly when the
    addresses the header declares are not all captured, which is our rule too
    (tcpdump-arp-oobr.pcap). A malformed F5 trailer after a whole ARP packet
    leaves the ARP layer intact."""
    if "atmarp" in first(pkt, "frame.protocols", "").split(":"):
        return False  # RULE: ATM ARP (hardware type 19, RFC 2225) has its own layout; not read
    return "ARP/RARP" not in malformed


# tshark's placeholders for a name it could not read: too long (over 255
# octets, or a compression loop that made it so), or an undefined label type.
BAD_NAMES = ("<Name too long>", "<Unknown extended label>")


def dns_intact(pkt, malformed):
    """RULE: our DNS layer is the header and the whole question section
    (packet.h); answer, authority and additional records are not read, so an
    error there (which tshark reports) does not make our DNS layer malformed.
    The question section is whole when tshark shows as many questions as the
    header counts, each with its type and class, and none with a name tshark
    could not read (ndpi-malformed_dns.pcap: a second question whose name is
    over 255 octets; tcpdump-dns-badlabel.pcap: 64259 questions claimed)."""
    qd = num(first(pkt, "dns.count.queries", "0"))
    names = pkt.get("dns.qry.name", [])
    if len(names) != qd or len(pkt.get("dns.qry.type", [])) != qd \
            or len(pkt.get("dns.qry.class", [])) != qd:
        return False
    if any(n in BAD_NAMES for n in names):
        return False
    return True


DNS_PORTS = ("53", "5353", "5355")


def dns_protocol(pkt):
    """"dns", "mdns" or "llmnr" when tshark dissects one of them right above
    UDP or TCP on one of DNSLookupChef's default ports, else None. RULE: the
    chef reads DNS only on its ports (tshark also decodes DNS heuristically)."""
    protos = first(pkt, "frame.protocols", "").split(":")
    for i, p in enumerate(protos[:-1]):
        if p in ("udp", "tcp"):
            app = protos[i + 1]
            ports = pkt.get(p + ".srcport", []) + pkt.get(p + ".dstport", [])
            if app in ("dns", "mdns", "llmnr") and any(x in DNS_PORTS for x in ports):
                return app
            return None
    return None


def dns_questions(pkt):
    """The questions DNSLookupChef reports: RULE: every question up to the
    first that is broken (a name tshark could not read, or no room for its
    type and class), in our presentation form."""
    names = pkt.get("dns.qry.name", [])
    whole = min(len(names), len(pkt.get("dns.qry.type", [])), len(pkt.get("dns.qry.class", [])))
    out = []
    for raw in names[:whole]:
        if raw in BAD_NAMES:
            break
        out.append(presentation(raw))
    return out


def dns_port(pkt):
    ports = pkt.get("udp.srcport", []) + pkt.get("udp.dstport", []) \
        + pkt.get("tcp.srcport", []) + pkt.get("tcp.dstport", [])
    return "53" in ports


def presentation(name):
    """Our presentation form (RFC 1035 5.1) from tshark's display of a name.

    RULE (ndpi-dns-invalid-chars.pcap): tshark shows a non-printable label
    byte as a backslash and three octal digits, shows valid UTF-8 as the
    characters it encodes, and leaves "." inside a label and "\\" as they are;
    we write "\\DDD" in decimal for every byte outside 0x21..0x7e (space and
    each byte of a UTF-8 sequence included), and "\\." / "\\\\" for the two
    ambiguous characters. tshark shows the root as "<Root>"; we show ".".
    Limits, met by no capture here: a "." inside a label cannot be told from
    a separator in tshark's text, and invalid UTF-8 is not recoverable."""
    if name == "<Root>":
        return "."
    raw = bytearray()
    i = 0
    while i < len(name):
        if name[i] == "\\" and re.fullmatch("[0-7]{3}", name[i + 1:i + 4]):
            raw.append(int(name[i + 1:i + 4], 8))
            i += 4
        else:
            raw += name[i].encode("utf-8")
            i += 1
    out = []
    for b in raw:
        if b == ord("\\"):
            out.append("\\\\")
        elif b < 0x21 or b > 0x7e:
            out.append("\\%03d" % b)
        else:
            out.append(chr(b))  # "." here is a separator (see above)
    return "".join(out)


def mac(s):
    return s.lower()


class Kitchen:
    """The four built-in chefs as docs/chefs.md describes them."""

    def __init__(self):
        self.out = []
        self.layer_counts = {}
        self.lookups = {}  # name -> [count, latest], least recently seen first
        self.arp_hosts = {}  # src_ip -> src_hw, from replies
        self.icmp = {}
        self.icmpv6 = {}
        self.app = oracle_app.AppKitchen()

    def emit(self, chef, driver, payload):
        self.out.append({"metadata": {"chef": chef, "driver": driver}, "payload": payload})

    def packet(self, pkt):
        ts = capture_time(first(pkt, "frame.time_epoch"))
        have = layers_of(pkt)
        for name in have:
            self.layer_counts[name] = self.layer_counts.get(name, 0) + 1
        # DNSLookupChef: standard queries only (QR 0, opcode 0) of DNS, mDNS
        # and LLMNR on their ports, one dumpling per question.
        protocol = dns_protocol(pkt)
        if protocol and first(pkt, "dns.flags.response") in ("0", "False", "false") \
                and num(first(pkt, "dns.flags.opcode", "0")) == 0:
            for name in dns_questions(pkt):
                self.emit("DNSLookupChef", "packet", {"lookup": {
                    "hostname": name, "when": ts, "protocol": protocol}})
                count = self.lookups.pop(name, [0, 0.0])[0]
                self.lookups[name] = [count + 1, ts]  # re-inserted: now most recent
        # ARPChef: every whole ARP message; addresses as tshark decodes them.
        if "ARP" in have and first(pkt, "arp.opcode") is not None:
            op = num(first(pkt, "arp.opcode"))
            src_hw = first(pkt, "arp.src.hw_mac")
            src_ip = first(pkt, "arp.src.proto_ipv4")
            notes = None
            if op == 2 and src_hw is not None and src_ip is not None:
                src_hw = mac(src_hw)
                if src_ip not in self.arp_hosts:
                    notes = "source device is new"
                elif self.arp_hosts[src_ip] != src_hw:
                    notes = "source device has new IP address"
                self.arp_hosts[src_ip] = src_hw
            dst_hw = first(pkt, "arp.dst.hw_mac")
            self.emit("ARPChef", "packet", {
                "operation": ARP_OPS.get(op, "opcode-%d" % op), "opcode": op,
                "src_hw": mac(src_hw) if src_hw else None, "src_ip": src_ip,
                "dst_hw": mac(dst_hw) if dst_hw else None,
                "dst_ip": first(pkt, "arp.dst.proto_ipv4"),
                "time": ts, "notes": notes})
        if "ICMP" in have:
            t = num(first(pkt, "icmp.type"))
            self.icmp[t] = self.icmp.get(t, 0) + 1
        if "ICMPv6" in have:
            t = num(first(pkt, "icmpv6.type"))
            self.icmpv6[t] = self.icmpv6.get(t, 0) + 1
        self.app.packet(pkt, ts, have, self.emit)

    @staticmethod
    def arp_is_eth_ipv4(pkt):
        return (num(first(pkt, "arp.hw.type", "0")) == 1
                and num(first(pkt, "arp.proto.type", "0")) == 0x0800
                and num(first(pkt, "arp.hw.size", "0")) == 6
                and num(first(pkt, "arp.proto.size", "0")) == 4)

    def poke(self):
        self.emit("PacketCountChef", "interval", {"packet_counts": {
            name: self.layer_counts[name] for name in LAYERS if name in self.layer_counts}})
        self.emit("DNSLookupChef", "interval", {"lookups_seen": {
            name: {"count": c, "latest": t} for name, (c, t) in self.lookups.items()}})
        self.emit("ICMPCountChef", "interval", {
            "icmp_counts": {ICMP_NAMES.get(t, "type-%d" % t): n
                            for t, n in sorted(self.icmp.items())},
            "icmpv6_counts": {ICMPV6_NAMES.get(t, "type-%d" % t): n
                              for t, n in sorted(self.icmpv6.items())}})
        self.app.poke(self.emit)


def run(path, interval):
    """RULE (poke timing, every capture): reading a file, nd-snifty keeps the
    kitchen's clock on capture time, on a grid that starts at the first
    packet: the first poke is due `interval` seconds after it. Before a packet
    at or past the due time is handed to the chefs, the kitchen is poked once
    (a quiet stretch gives one poke, not one per empty interval) and the due
    time moves on by whole intervals, added one at a time as nd-snifty does,
    until it is past that packet. At the end of the file the kitchen is poked
    once more. tshark knows nothing of pokes; this is our documented rule."""
    k = Kitchen()
    due = None
    for pkt in tshark(path):
        ts = capture_time(first(pkt, "frame.time_epoch"))
        if interval > 0:
            if due is None:
                due = ts + interval
            elif ts >= due:
                k.poke()
                while due <= ts:
                    due += interval
        k.packet(pkt)
    k.poke()
    return k.out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("capture")
    ap.add_argument("-d", "--dir", help="write DIR/<Chef>.jsonl for every chef")
    ap.add_argument("--interval", type=float, default=POKE_INTERVAL)
    args = ap.parse_args()
    out = run(args.capture, args.interval)
    if not args.dir:
        sys.stdout.write("".join(line(d) for d in out))
        return
    os.makedirs(args.dir, exist_ok=True)
    for chef in CHEFS:
        with open(os.path.join(args.dir, chef + ".jsonl"), "w", encoding="utf-8") as f:
            f.write("".join(line(d) for d in out if d["metadata"]["chef"] == chef))


def line(dumpling):
    return json.dumps(dumpling, separators=(",", ":"), ensure_ascii=False) + "\n"


if __name__ == "__main__":
    main()
