#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""slow_client.py PORT: a WebSocket client that stops reading. Its receive
buffer is pinned small (SO_RCVBUF before connect turns off autotuning) so the
gateway cannot park a whole capture in the kernel for it. It prints "ready"
after the handshake, waits for a line on stdin, then reads to the end and
prints "closed CODE REASON" (the close frame), or "closed none" when the
connection ended without one."""
import base64
import os
import socket
import struct
import sys


def main():
    port = int(sys.argv[1])
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /?chef=DNSLookupChef HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
               % (port, key)).encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(1)
        if not chunk:
            print("closed before the handshake", flush=True)
            return 1
        buf += chunk
    if b" 101 " not in buf.split(b"\r\n")[0]:
        print("handshake refused: %r" % buf, flush=True)
        return 1
    print("ready", flush=True)
    sys.stdin.readline()

    s.settimeout(30)
    data = b""
    try:
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    # Walk the frames; the last one may be a close frame (opcode 8).
    i, result = 0, "closed none"
    while i + 2 <= len(data):
        b0, b1 = data[i], data[i + 1]
        n, j = b1 & 0x7F, i + 2
        if n == 126:
            if j + 2 > len(data):
                break
            n, j = struct.unpack("!H", data[j:j + 2])[0], j + 2
        elif n == 127:
            if j + 8 > len(data):
                break
            n, j = struct.unpack("!Q", data[j:j + 8])[0], j + 8
        if j + n > len(data):
            break
        if b0 & 0x0F == 8 and n >= 2:
            result = "closed %d %s" % (struct.unpack("!H", data[j:j + 2])[0],
                                      data[j + 2:j + n].decode("utf-8", "replace"))
        i = j + n
    print(result, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
