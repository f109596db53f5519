#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""loss_client.py PORT QUERY NAME CHEF LAST: a WebSocket client that asks for
its loss (QUERY, e.g. "?loss=1&chef=DNSLookupChef") and stops reading. Its
receive buffer is pinned small (SO_RCVBUF before connect turns off
autotuning), so the gateway falls behind for it. It names itself NAME in its
first message, prints "ready" after the handshake, waits for a line on
stdin, then reads until it has the dumpling of CHEF whose topic_sequence is
LAST (or 30 s pass without a frame) and prints one JSON line: the dumplings
of CHEF received, the last {"$loss": {"lost": N}} N (null without one), how
many $loss messages came, the topic_sequence numbers it saw and whether it
reached LAST; it then stays connected until the next line on stdin."""
import base64
import json
import os
import socket
import struct
import sys


def send_text(s, text):
    """A masked client text frame (RFC 6455 5.3)."""
    data = text.encode()
    mask = os.urandom(4)
    head = bytes([0x81])
    if len(data) < 126:
        head += bytes([0x80 | len(data)])
    else:
        head += bytes([0x80 | 126]) + struct.pack("!H", len(data))
    s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))


def frames(s):
    """Yields (opcode, payload) of each frame the server sends."""
    buf = b""
    while True:
        while True:
            if len(buf) >= 2:
                n, j = buf[1] & 0x7F, 2
                if n == 126 and len(buf) >= 4:
                    n, j = struct.unpack("!H", buf[2:4])[0], 4
                elif n == 127 and len(buf) >= 10:
                    n, j = struct.unpack("!Q", buf[2:10])[0], 10
                if n < 126 or j > 2:
                    if len(buf) >= j + n:
                        op, payload, buf = buf[0] & 0x0F, buf[j:j + n], buf[j + n:]
                        yield op, payload
                        continue
            break
        chunk = s.recv(1 << 16)
        if not chunk:
            return
        buf += chunk


def main():
    port, query, name, chef, last = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /%s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
               % (query, port, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            print("closed before the handshake", flush=True)
            return 1
        head += chunk
    if b" 101 " not in head.split(b"\r\n")[0]:
        print("handshake refused: %r" % head, flush=True)
        return 1
    send_text(s, json.dumps({"eater_name": name}))
    print("ready", flush=True)
    sys.stdin.readline()

    s.settimeout(30)
    out = {"received": 0, "lost": None, "loss_messages": 0, "seqs": [], "reached": False,
           "close": None, "other": 0}
    try:
        for op, payload in frames(s):
            if op == 8:
                out["close"] = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 0
                break
            if op != 1:
                continue
            m = json.loads(payload)
            if "$loss" in m:
                out["lost"] = m["$loss"]["lost"]
                out["loss_messages"] += 1
                continue
            if m["metadata"]["chef"] != chef:
                out["other"] += 1
                continue
            out["received"] += 1
            seq = m["metadata"].get("topic_sequence")
            out["seqs"].append(seq)
            if seq == last:
                out["reached"] = True
                break
    except (ConnectionResetError, socket.timeout):
        pass
    print(json.dumps(out), flush=True)
    # Still connected (and listed at the hub) until told to go.
    sys.stdin.readline()
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
