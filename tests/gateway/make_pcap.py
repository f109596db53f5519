#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make_pcap.py: writes the gateway tests' crafted captures by hand (standard
library only): classic pcap, Ethernet, IPv4/UDP DNS queries and ARP.

  make_pcap.py browser OUT.pcap [SPAN]
                                  a few DNS queries (one whose name is an HTML
                                  tag with an onerror handler) and ARP traffic,
                                  spread over SPAN seconds (default 1 ms apart)
  make_pcap.py flood OUT.pcap N   N DNS queries with distinct long names
  make_pcap.py hostile OUT.pcap   markup in a TLS server name and ALPN, an HTTP
                                  host, path and user agent, a DHCP hostname
"""
import struct
import sys

# Markup in query names: the first as the issue states it (the DNS chef shows
# its spaces as \032), the second a form that needs no spaces and would run
# if a page ever put it in with innerHTML.
XSS_NAMES = ["<img src=x onerror=window.ndXss=1>.evil.example",
             "<img/src/onerror=window.ndXss=2>.evil.example"]
BROWSER_NAMES = ["www.example.org", "dumplings.example.net"] + XSS_NAMES + ["a-b.c-d.example.com"]
# (operation, sender MAC, sender IP, target MAC, target IP)
BROWSER_ARP = [
    (1, "02:00:00:00:00:01", "192.0.2.1", "00:00:00:00:00:00", "192.0.2.2"),
    (2, "02:00:00:00:00:02", "192.0.2.2", "02:00:00:00:00:01", "192.0.2.1"),
    (1, "02:00:00:00:00:03", "192.0.2.3", "00:00:00:00:00:00", "192.0.2.1"),
    (2, "02:00:00:00:00:01", "192.0.2.1", "02:00:00:00:00:03", "192.0.2.3"),
]


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def dns_query(qid, name):
    q = b""
    for label in name.encode("utf-8").split(b"."):
        assert 0 < len(label) < 64, label
        q += bytes([len(label)]) + label
    q += b"\0" + struct.pack("!HH", 1, 1)  # A, IN
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q


def udp_ipv4(src, dst, sport, dport, payload, ident):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ident & 0xFFFF, 0, 64, 17, 0,
                      ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + udp


def ether(dst, src, ethertype, payload):
    return mac(dst) + mac(src) + struct.pack("!H", ethertype) + payload


def arp(op, sha, spa, tha, tpa):
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + mac(sha) + ip4(spa) + mac(tha) + ip4(tpa)
    dst = "ff:ff:ff:ff:ff:ff" if op == 1 else tha
    return ether(dst, sha, 0x0806, body)


# Markup where the application chefs take text from packets (printable ASCII,
# which the chefs pass as it is): each would set window.ndXss if it ever ran.
HOSTILE_SNI = "<img src=x onerror=window.ndXss=11>.evil.example"
HOSTILE_ALPN = "<svg onload=window.ndXss=12>"
HOSTILE_HOST = "<img src=x onerror=window.ndXss=13>"
HOSTILE_PATH = "/<img/src/onerror=window.ndXss=14>?<script>window.ndXss=15</script>"
HOSTILE_UA = "<svg onload=window.ndXss=16>"
HOSTILE_DHCP_NAME = "<img src=x onerror=window.ndXss=17>"


def tcp_ipv4(src, dst, sport, dport, seq, payload, ident, flags=0x18):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 1, 5 << 4, flags, 65535, 0, 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ident & 0xFFFF, 0, 64, 6, 0,
                      ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + tcp


def client_hello(sni, alpn):
    name = sni.encode()
    ext_sni = struct.pack("!HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    protos = b"".join(bytes([len(p)]) + p.encode() for p in alpn)
    ext_alpn = struct.pack("!HHH", 16, len(protos) + 2, len(protos)) + protos
    exts = ext_sni + ext_alpn
    body = (struct.pack("!H", 0x0303) + bytes(32) + b"\0" + struct.pack("!HH", 2, 0x1301) + b"\1\0" +
            struct.pack("!H", len(exts)) + exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def dhcp_request(chaddr, hostname, requested):
    msg = struct.pack("!BBBBIHH4s4s4s4s", 1, 1, 6, 0, 0x1234, 0, 0, bytes(4), bytes(4), bytes(4), bytes(4))
    msg += mac(chaddr) + bytes(10) + bytes(64) + bytes(128) + b"\x63\x82\x53\x63"
    name = hostname.encode()
    msg += b"\x35\x01\x03" + bytes([12, len(name)]) + name + b"\x32\x04" + ip4(requested) + b"\xff"
    return msg


def hostile_frames():
    c, s = "02:00:00:00:00:10", "02:00:00:00:00:fe"
    http = ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n\r\n" %
            (HOSTILE_PATH, HOSTILE_HOST, HOSTILE_UA)).encode()
    return [
        ether(s, c, 0x0800, tcp_ipv4("192.0.2.10", "192.0.2.80", 40001, 443, 1000,
                                     client_hello(HOSTILE_SNI, [HOSTILE_ALPN, "h2"]), 1)),
        ether(s, c, 0x0800, tcp_ipv4("192.0.2.10", "192.0.2.80", 40002, 80, 5000, http, 2)),
        ether("ff:ff:ff:ff:ff:ff", "02:00:00:00:00:42", 0x0800,
              udp_ipv4("0.0.0.0", "255.255.255.255", 68, 67,
                       dhcp_request("02:00:00:00:00:42", HOSTILE_DHCP_NAME, "192.0.2.42"), 3)),
    ]


def write(path, frames, start=1700000000.0, step=0.001):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, frame in enumerate(frames):
            t = start + i * step
            sec, usec = int(t), int(round((t - int(t)) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)


def dns_frame(i, name):
    payload = dns_query(i & 0xFFFF, name)
    return ether("02:00:00:00:00:fe", "02:00:00:00:00:10", 0x0800,
                 udp_ipv4("192.0.2.10", "192.0.2.53", 40000 + (i % 20000), 53, payload, i))


def main(argv):
    if len(argv) >= 3 and argv[1] == "browser":
        frames = [dns_frame(i, n) for i, n in enumerate(BROWSER_NAMES)]
        frames += [arp(*a) for a in BROWSER_ARP]
        span = float(argv[3]) if len(argv) >= 4 else None
        write(argv[2], frames, step=span / (len(frames) - 1) if span else 0.001)
    elif len(argv) >= 3 and argv[1] == "hostile":
        write(argv[2], hostile_frames())
    elif len(argv) >= 4 and argv[1] == "flood":
        n = int(argv[3])
        pad = "x" * 40
        write(argv[2], [dns_frame(i, "host%06d.%s.flood.example" % (i, pad)) for i in range(n)],
              step=0.00001)
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
