#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_time_unit.py: creation_time in the unit each WebSocket client asks for.

The original netdumplings 0.5.1 sends creation_time in seconds and its
nd-print reads it with datetime.fromtimestamp(creation_time); against the
gateway's default (milliseconds) that raises "year ... is out of range". A
client asks for seconds with ?time_unit=s in its URL or "time_unit": "s" in its
first message; --time-unit s makes seconds the gateway's default, and a client
may then ask for ?time_unit=ms. Checked here with Debian's python3-websocket:

- a client reading the way the original nd-print reads (fromtimestamp) gets
  every dumpling with ?time_unit=s and with the first-message key, each the
  same instant as the milliseconds a default client gets for it;
- the other way round under --time-unit s;
- ?time_unit=minutes is refused with close code 4000 and the reason.
"""
import datetime
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import gwstack  # noqa: E402
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402

try:
    import websocket  # Debian's python3-websocket
except ImportError:
    print("SKIP: python3-websocket is not installed (deploy/install-deps.sh --test installs it)")
    sys.exit(ndtest.SKIP)

PCAP = os.path.join(os.environ.get("ND_PCAPS", os.path.join(HERE, "..", "..", "..", "shared", "pcaps")),
                    "ndpi-dns.pcap")


def ok(cond, what):
    check(cond, what)
    print("ok -", what, flush=True)


class Client:
    def __init__(self, url, first=None):
        self.ws = websocket.create_connection(url, timeout=10)
        if first is not None:
            self.ws.send(json.dumps(first))
        self.got = []

    def read(self, n, timeout=20):
        """Reads until n dumplings have come (or the deadline passes)."""
        deadline = time.monotonic() + timeout
        while len(self.got) < n and time.monotonic() < deadline:
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                self.got.append(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:
                break
        return self.got

    def close_code(self):
        """Waits for the server's close frame; returns (code, reason)."""
        opcode, data = self.ws.recv_data(control_frame=True)
        check(opcode == websocket.ABNF.OPCODE_CLOSE, "expected a close frame, got opcode %d" % opcode)
        return int.from_bytes(data[:2], "big"), data[2:].decode()


def original_nd_print(dumpling):
    """What netdumplings 0.5.1's nd-print does with a dumpling's time."""
    return datetime.datetime.fromtimestamp(dumpling["metadata"]["creation_time"])


def by_seq(ds):
    return {(d["metadata"]["kitchen"], d["metadata"]["sequence"]): d["metadata"]["creation_time"]
            for d in ds if d["metadata"]["chef"] == "DNSLookupChef"}


def expect_count(pcap):
    return len(ndtest.tshark_fields(pcap, "dns.flags.response == 0", ["dns.qry.name"]))


def same_instants(secs, ms, what):
    check(secs.keys() == ms.keys() and secs, what + ": not the same dumplings")
    worst = max(abs(secs[k] * 1000 - ms[k]) for k in secs)
    ok(worst < 0.01, what + " (largest difference %.6f ms)" % worst)


def test(procs, argv):
    n = expect_count(PCAP)
    check(n > 0, "no DNS queries in " + PCAP)
    now = datetime.datetime.now()

    st = gwstack.Stack(procs)
    chef = "chef=DNSLookupChef"
    old_url = Client(st.url("/?%s&time_unit=s" % chef).replace("http", "ws"))
    old_first = Client(st.url("/?" + chef).replace("http", "ws"),
                       {"eater_name": "original", "time_unit": "s"})
    default = Client(st.url("/?" + chef).replace("http", "ws"), {"eater_name": "new"})
    ndtest.wait_for(lambda: st.metrics().get("nd_gateway_clients") == 3, 10, "three clients")
    st.replay(PCAP, "units")
    for c in (old_url, old_first, default):
        ok(len(c.read(n)) == n, "a client got all %d DNS lookups" % n)
    for c, how in ((old_url, "?time_unit=s"), (old_first, '"time_unit": "s" in the first message')):
        times = [original_nd_print(d) for d in c.got]  # raises if the unit is wrong
        ok(all(abs((t - now).total_seconds()) < 86400 for t in times),
           "with %s the original nd-print reads today's dates" % how)
        same_instants(by_seq(c.got), by_seq(default.got), "  and the same instants as in ms")
    try:
        original_nd_print(default.got[0])
        ok(False, "the default (ms) is not seconds")
    except (ValueError, OverflowError, OSError) as e:
        ok(True, "the default stays milliseconds (the original nd-print would fail: %s)" % e)

    bad = Client(st.url("/?time_unit=minutes").replace("http", "ws"))
    code, reason = bad.close_code()
    ok(code == 4000 and reason == 'time_unit must be "ms" or "s"',
       "?time_unit=minutes is refused: %d %s" % (code, reason))
    for c in (old_url, old_first, default):
        c.ws.close()
    st.stop_gateway()

    # --time-unit s: seconds by default, ?time_unit=ms for the others.
    st.start_gateway(["--time-unit", "s"])
    ndtest.wait_for(lambda: gwstack.http_get(st.port, "/healthz")[0] == 200, 10, "the gateway")
    secs = Client(st.url("/?" + chef).replace("http", "ws"))
    ms = Client(st.url("/?%s&time_unit=ms" % chef).replace("http", "ws"))
    ndtest.wait_for(lambda: st.metrics().get("nd_gateway_clients") == 2, 10, "two clients")
    st.replay(PCAP, "units2")
    for c in (secs, ms):
        ok(len(c.read(n)) == n, "a client got all %d DNS lookups" % n)
    [original_nd_print(d) for d in secs.got]
    same_instants(by_seq(secs.got), by_seq(ms.got), "--time-unit s, and ?time_unit=ms gets the same in ms")
    for c in (secs, ms):
        c.ws.close()
    st.stop()


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
