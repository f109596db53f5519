# SPDX-License-Identifier: MIT
"""statuslib.py: what the status tests share (on top of tests/lib/ndtest.py):
a hub on free ports, a status watcher, the ss(8) oracle for who is connected
from which port, a DNS query sender, and a WebSocket eater in node."""

import json
import os
import re
import socket
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402,F401

HEX32 = re.compile(r"^[0-9a-f]{32}$")


class Bins:
    """The programs under test, from the command line:
    SNIFTY SHIFTY PRINT HUBSTATUS HUBDETAILS [GATEWAY]."""

    def __init__(self, argv):
        self.snifty, self.shifty, self.printer, self.hubstatus, self.hubdetails = argv[:5]
        self.gateway = argv[5] if len(argv) > 5 and argv[5] and os.path.exists(argv[5]) else None


def start_hub(procs, bins, name, pin, pout, *extra):
    hub = procs.start(name, [bins.shifty, "-a", "127.0.0.1", "--in-port", pin, "--out-port",
                             pout, "-f", "0.5"] + list(extra))
    hub.wait_log(r"eaters \(XPUB\) on", 10)
    return hub


def start_watcher(procs, bins, pout, name="status_watch"):
    """An nd-print that keeps every SystemStatusChef dumpling (one JSON line each)."""
    return procs.start(name, [bins.printer, "-H", "tcp://127.0.0.1:%d" % pout, "-n", name,
                              "-c", "SystemStatusChef", "--json"])


def statuses(watcher):
    """Every status payload so far, each with "_seq": its metadata sequence."""
    out = []
    for d in watcher.json_lines():
        d["payload"]["_seq"] = d["metadata"]["sequence"]
        out.append(d["payload"])
    return out


def wait_status(watcher, cond, timeout, what):
    """Waits for a status payload that arrives from now on (newest first) for
    which cond() is true, and returns it."""
    start = len(statuses(watcher))

    def look():
        for p in reversed(statuses(watcher)[start:]):
            if cond(p):
                return p
        return None
    return ndtest.wait_for(look, timeout, what, interval=0.1)


DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                    "protocol.md")


def doc_table(name):
    """The rows of docs/protocol.md's table `name` (between its schema
    markers), as (key, in) pairs in their order; in is "" for a table
    without an "in" column."""
    text = open(DOCS, encoding="utf-8").read()
    m = re.search(r"<!-- schema: %s begin -->\n(.*?)<!-- schema: %s end -->" % (name, name),
                  text, re.S)
    rows = []
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0].startswith("`"):
            rows.append((cells[0].strip("`"), cells[2] if len(cells) == 4 else ""))
    return rows


def kitchen(p, name):
    ks = [k for k in p["dumpling_kitchens"] if k["info_from_kitchen"]["kitchen_name"] == name]
    return ks[0] if ks else None


def eater_names(p):
    return sorted(e["info_from_eater"]["eater_name"] for e in p["dumpling_eaters"])


def client_ports(server_port):
    """The oracle for addresses: ss(8). {pid: [local port, ...]} of every
    established TCP connection to 127.0.0.1:server_port."""
    r = ndtest.run(["ss", "-tnpH", "state", "established", "( dport = :%d )" % server_port])
    if r.returncode != 0:
        raise ndtest.TestFailure("ss failed: " + r.stderr)
    out = {}
    for line in r.stdout.splitlines():
        f = line.split()
        # Recv-Q Send-Q Local Peer Process (state is filtered, so not shown)
        local = f[2]
        for pid in re.findall(r"pid=(\d+)", line):
            out.setdefault(int(pid), []).append(int(local.rsplit(":", 1)[1]))
    return out


def dns_query(name, qid):
    """A DNS query for `name` (type A), as bytes (RFC 1035)."""
    q = b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", 1, 1)


class DnsSender:
    """Sends DNS queries over UDP from 127.0.0.1:<a free port> to 127.0.0.1:53
    (DNS is dissected on port 53; nobody need answer). `bpf` is the capture
    filter that sees exactly these packets."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.bpf = "udp and src port %d and dst port 53" % self.port
        self.sent = 0

    def send(self, n, prefix="q"):
        for _ in range(n):
            self.sent += 1
            self.sock.sendto(dns_query("%s%d.example" % (prefix, self.sent), self.sent & 0xffff),
                             ("127.0.0.1", 53))


WS_CLIENT = r"""
const WebSocket = require('ws');
const [url, name] = process.argv.slice(1);
let ws;
function open() {
  ws = new WebSocket(url);
  ws.on('open', () => {
    ws.send(JSON.stringify({eater_name: name}));
    console.log('#open');
    // Its own end of the connection: what the hub must list for it.
    console.log('#local ' + ws._socket.localAddress + ' ' + ws._socket.localPort);
  });
  ws.on('message', (m) => console.log(m.toString()));
  ws.on('close', () => { console.log('#close'); setTimeout(open, 200); });
  ws.on('error', () => {});
}
open();
"""


def start_ws_eater(procs, gw_port, name):
    """A WebSocket eater in node (Debian's node-ws) that prints every message
    and reconnects when the gateway goes away."""
    env = dict(os.environ, NODE_PATH="/usr/share/nodejs")
    return procs.start(name, ["node", "-e", WS_CLIENT, "ws://127.0.0.1:%d/" % gw_port, name],
                       env=env)


def ws_local(proc):
    """(host, port) of the WebSocket eater's latest connection, or None."""
    for line in reversed(proc.stdout().splitlines()):
        if line.startswith("#local "):
            host, port = line.split()[1:3]
            return host, int(port)
    return None


def ws_dumplings(proc):
    out = []
    for line in proc.stdout().splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def version(prog):
    r = ndtest.run([prog, "--version"])
    m = re.search(r"\(netdumplings\) (\S+)", r.stdout)
    return m.group(1) if m else None


def node_ok():
    try:
        r = subprocess.run(["node", "-e", "require('ws')"], env=dict(os.environ,
                           NODE_PATH="/usr/share/nodejs"), capture_output=True, timeout=20)
        return r.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
