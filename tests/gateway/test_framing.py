#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_framing.py: the frames nd-gateway writes itself are well-formed
(docs/gateway.md, "Framing invariants"). ws.c writes RFC 6455 frame headers
itself and hands whole batches of frames to lws_write(LWS_WRITE_RAW); each
invariant that makes this safe is checked here on the raw byte stream of
real clients, while a capture whose DNSLookupChef interval dumplings grow
past the 64 KiB batch (frames written on their own, LWS_WRITE_TEXT) goes
through nd-snifty -> nd-shifty -> nd-gateway:

1. No extension is ever negotiated: a client that offers permessage-deflate
   gets no Sec-WebSocket-Extensions back, and every frame has RSV1-3 clear.
2. Every frame is whole and minimal: FIN set, text opcode (or a control
   frame), no mask, the shortest length encoding, a UTF-8 JSON object as
   payload; every byte of the stream belongs to a frame (no garbage between
   or inside frames), for 8 clients at once, in order, none missing.
3. lws keeps the rest of a short send and writes it before anything else on
   that connection: a client with a 4 KiB receive buffer that reads nothing
   for longer than --ping (so the gateway has both its frames and a ping
   queued behind a full socket) then reads on: its stream parses to the
   end, the ping comes between frames, and it gets every dumpling in order.

