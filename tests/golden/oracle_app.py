#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""oracle_app.py: the expected dumplings of the application-layer chefs
(TLSClientHelloChef, HTTPRequestChef, TopTalkersChef, DHCPChef), derived from
tshark's dissection, for oracle.py to merge into its Kitchen.

oracle.py wires it in as:
    FIELDS += oracle_app.FIELDS;  CHEFS += oracle_app.CHEFS
    Kitchen.__init__:  self.app = oracle_app.AppKitchen()
    end of Kitchen.packet(pkt):  self.app.packet(pkt, ts, have, self.emit)
    end of Kitchen.poke():       self.app.poke(self.emit)
(the four chefs come after the first four in chefs/builtin.c, so on every
packet and every poke their dumplings follow those of the first four).

    oracle_app.py CAPTURE    only these four chefs' dumplings (what
                             `nd-snifty -r CAPTURE --stdout --filter ""
                             -c TLSClientHelloChef -c HTTPRequestChef
                             -c TopTalkersChef -c DHCPChef` prints)

Payloads are those docs/chefs.md documents for the four chefs.
"""

import argparse
import json
import os
import sys

CHEFS = ["TLSClientHelloChef", "HTTPRequestChef", "TopTalkersChef", "DHCPChef"]

FIELDS = [
    "frame.len", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "tcp.len", "tls.record.content_type", "tls.record.version", "tls.handshake.type",
    "tls.handshake.version",
    "tls.handshake.extensions_server_name", "tls.handshake.extensions.supported_version",
    "tls.handshake.extensions_alpn_str", "quic.long.packet_type",
    "http.request.method", "http.request.uri", "http.request.version", "http.host",
    "http.user_agent",
    "dhcp.type", "dhcp.option.dhcp", "dhcp.hw.type", "dhcp.hw.len", "dhcp.hw.mac_addr",
    "dhcp.option.hostname", "dhcp.option.requested_ip_address", "dhcp.ip.client",
    "dhcp.ip.your", "dhcp.option.type", "dhcp.option.value",
]

# app.h's buffer sizes (NUL included).
SNI_MAX, ALPN_MAX, MAX_ALPN, MAX_VERSIONS = 256, 64, 8, 16
PATH_MAX, HOST_MAX, UA_MAX, HOSTNAME_MAX = 1024, 256, 512, 256

TLS_VERSIONS = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1",
                0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}
DHCP_TYPES = [None, "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE",
              "INFORM", "FORCERENEW", "LEASEQUERY", "LEASEUNASSIGNED", "LEASEUNKNOWN",
              "LEASEACTIVE", "BULKLEASEQUERY", "LEASEQUERYDONE", "ACTIVELEASEQUERY",
              "LEASEQUERYSTATUS", "TLS"]


def first(pkt, field, default=None):
    v = pkt.get(field)
    return v[0] if v else default


def num(s):
    return int(s, 0) if isinstance(s, str) else s


def text(s, size):
    """app.h's nd_app_text: printable ASCII kept (backslash escaped), every
    other byte (of the UTF-8 form tshark shows) as \\xHH; cut at whole
    characters to fit `size` bytes with the NUL. Returns (text, truncated)."""
    out, used = [], 0
    for byte in s.encode("utf-8", "surrogateescape"):
        piece = chr(byte) if 0x20 <= byte <= 0x7e and byte != 0x5c else "\\x%02x" % byte
        if used + len(piece) >= size:
            return "".join(out), True
        out.append(piece)
        used += len(piece)
    return "".join(out), False


def is_grease(v):
    return (v & 0x0f0f) == 0x0a0a and (v >> 8) == (v & 0xff)


def version_name(v):
    if v in TLS_VERSIONS:
        return TLS_VERSIONS[v]
    return "GREASE" if is_grease(v) else "0x%04x" % v


def addresses(pkt, have):
    """The first network header's addresses (ours is the first one; tshark
    also lists those of tunnels and ICMP error payloads, after it)."""
    if "IP" in have:
        return first(pkt, "ip.src"), first(pkt, "ip.dst")
    return first(pkt, "ipv6.src"), first(pkt, "ipv6.dst")


def ports(pkt, proto):
    return num(first(pkt, proto + ".srcport")), num(first(pkt, proto + ".dstport"))


class AppKitchen:
    def __init__(self, n=10):
        self.n = n
        self.hosts = {}  # address -> [bytes, packets], since the last poke
        self.convs = {}  # (a, b) with a <= b -> [bytes, packets]
        self.total = [0, 0]

    def packet(self, pkt, ts, have, emit):
        if "IP" in have or "IPv6" in have:
            self.talk(pkt, have)
        if "TCP" in have and num(first(pkt, "tcp.len", "0")) > 0:
            self.tls(pkt, ts, have, emit)
            self.http(pkt, ts, have, emit)
        if "UDP" in have:
            self.dhcp(pkt, ts, have, emit)
            if "quic.long.packet_type" in pkt:
                self.tls(pkt, ts, have, emit, "quic")
            if 1900 in ports(pkt, "udp"):
                # RULE: HTTP over UDP is read on SSDP's port only, as tshark does.
                self.http(pkt, ts, have, emit, "udp")

    def tls(self, pkt, ts, have, emit, transport="tcp"):
        # RULE: the chef reads the ClientHello in the first TLS record of a
        # segment (or of a flow's segments put back together); tshark, with
        # TCP reassembly off, shows a hello only when it lies in one segment,
        # which is the case in every shared capture. In QUIC (any UDP port)
        # the hello has no record: tshark shows it at the Initial packet that
        # completes it, decrypted from the Destination Connection ID.
        # An SSL 2.0-compatible hello has no content type: record version 2.
        if transport == "tcp" and first(pkt, "tls.record.content_type") != "22" \
                and num(first(pkt, "tls.record.version")) != 2:
            return
        if first(pkt, "tls.handshake.type") != "1":
            return
        src, dst = addresses(pkt, have)
        sport, dport = ports(pkt, "tcp" if transport == "tcp" else "udp")
        sni = first(pkt, "tls.handshake.extensions_server_name")
        truncated = False
        if sni is not None:
            sni, truncated = text(sni, SNI_MAX)
        legacy = version_name(num(first(pkt, "tls.handshake.version")))
        offered = [num(v) for v in pkt.get("tls.handshake.extensions.supported_version", [])]
        if len(offered) > MAX_VERSIONS:
            offered, truncated = offered[:MAX_VERSIONS], True
        versions = [version_name(v) for v in offered if not is_grease(v)] if offered else [legacy]
        alpn = []
        raw_alpn = pkt.get("tls.handshake.extensions_alpn_str", [])
        if len(raw_alpn) > MAX_ALPN:
            truncated = True
        for a in raw_alpn[:MAX_ALPN]:
            t, cut = text(a, ALPN_MAX)
            alpn.append(t)
            truncated = truncated or cut
        emit("TLSClientHelloChef", "packet", {
            "server_name": sni, "versions": versions, "legacy_version": legacy, "alpn": alpn,
            "client": src, "client_port": sport, "server": dst, "server_port": dport,
            "time": ts, "truncated": truncated, "transport": transport})

    def http(self, pkt, ts, have, emit, transport="tcp"):
        # RULE: requests on any TCP port, one segment each (tshark, reassembly
        # off, shows the request lines of a segment that starts a request,
        # and of the requests pipelined after it).
        methods = pkt.get("http.request.method", [])
        if not methods:
            return
        src, dst = addresses(pkt, have)
        sport, dport = ports(pkt, transport)
        uris = pkt.get("http.request.uri", [])
        versions = pkt.get("http.request.version", [])
        # Host and User-Agent are listed for the requests that have one: they
        # line up with the requests only when every request has one (or when
        # there is one request).
        hosts = pkt.get("http.host", [])
        uas = pkt.get("http.user_agent", [])
        for i, method in enumerate(methods):
            path, cut_path = text(uris[i] if i < len(uris) else "", PATH_MAX)
            host, cut_host = None, False
            if len(methods) == 1 or len(hosts) == len(methods):
                host = hosts[i] if i < len(hosts) else None
            if host is not None:
                host, cut_host = text(host, HOST_MAX)
            ua, cut_ua = None, False
            if len(methods) == 1 or len(uas) == len(methods):
                ua = uas[i] if i < len(uas) else None
            if ua is not None:
                ua, cut_ua = text(ua, UA_MAX)
            emit("HTTPRequestChef", "packet", {
                "method": method, "host": host, "path": path,
                "version": versions[i] if i < len(versions) else None, "user_agent": ua,
                "client": src, "client_port": sport, "server": dst, "server_port": dport,
                "time": ts, "truncated": cut_path or cut_host or cut_ua,
                "transport": transport})

    def dhcp(self, pkt, ts, have, emit):
        sport, dport = ports(pkt, "udp")
        if sport not in (67, 68) or dport not in (67, 68):
            return
        mtype = first(pkt, "dhcp.option.dhcp")
        if mtype is None:
            return
        mtype = num(mtype)
        name = DHCP_TYPES[mtype] if 0 < mtype < len(DHCP_TYPES) else "type-%d" % mtype
        is_mac = num(first(pkt, "dhcp.hw.type", "0")) == 1 \
            and num(first(pkt, "dhcp.hw.len", "0")) == 6
        hostname, cut = first(pkt, "dhcp.option.hostname"), False
        if hostname is not None:
            hostname, cut = text(hostname, HOSTNAME_MAX)

        def ip(field):
            v = first(pkt, field)
            return None if v in (None, "0.0.0.0") else v

        # tshark lists a value for every option but pad (0) and end (255).
        types = [t for t in pkt.get("dhcp.option.type", []) if t not in ("0", "255")]
        values = dict(reversed(list(zip(types, pkt.get("dhcp.option.value", [])))))
        cid = values.get("61")  # the first one: reversed() above keeps it
        if cid is not None:
            raw = bytes.fromhex(cid.replace(":", ""))
            cut = cut or len(raw) > 64
            cid = ":".join("%02x" % b for b in raw[:64])
        emit("DHCPChef", "packet", {
            "message_type": name,
            "mac": first(pkt, "dhcp.hw.mac_addr") if is_mac else None,
            "hostname": hostname, "requested_ip": first(pkt, "dhcp.option.requested_ip_address"),
            "client_ip": ip("dhcp.ip.client"), "your_ip": ip("dhcp.ip.your"),
            "client_id": cid, "time": ts, "truncated": cut})

    def talk(self, pkt, have):
        wirelen = num(first(pkt, "frame.len"))
        src, dst = addresses(pkt, have)
        self.total[0] += wirelen
        self.total[1] += 1
        for h in ([src] if src == dst else [src, dst]):
            c = self.hosts.setdefault(h, [0, 0])
            c[0] += wirelen
            c[1] += 1
        c = self.convs.setdefault((min(src, dst), max(src, dst)), [0, 0])
        c[0] += wirelen
        c[1] += 1

    def poke(self, emit):
        def top(table, by_bytes, conv):
            key = (lambda kv: (-kv[1][0], -kv[1][1], kv[0])) if by_bytes else \
                (lambda kv: (-kv[1][1], -kv[1][0], kv[0]))
            out = []
            for k, (b, p) in sorted(table.items(), key=key)[:self.n]:
                head = {"a": k[0], "b": k[1]} if conv else {"host": k}
                out.append(dict(head, bytes=b, packets=p))
            return out

        # Hosts sort by their own text; a conversation by (a, b): in the
        # tuples above, as the chef's strcmp on a then b.
        emit("TopTalkersChef", "interval", {
            "total_bytes": self.total[0], "total_packets": self.total[1],
            "hosts_by_bytes": top(self.hosts, True, False),
            "hosts_by_packets": top(self.hosts, False, False),
            "conversations_by_bytes": top(self.convs, True, True),
            "conversations_by_packets": top(self.convs, False, True)})
        self.hosts, self.convs, self.total = {}, {}, [0, 0]


def main():
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import oracle

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("capture")
    ap.add_argument("-o", "--output")
    ap.add_argument("--interval", type=float, default=oracle.POKE_INTERVAL)
    args = ap.parse_args()
    for f in FIELDS:
        if f not in oracle.FIELDS:
            oracle.FIELDS.append(f)

    out = []
    app = AppKitchen()

    def emit(chef, driver, payload):
        out.append({"metadata": {"chef": chef, "driver": driver}, "payload": payload})

    # The same poke grid as oracle.run().
    due = None
    for pkt in oracle.tshark(args.capture):
        ts = oracle.capture_time(first(pkt, "frame.time_epoch"))
        if args.interval > 0:
            if due is None:
                due = ts + args.interval
            elif ts >= due:
                app.poke(emit)
                while due <= ts:
                    due += args.interval
        app.packet(pkt, ts, oracle.layers_of(pkt), emit)
    app.poke(emit)
    text_out = "".join(json.dumps(d, separators=(",", ":"), ensure_ascii=False) + "\n"
                       for d in out)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text_out)
    else:
        sys.stdout.write(text_out)


if __name__ == "__main__":
    main()
