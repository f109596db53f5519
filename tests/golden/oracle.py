#!/usr/bin/env python3
"""oracle.py: derives, from tshark's dissection of a capture, the dumplings that
`nd-snifty -r CAPTURE --stdout` must print with the built-in chefs.

The expected files under tests/golden/expected/ are written by this script, not
by nd-snifty, so that a golden test compares our dissectors and chefs with an
independent implementation (Wireshark). Where our documented behaviour
(docs/chefs.md, common/include/netdumplings/packet.h) legitimately differs from
what tshark shows, the rule is encoded here explicitly, marked "RULE:", and the
capture that needs it is named.

    oracle.py CAPTURE            expected dumplings, one JSON line each, on stdout
    oracle.py CAPTURE -o FILE    the same into FILE

The capture is read whole: the golden test runs nd-snifty with --filter ""
(its default BPF filter would drop VLAN-tagged packets and ICMP) and
--poke-interval 5.

Each line is {"metadata": {"chef": ..., "driver": ...}, "payload": ...}: the
comparer (compare.py) masks creation_time and checks only the metadata keys
written here.
"""

import argparse
import json
import re
import subprocess
import sys

import oracle_app

POKE_INTERVAL = 5.0  # nd-snifty's default --poke-interval, seconds of capture time

# Chef order as in chefs/builtin.c: on every poke, each chef with an interval
# handler runs in this order; for every packet, each packet handler.
CHEFS = ["PacketCountChef", "DNSLookupChef", "ARPChef", "ICMPCountChef"] + oracle_app.CHEFS

# nd_layer_t order (packet.h) and names.
LAYERS = ["Ethernet", "802.1Q", "802.1ad", "SLL", "Loopback", "ARP", "IP", "IPv6",
          "TCP", "UDP", "ICMP", "ICMPv6", "DNS"]

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


def layers_of(pkt):
    """Our layer bits for one packet, from tshark's frame.protocols.

    We dissect one link layer, any VLAN tags, PPPoE sessions carrying IP, one
    network layer (IPv6 extension headers followed), one transport layer, and
    DNS on port 53 above it. RULE: tshark goes on into ICMP error payloads,
    tunnels, TLS, HTTP and so on; those are not layers of ours, so the walk
    stops at the first protocol we do not dissect."""
    protos = first(pkt, "frame.protocols", "").split(":")
    have = set()
    stage = "link"  # link -> net -> transport -> app -> done
    for p in protos:
        if stage == "link":
            if p in ("eth", "vlan", "ieee8021ad", "null", "sll", "ethertype", "raw", "pppoes",
                     "ppp"):
                have.add({"eth": "Ethernet", "vlan": "802.1Q", "ieee8021ad": "802.1ad",
                          "null": "Loopback", "sll": "SLL"}.get(p))
                continue
            if p in ("ip", "ipv6", "arp"):
                have.add({"ip": "IP", "ipv6": "IPv6", "arp": "ARP"}[p])
                stage = "net" if p != "arp" else "done"
                continue
            break
        if stage == "net":
            if p.startswith("ipv6."):  # extension headers: hopopts, routing, ...
                continue
            if p in ("tcp", "udp", "icmp", "icmpv6"):
                have.add({"tcp": "TCP", "udp": "UDP", "icmp": "ICMP", "icmpv6": "ICMPv6"}[p])
                stage = "transport" if p in ("tcp", "udp") else "done"
                continue
            break
        if stage == "transport":
            if p == "dns":
                have.add("DNS")
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
    if "0x8035" in pkt.get("eth.type", []) + pkt.get("vlan.etype", []):
        return False  # RULE: tshark shows RARP as "arp"; we dissect ARP (0x0806) only
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
        # DNSLookupChef: standard queries only (QR 0, opcode 0), one dumpling
        # per question.
        if "DNS" in have and first(pkt, "dns.flags.response") in ("0", "False", "false") \
                and num(first(pkt, "dns.flags.opcode", "0")) == 0:
            # RULE: nd_packet_t keeps the first 4 questions (ND_DNS_MAX_QUESTIONS).
            for raw in pkt.get("dns.qry.name", [])[:4]:
                name = presentation(raw)
                self.emit("DNSLookupChef", "packet", {"lookup": {"hostname": name, "when": ts}})
                count = self.lookups.pop(name, [0, 0.0])[0]
                self.lookups[name] = [count + 1, ts]  # re-inserted: now most recent
        # ARPChef: Ethernet/IPv4 ARP, requests and replies.
        if "ARP" in have and self.arp_is_eth_ipv4(pkt):
            op = num(first(pkt, "arp.opcode"))
            if op in (1, 2):
                src_hw = mac(first(pkt, "arp.src.hw_mac"))
                src_ip = first(pkt, "arp.src.proto_ipv4")
                notes = None
                if op == 2:
                    if src_ip not in self.arp_hosts:
                        notes = "source device is new"
                    elif self.arp_hosts[src_ip] != src_hw:
                        notes = "source device has new IP address"
                    self.arp_hosts[src_ip] = src_hw
                self.emit("ARPChef", "packet", {
                    "operation": "request" if op == 1 else "reply",
                    "src_hw": src_hw, "src_ip": src_ip,
                    "dst_hw": mac(first(pkt, "arp.dst.hw_mac")),
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
    ap.add_argument("-o", "--output")
    ap.add_argument("--interval", type=float, default=POKE_INTERVAL)
    args = ap.parse_args()
    lines = [json.dumps(d, separators=(",", ":"), ensure_ascii=False) for d in
             run(args.capture, args.interval)]
    text = "".join(line + "\n" for line in lines)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
