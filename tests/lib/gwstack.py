# SPDX-License-Identifier: MIT
"""gwstack.py: a hub and a gateway from the build on free ports, with capture
replays into them, /healthz and /metrics (Prometheus text, parsed strictly).
For the Python gateway and browser tests; standard library only, on top of
ndtest.py. Programs come from the environment: ND_SHIFTY, ND_SNIFTY, ND_GATEWAY."""

import os
import re
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ndtest  # noqa: E402
from ndtest import TestFailure  # noqa: E402


def binary(name):
    v = os.environ.get(name)
    if not v:
        raise TestFailure("environment variable %s is not set" % name)
    return v


def http_get(port, path, timeout=5):
    """(status, body) of GET http://127.0.0.1:port/path; status 0 if nothing answers."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return 0, ""


_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"


def parse_prometheus(text):
    """Prometheus text format 0.0.4, strictly: {name{labels}: value}."""
    values, types = {}, {}
    if not text.endswith("\n"):
        raise TestFailure("metrics do not end with a newline")
    for line in text.splitlines():
        if re.match(r"^# HELP %s .*$" % _NAME, line):
            continue
        m = re.match(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % _NAME, line)
        if m:
            if m.group(1) in types:
                raise TestFailure("TYPE twice for " + m.group(1))
            types[m.group(1)] = m.group(2)
            continue
        m = re.match(r"^(%s)(\{[^}]*\})? (\S+)( -?\d+)?$" % _NAME, line)
        if not m:
            raise TestFailure("not a Prometheus line: %r" % line)
        if m.group(1) not in types:
            raise TestFailure("sample before its TYPE: " + m.group(1))
        values[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return values


class Stack:
    """nd-shifty + nd-gateway on loopback, free ports."""

    def __init__(self, procs, gateway_args=(), hub_args=("-f", "1")):
        self.procs = procs
        self.in_port, self.out_port, self.port = (ndtest.free_port() for _ in range(3))
        self.hub_in = "tcp://127.0.0.1:%d" % self.in_port
        self.hub_out = "tcp://127.0.0.1:%d" % self.out_port
        self.hub_args = list(hub_args)
        self.runs = 0
        self.start_hub()
        self.start_gateway(list(gateway_args))
        ndtest.wait_for(lambda: http_get(self.port, "/healthz")[0] == 200, 10,
                        "the gateway to listen and reach the hub")

    def _name(self, base):
        self.runs += 1
        return "%s-%d" % (base, self.runs)

    def start_hub(self):
        self.hub = self.procs.start(self._name("nd-shifty"), [
            binary("ND_SHIFTY"), "-a", "127.0.0.1", "--in-port", self.in_port,
            "--out-port", self.out_port] + self.hub_args)
        self.hub.wait_log(r"eaters \(XPUB\) on", 10)

    def start_gateway(self, extra=()):
        self.gateway = self.procs.start(self._name("nd-gateway"), [
            binary("ND_GATEWAY"), "-H", self.hub_out, "--hub-in", self.hub_in, "-p", self.port,
            "-a", "127.0.0.1", "-v"] + list(extra))
        ndtest.wait_for(lambda: http_get(self.port, "/healthz")[0] > 0, 10, "the gateway to listen")

    def stop_gateway(self):
        """SIGTERM; it must exit 0 (under ASan a leak makes it non-zero)."""
        rc = self.gateway.stop()
        if rc != 0:
            raise TestFailure("nd-gateway exited %s on SIGTERM:\n%s" % (rc, self.gateway.stderr()[-3000:]))

    def metrics(self):
        status, body = http_get(self.port, "/metrics")
        if status != 200:
            raise TestFailure("/metrics said %s" % status)
        return parse_prometheus(body)

    def replay(self, pcap, kitchen, *extra):
        """nd-snifty -r pcap into the hub; waits for it to exit 0."""
        p = self.procs.start(self._name("nd-snifty-" + kitchen), [
            binary("ND_SNIFTY"), "-r", pcap, "-H", self.hub_in, "-n", kitchen, "-q"] + list(extra))
        rc = p.wait(60)
        if rc != 0:
            raise TestFailure("nd-snifty -r %s exited %s:\n%s" % (pcap, rc, p.stderr()))

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        self.stop_gateway()
        self.hub.stop()