The same holds for ?batch=1 clients (one JSON array per text frame, framed by
lws itself): one that reads at once and one choked as above.
"""
import base64
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import gwstack  # noqa: E402
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402

WORK = os.environ.get("ND_TEST_WORK", os.getcwd())
os.makedirs(WORK, exist_ok=True)
PING = 3  # --ping: a silent client is pinged after this, dropped after twice


def ok(cond, what, detail=None):
    check(cond, what + ("" if cond or detail is None else ": %r" % (detail,)))
    print("ok -", what, flush=True)


class Client(threading.Thread):
    """A raw WebSocket client that checks every frame it gets."""

    def __init__(self, port, name, want, rcvbuf=None, offer_deflate=False, hold=None, batch=False):
        super().__init__(daemon=True)
        self.want, self.hold, self.name, self.batch = want, hold, name, batch
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        ext = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" if offer_deflate else ""
        self.s.sendall(("GET /?chef=DNSLookupChef%s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n"
                        % ("&batch=1" if batch else "", key, ext)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            c = self.s.recv(1)
            check(c, "%s: connection closed during the handshake" % name)
            head += c
        self.head, self.buf = head.split(b"\r\n\r\n")[0].decode("latin-1"), b""
        check(" 101 " in self.head.split("\r\n")[0], "%s: handshake refused: %s" % (name, self.head))
        self.got, self.pings, self.errors, self.bytes = [], 0, [], 0
        self.frames, self.done = 0, threading.Event()

    def send(self, opcode, payload):
        mask = os.urandom(4)
        self.s.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask +
                       bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def bad(self, why):
        self.errors.append("frame %d at byte %d: %s" % (self.frames, self.bytes, why))

    def frame(self):
        """Parses and checks one frame from self.buf; None when incomplete."""
        b = self.buf
        if len(b) < 2:
            return None
        b0, b1 = b[0], b[1]
        n, j = b1 & 0x7F, 2
        if n == 126:
            if len(b) < 4:
                return None
            n, j = struct.unpack("!H", b[2:4])[0], 4
            if n < 126:
                self.bad("16-bit length %d for a frame under 126 bytes" % n)
        elif n == 127:
            if len(b) < 10:
                return None
            n, j = struct.unpack("!Q", b[2:10])[0], 10
            if n <= 0xFFFF or n >> 63:
                self.bad("64-bit length %d" % n)
        if len(b) < j + n:
            return None
        op, payload = b0 & 0x0F, b[j:j + n]
        self.buf, self.bytes, self.frames = b[j + n:], self.bytes + j + n, self.frames + 1
        if b0 & 0x70:
            self.bad("RSV bits set (%#x): an extension nobody negotiated" % b0)
        if not b0 & 0x80:
            self.bad("FIN clear: the gateway never fragments")
        if b1 & 0x80:
            self.bad("masked: a server never masks")
        if op not in (1, 8, 9, 10):
            self.bad("opcode %d" % op)
        if op >= 8 and n > 125:
            self.bad("control frame of %d bytes" % n)
        return op, payload

    def run(self):
        try:
            if self.hold:
                self.hold.wait(120)
            self.s.settimeout(30)
            while len(self.got) < self.want and not self.errors:
                chunk = self.s.recv(1 << 16)
                if not chunk:
                    self.bad("connection closed")
                    break
                self.buf += chunk
                while not self.errors:
                    f = self.frame()
                    if f is None:
                        break
                    op, payload = f
                    if op == 9:
                        self.pings += 1
                        self.send(10, payload)
                    elif op == 8:
                        self.bad("closed: %r" % payload)
                    elif op == 1:
                        try:
                            d = json.loads(payload.decode("utf-8"))
                        except (UnicodeDecodeError, ValueError) as e:
                            self.bad("payload is not UTF-8 JSON: %s" % e)
                            break
                        if self.batch:
                            if not isinstance(d, list) or not d:
                                self.bad("?batch=1 payload is not a non-empty array: %r" % payload[:200])
                                break
                        else:
                            d = [d]
                        for e in d:
                            if not isinstance(e, dict) or not isinstance(e.get("metadata"), dict):
                                self.bad("payload is not a dumpling: %r" % payload[:200])
                            elif e["metadata"].get("chef") == "DNSLookupChef":
                                self.got.append(e)
        except OSError as e:
            self.bad("socket: %s" % e)
        finally:
            self.done.set()

    def close(self):
        try:
            self.send(8, struct.pack("!H", 1000))
        except OSError:
            pass
        self.s.close()


def test(procs, argv):
    pcap = os.path.join(WORK, "flood3k.pcap")
    subprocess.run([sys.executable, os.path.join(HERE, "make_pcap.py"), "flood", pcap, "3000"], check=True)
    extra = ["-c", "DNSLookupChef", "-p", "0.005"]
    out = subprocess.run([gwstack.binary("ND_SNIFTY"), "-r", pcap, "-n", "fr", "--stdout", "-q"] + extra,
                         check=True, capture_output=True, text=True).stdout
    want = [ndtest.masked(json.loads(line)) for line in out.splitlines() if line]
    large = sum(1 for line in out.splitlines() if len(line) > 65536)
    ok(large >= 3, "%d of %d dumplings are over the 64 KiB batch" % (large, len(want)))

    st = gwstack.Stack(procs, ["--ping", str(PING)])
    hold = threading.Event()
    readers = [Client(st.port, "reader%d" % i, len(want)) for i in range(7)]
    deflate = Client(st.port, "deflate", len(want), offer_deflate=True)
    choked = Client(st.port, "choked", len(want), rcvbuf=4096, hold=hold)
    batched = Client(st.port, "batched", len(want), batch=True)
    choked_batched = Client(st.port, "choked-batched", len(want), rcvbuf=4096, hold=hold, batch=True)
    connected = time.monotonic()
    clients = readers + [deflate, choked, batched, choked_batched]
    ok("sec-websocket-extensions" not in deflate.head.lower(),
       "invariant 1: permessage-deflate offered, no extension accepted", deflate.head)
    for c in clients:
        c.start()
    ndtest.wait_for(lambda: st.metrics().get("nd_gateway_clients") == len(clients) and
                    st.metrics().get("nd_hub_subscriptions") == st.metrics().get("nd_gateway_hub_subscriptions"),
                    20, "the clients and their subscriptions at the hub")

    st.replay(pcap, "fr", *extra)
    ndtest.wait_for(lambda: all(c.done.is_set() for c in readers + [deflate, batched]), 60,
                    "the reading clients to get every dumpling or fail")
    # The choked client must have been silent longer than --ping, so that a
    # ping waits behind its full socket too: that is the condition under
    # test, not a guess at how long something takes.
    ndtest.wait_for(lambda: time.monotonic() - connected > PING + 0.5, PING + 5, "the choked client's silence")
    hold.set()
    ndtest.wait_for(lambda: choked.done.is_set() and choked_batched.done.is_set(), 60,
                    "the choked clients to read to the end")

    for c in clients:
        ok(not c.errors, "invariant 2: %s: %d frames, %d bytes, every one whole and minimal"
           % (c.name, c.frames, c.bytes), c.errors[:3])
        got = [ndtest.masked(d) for d in c.got]
        ok(got == want, "%s: every dumpling, in order, the same JSON as nd-snifty --stdout" % c.name,
           (len(got), len(want)))
    for c in (choked, choked_batched):
        ok(c.pings >= 1, "invariant 3: %s: the ping came between frames, after what lws "
           "held for it (%d ping(s))" % (c.name, c.pings))
    for c in clients:
        c.close()
    st.stop()


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
