#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""run.py: the benchmark (issue 8), one command: generates the captures, runs
each measurement beside its baseline, a few times each, and prints the table of
medians and ratios with the machine and the command.

    tests/bench/run.py --build BUILD_DIR [--repeat 3] [--json OUT.json]
    tests/bench/run.py --build BUILD_DIR --smoke     # ~10 s: the pipeline runs, numbers sane

Measurements (each beside its baseline):
 1. capture read: `tcpdump -r LOW -w /dev/null` vs `nd-snifty -r LOW` with every
    built-in chef publishing to a running hub with a native eater (low-dumpling mix).
 2. bare libzmq PUB -> zmq_proxy(XSUB, XPUB) -> SUB (nd-bench-zmq-baseline, messages
    of our dumplings' size and topic) vs nd-snifty -c DNSLookupChef -> nd-shifty ->
    nd-bench-eater (every packet a DNS query: one dumpling each), loss from
    sequence numbers; (2c) the same kitchen with every built-in chef.
 3. the same through nd-gateway to 1 WebSocket client at full speed and paced at
    250,000/s, and to 100 clients at 10,000 dumplings/s (realtime replay). The clients are
    nd-bench-ws-clients (C, libwebsockets), or ws_clients.js in node when the
    build has no such binary.
 4. latency (receive time - creation_time, same clock) at 1,000 and 10,000 dumplings/s
    to the native eater and (10,000/s) to one WebSocket client.
 5. peak RSS of each program (wait4 rusage for those that exit, VmHWM for daemons).
 6. live capture (root, tcpreplay): a veth pair in a network namespace,
    `tcpreplay --topspeed` of the low mix and of the every-packet-a-DNS-query
    mix, back to back into `tcpdump -i vA -w /dev/null` and into `nd-snifty -i vA
    -f ""` (every chef) -> hub -> native eater: packets/s offered, captured and
    dropped by each, dumplings delivered; then the high mix at 10,000 packets/s
    (`tcpreplay --pps`) for latency from the packet's capture time to the eater.
    `--live-args` adds flags to that kitchen (e.g. --immediate), `--live-snifty`
    runs another nd-snifty binary (e.g. an older build).
 8. TCP stream reassembly (issue 13): a capture of 64 long HTTP/1.1 flows over
    TCP (1% of segments lost, 5% reordered) read by `nd-snifty -r --stdout -c
    HTTPRequestChef` (its reassembler) vs `-c PacketCountChef` (none): packets/s,
    and the reassembler's peak memory from the kitchen's summary (under its cap).
 7. fan-in loss accounting (issue 18): 50
    kitchens each replaying 20,000 DNS queries at full speed (-c DNSLookupChef)
    into one hub and one `nd-print --json -c DNSLookupChef` eater: dumplings
    sent (the kitchens' summaries), delivered, counted lost (the eater's final
    loss line) and uncounted (sent - delivered - counted lost: must be 0), and
    the hub's status listing the eater's loss. There is no baseline: the number
    that matters is the uncounted one.

Every process is started here and stopped here, on any exit; ports come from
the kernel; every wait has a deadline. Exit status 0 when the pipeline ran and
the numbers are sane (no timing is asserted), 1 otherwise, 2 on usage."""
import argparse
import atexit
import json
import os
import platform
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
KITCHEN = "bench"
TOPIC = "DNSLookupChef/" + KITCHEN


class BenchError(Exception):
    pass


# ---- processes ---------------------------------------------------------------

_procs = []  # every Popen we started and have not reaped


def _signal_group(p, sig):
    """Signals the process group p leads (p was started in its own session)."""
    try:
        os.killpg(p.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _cleanup():
    for p in list(_procs):
        _signal_group(p, signal.SIGTERM)
    deadline = time.monotonic() + 3
    for p in list(_procs):
        try:
            p.wait(max(0.05, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(p, signal.SIGKILL)
            p.wait()
        _procs.remove(p)


_work = {"path": None, "keep": False}


def _on_signal(signum, frame):
    _cleanup()
    if _work["path"] and not _work["keep"]:
        shutil.rmtree(_work["path"], ignore_errors=True)
    os._exit(128 + signum)


def start(argv, log, stdout=None):
    out = open(log, "ab")
    # Its own process group: stopping it also stops what it started (GNU time's
    # child, node's), and nothing else.
    p = subprocess.Popen(argv, stdout=stdout if stdout is not None else out, stderr=out,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    out.close()
    p.argv = argv
    _procs.append(p)
    return p


def stop(p, timeout=5):
    """SIGTERM, then SIGKILL after `timeout`, to p's process group. Returns
    p's exit code."""
    _signal_group(p, signal.SIGTERM)
    try:
        p.wait(timeout)
    except subprocess.TimeoutExpired:
        _signal_group(p, signal.SIGKILL)
        p.wait()
    if p in _procs:
        _procs.remove(p)
    return p.returncode


def vm_hwm_kib(p):
    """Peak resident set of a running process, KiB (VmHWM)."""
    try:
        with open("/proc/%d/status" % p.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def timed(argv, log, timeout, stdout=None):
    """Runs argv to the end. Returns (wall seconds, peak RSS KiB, exit code);
    kills it and raises after `timeout`. The peak RSS comes from GNU time:
    Linux carries a process's pre-exec peak into ru_maxrss, so a child forked
    straight from this Python would report Python's size, not its own."""
    rssfile = log + ".rss"
    gnutime = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    full = [gnutime, "-f", "%M", "-o", rssfile] + argv if gnutime else argv
    t0 = time.monotonic()
    p = start(full, log, stdout)
    try:
        p.wait(timeout)
    except subprocess.TimeoutExpired:
        stop(p, 1)
        raise BenchError("%s did not finish in %.0f s (log %s)" % (argv[0], timeout, log))
    wall = time.monotonic() - t0
    _procs.remove(p)
    rss = 0
    try:
        with open(rssfile) as f:
            rss = int(f.read().split()[-1])
    except (OSError, ValueError, IndexError):
        pass
    return wall, rss, p.returncode


def wait_for(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.01)
    raise BenchError("timed out after %.0f s waiting for %s" % (timeout, what))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_until(p, cond, timeout):
    """Reads p's stdout (raw, no buffering to lose data in) into p.buf until
    cond(p.buf) holds, the pipe closes, or `timeout` passes."""
    if not hasattr(p, "buf"):
        p.buf = b""
    fd = p.stdout.fileno()
    deadline = time.monotonic() + timeout
    while not cond(p.buf):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([fd], [], [], min(left, 0.1))
        if r:
            chunk = os.read(fd, 65536)
            if not chunk:
                return cond(p.buf)
            p.buf += chunk
    return True


def result_json(p, log, timeout, what):
    """Waits for a measuring process to print its one JSON line and exit."""
    got = read_until(p, lambda b: b"}" in b, timeout)
    try:
        p.wait(5)
    except subprocess.TimeoutExpired:
        pass
    rc = stop(p, 1)
    lines = [l for l in p.buf.decode(errors="replace").splitlines() if l.startswith("{")]
    if rc != 0:
        raise BenchError("%s exited %s (log %s)" % (what, rc, log))
    if not got or not lines:
        raise BenchError("%s printed no result in %.0f s (exit %s, log %s)"
                         % (what, timeout, p.returncode, log))
    return json.loads(lines[-1])


# ---- the parts -----------------------------------------------------------------

class Bench:
    def __init__(self, build, work, repeat, smoke):
        self.b = build
        self.work = work
        self.repeat = repeat
        self.smoke = smoke
        self.rss = {}  # "program in measurement" -> peak KiB
        self.where = "?"
        self.rows = []
        self.notes = []
        self.sane = True
        self.bin = {
            "snifty": os.path.join(build, "snifty", "nd-snifty"),
            "shifty": os.path.join(build, "shifty", "nd-shifty"),
            "gateway": os.path.join(build, "gateway", "nd-gateway"),
            "gen": os.path.join(build, "tests", "bench", "nd-bench-gen-pcap"),
            "zmq": os.path.join(build, "tests", "bench", "nd-bench-zmq-baseline"),
            "eater": os.path.join(build, "tests", "bench", "nd-bench-eater"),
            "ws_clients": os.path.join(build, "tests", "bench", "nd-bench-ws-clients"),
        }
        for k in ("snifty", "shifty", "gen", "zmq", "eater"):
            if not os.access(self.bin[k], os.X_OK):
                raise BenchError("missing %s (build the tree first)" % self.bin[k])
        self.nchefs = len(subprocess.run([self.bin["snifty"], "-l"], capture_output=True,
                                         text=True, timeout=10).stdout.splitlines())
        self.have_gateway = os.access(self.bin["gateway"], os.X_OK) and (
            os.access(self.bin["ws_clients"], os.X_OK) or shutil.which("node"))
        self.n = 0
        self.wrap = []  # (6): ip netns exec NS, in front of every program started
        self.live_args = []

    def log(self, name):
        self.n += 1
        self.log_path = os.path.join(self.work, "%02d-%s.log" % (self.n, name))
        return self.log_path

    def peak(self, prog, kib):
        """Keeps each program's peak per measurement (self.where)."""
        key = "%s in %s" % (prog, self.where)
        self.rss[key] = max(self.rss.get(key, 0), kib)

    def loss(self, cond, what):
        """Loss is a finding in a full run (the table shows it), a failure in
        the smoke run, whose sizes stay under every high-water mark."""
        if self.smoke:
            self.check(cond, what)
        elif not cond:
            print("  LOSS: " + what, flush=True)

    def check(self, cond, what):
        if not cond:
            self.sane = False
            print("  NOT SANE: " + what, flush=True)

    def gen(self, name, count, preset, rate=1e6):
        path = os.path.join(self.work, name + ".pcap")
        r = subprocess.run([self.bin["gen"], "-o", path, "-n", str(count), "--preset", preset,
                            "--rate", str(rate)], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise BenchError("generator failed: " + r.stderr)
        kinds = dict(re.findall(r"(\w+)=(\d+)", r.stderr))
        return path, {k: int(v) for k, v in kinds.items()}

    # A hub on free ports, with a short status period so that eaters can tell
    # when their subscription is in place (they see the hub's status dumpling).
    def hub(self):
        pin, pout = free_port(), free_port()
        p = start(self.wrap + [self.bin["shifty"], "-a", "127.0.0.1", "--in-port", str(pin),
                   "--out-port", str(pout), "-f", "0.1"], self.log("hub"))
        p.ins, p.outs = "tcp://127.0.0.1:%d" % pin, "tcp://127.0.0.1:%d" % pout
        p.log = self.log_path
        return p

    def end_hub(self, hub):
        self.peak("nd-shifty", vm_hwm_kib(hub))
        rc = stop(hub)
        self.check(rc == 0, "nd-shifty exited %s on SIGTERM (log %s)" % (rc, hub.log))

    def eater(self, hub, extra):
        ready = os.path.join(self.work, "ready-%d" % self.n)
        log = self.log("eater")
        p = start(self.wrap + [self.bin["eater"], "-H", hub.outs, "--ready-file", ready] + extra, log,
                  stdout=subprocess.PIPE)
        p.log = log
        wait_for(lambda: os.path.exists(ready) or p.poll() is not None, 15, "the eater to subscribe")
        if p.poll() is not None:
            raise BenchError("the eater exited early (log %s)" % log)
        return p

    def snifty(self, hub, pcap, extra=(), timeout=120):
        # Info level: the summary line at the end says what was sent.
        wall, rss, rc = timed([self.bin["snifty"], "-r", pcap, "-H", hub.ins, "-n", KITCHEN]
                              + list(extra), self.log("snifty"), timeout)
        self.peak("nd-snifty", rss)
        if rc != 0:
            raise BenchError("nd-snifty exited %d" % rc)
        return wall

    def row(self, name, base, ours, ratio, target, met):
        self.rows.append((name, base, ours, ratio, target, met))
        print("  %s: %s | %s | %s" % (name, base, ours, ratio), flush=True)

    # (1) capture read on the low-dumpling mix.
    def m1(self):
        self.where = "(1)"
        n = 100000 if self.smoke else 1000000
        pcap, kinds = self.gen("low", n, "low")
        dns = kinds.get("dns", 0) + kinds.get("tls", 0)  # DNSLookupChef + TLSClientHelloChef
        tcpdump = shutil.which("tcpdump")
        base, ours = [], []
        hub = self.hub()
        try:
            for _ in range(self.repeat):
                if tcpdump:
                    wall, rss, rc = timed([tcpdump, "-r", pcap, "-w", "/dev/null"],
                                          self.log("tcpdump"), 60)
                    self.peak("tcpdump", rss)
                    self.check(rc == 0, "tcpdump exited %d" % rc)
                    base.append(n / wall)
                e = self.eater(hub, ["--chef", "*", "--count", str(dns), "--idle", "3",
                                     "--timeout", "60"])
                wall = self.snifty(hub, pcap)
                r = result_json(e, e.log, 30, "the eater")
                ours.append(n / wall)
                self.loss(r["received"] == dns and r["gaps"] == 0,
                           "(1) eater got %d of %d packet dumplings, %d gaps" % (r["received"], dns, r["gaps"]))
        finally:
            self.end_hub(hub)
        b = statistics.median(base) if base else 0
        o = statistics.median(ours)
        ratio = o / b if b else 0
        self.row("(1) capture read, low mix (%d pkts, %d dumplings)" % (n, dns),
                 "tcpdump -r -w /dev/null: %s pkt/s" % si(b),
                 "nd-snifty -r, %d chefs -> hub -> eater: %s pkt/s" % (self.nchefs, si(o)),
                 "%.2fx" % ratio, ">= 0.3x", ratio >= 0.3)
        self.check(o > 0, "(1) no rate")
        self.results["m1"] = {"tcpdump_pps": base, "snifty_pps": ours, "packets": n, "dumplings": dns}

    # (2) kitchen -> hub -> native eater vs the bare forwarder.
    def m2(self):
        # The transport: a kitchen running the one chef that cooks these
        # dumplings (what each packet costs the chefs is (1)'s measurement),
        # beside the bare forwarder; then the same kitchen with every chef.
        self.where = "(2)"
        n = 50000 if self.smoke else 1000000
        pcap, _ = self.gen("high", n, "high")
        base, ours, lost, allchefs, lost_all = [], [], [], [], []
        size = None

        def pipeline(extra):
            hub = self.hub()
            try:
                e = self.eater(hub, ["--count", str(n), "--idle", "3", "--timeout", "90"])
                self.snifty(hub, pcap, extra)
                r = result_json(e, e.log, 60, "the eater")
            finally:
                self.end_hub(hub)
            return r

        for _ in range(self.repeat):
            r = pipeline(["-c", "DNSLookupChef"])
            ours.append(r["rate"])
            lost.append(n - r["received"] + r["gaps"])
            size = r["body_bytes"] or 160
            log = self.log("zmq-baseline")
            with open(log, "ab") as lf:
                z = subprocess.run([self.bin["zmq"], "-n", str(n), "-s", str(size), "-t", TOPIC],
                                   stdout=subprocess.PIPE, stderr=lf, timeout=90)
            zr = json.loads(z.stdout.decode().strip().splitlines()[-1])
            base.append(zr["rate"])
            self.loss(zr["lost"] == 0, "(2) the baseline lost %d" % zr["lost"])
            r = pipeline([])
            allchefs.append(r["rate"])
            lost_all.append(n - r["received"] + r["gaps"])
        b, o = statistics.median(base), statistics.median(ours)
        ratio = o / b if b else 0
        self.row("(2) kitchen -> hub -> native eater (%d dumplings of %d+%d bytes; DNSLookupChef)"
                 % (n, size, len(TOPIC)),
                 "libzmq PUB -> proxy -> SUB: %s msg/s" % si(b),
                 "%s dumplings/s, lost %d" % (si(o), max(lost)),
                 "%.2fx" % ratio, ">= 0.7x and >= 300k/s, 0 lost",
                 ratio >= 0.7 and o >= 300000 and max(lost) == 0)
        oa = statistics.median(allchefs)
        self.row("(2c) the same with all %d built-in chefs in the kitchen" % self.nchefs,
                 "libzmq PUB -> proxy -> SUB: %s msg/s" % si(b),
                 "%s dumplings/s, lost %d" % (si(oa), max(lost_all)),
                 "%.2fx" % (oa / b if b else 0), "-", None)
        self.loss(max(lost) == 0, "(2) the pipeline lost %d dumplings" % max(lost))
        self.loss(max(lost_all) == 0, "(2c) the pipeline lost %d dumplings" % max(lost_all))
        self.check(o > 0, "(2) no rate")
        self.results["m2"] = {"zmq_rate": base, "rate": ours, "lost": lost, "body_bytes": size,
                              "n": n, "rate_all_chefs": allchefs, "lost_all_chefs": lost_all}
        self.body_bytes = size

        # The same path paced at the target rate: does it carry 300,000/s with
        # nothing lost when the kitchen does not outrun everyone downstream?
        n = 60000 if self.smoke else 600000
        pcap, _ = self.gen("paced", n, "high", 300000)
        rates, lost = [], []
        for _ in range(self.repeat):
            hub = self.hub()
            try:
                e = self.eater(hub, ["--count", str(n), "--idle", "3", "--timeout", "90"])
                self.snifty(hub, pcap, ["--speed", "realtime"])
                r = result_json(e, e.log, 60, "the eater")
            finally:
                self.end_hub(hub)
            rates.append(r["rate"])
            lost.append(n - r["received"] + r["gaps"])
        o = statistics.median(rates)
        self.row("(2b) the same, replayed at 300k/s (%d)" % n, "-",
                 "%s dumplings/s, lost %s" % (si(o), ",".join(map(str, lost))), "-",
                 ">= 300k/s, 0 lost", o >= 290000 and max(lost) == 0)
        self.loss(max(lost) == 0, "(2b) the pipeline lost %d dumplings" % max(lost))
        self.results["m2b"] = {"rate": rates, "lost": lost, "n": n}

    def gateway_stack(self):
        hub = self.hub()
        port = free_port()
        gw = start([self.bin["gateway"], "-H", hub.outs, "-p", str(port), "-a", "127.0.0.1", "-q"],
                   self.log("gateway"))
        gw.url = "ws://127.0.0.1:%d/" % port
        gw.log = self.log_path
        return hub, gw

    def ws_clients(self, gw, nclients, expect, extra=()):
        """The WebSocket eaters: nd-bench-ws-clients (C, libwebsockets), or
        ws_clients.js in node when the build has no such binary (same
        arguments, same output; node costs more CPU per message than the
        gateway it would measure)."""
        log = self.log("ws-clients")
        if os.access(self.bin["ws_clients"], os.X_OK):
            prog = [self.bin["ws_clients"]]
        else:
            prog = ["node", os.path.join(HERE, "ws_clients.js")]
        p = start(prog + [gw.url, str(nclients), str(expect), "3"] + list(extra), log,
                  stdout=subprocess.PIPE)
        p.log = log
        # "ready" is a line of its own; the JSON line may say "not ready".
        read_until(p, lambda b: b"ready\n" in b or b"{" in b, 30)
        if b"ready\n" not in p.buf:
            stop(p, 1)
            raise BenchError("WebSocket clients not ready: %r (log %s)" % (p.buf[:200], log))
        return p

    def end_gateway(self, hub, gw):
        self.peak("nd-gateway", vm_hwm_kib(gw))
        try:
            port = gw.url.rsplit(":", 1)[1].strip("/")
            with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=5) as r:
                text = r.read().decode()
            gw.metrics = {k: float(v) for k, v in re.findall(r"^(nd_\w+) ([0-9.e+-]+)$", text, re.M)}
        except (OSError, ValueError, IndexError):
            gw.metrics = {}
        rc = stop(gw)
        self.check(rc == 0, "nd-gateway exited %s on SIGTERM (log %s)" % (rc, gw.log))
        self.end_hub(hub)

    # (3) through the gateway: 1 client at full speed, 100 clients at 10,000/s.
    def m3(self):
        self.where = "(3a)"
        n = 30000 if self.smoke else 300000
        pcap, _ = self.gen("gw1", n, "high")
        rates, lost, lagged, gw_in = [], [], [], []
        for _ in range(self.repeat):
            hub, gw = self.gateway_stack()
            try:
                c = self.ws_clients(gw, 1, n)
                self.snifty(hub, pcap)
                r = result_json(c, c.log, 90, "the WebSocket client")
            finally:
                self.end_gateway(hub, gw)
            rates.append(r["rate"])
            lost.append(n - r["min_received"])
            lagged.append(int(gw.metrics.get("nd_gateway_clients_lagged_total", -1)))
            gw_in.append(int(gw.metrics.get("nd_gateway_dumplings_received_total", -1)))
        o = statistics.median(rates)
        self.row("(3a) hub -> gateway -> 1 WebSocket client, full speed (%d)" % n,
                 "(2)'s native eater: %s/s" % si(statistics.median(self.results["m2"]["rate"])),
                 "%s dumplings/s, lost %d (worst run; clients closed for lag: %s)"
                 % (si(o), max(lost), ",".join(map(str, lagged))),
                 "%.2fx" % (o / statistics.median(self.results["m2"]["rate"])),
                 ">= 200k/s, 0 lost", o >= 200000 and max(lost) == 0)
        self.check(o > 0, "(3a) no rate")
        self.results["m3a"] = {"rate": rates, "lost": lost, "n": n, "lagged": lagged,
                               "gateway_received_incl_status": gw_in}

        # The target as a rate: paced above 200,000/s, so that the kitchen
        # does not outrun the gateway and the queues in front of it.
        self.where = "(3a')"
        n = 50000 if self.smoke else 500000
        pcap, _ = self.gen("gw1paced", n, "high", 250000)
        rates, lost = [], []
        for _ in range(self.repeat):
            hub, gw = self.gateway_stack()
            try:
                c = self.ws_clients(gw, 1, n)
                self.snifty(hub, pcap, ["--speed", "realtime"])
                r = result_json(c, c.log, 90, "the WebSocket client")
            finally:
                self.end_gateway(hub, gw)
            rates.append(r["rate"])
            lost.append(n - r["min_received"])
        o = statistics.median(rates)
        self.row("(3a') the same, replayed at 250k/s (%d)" % n, "-",
                 "%s dumplings/s, lost %s" % (si(o), ",".join(map(str, lost))), "-",
                 ">= 200k/s, 0 lost", o >= 200000 and max(lost) == 0)
        self.results["m3a_paced"] = {"rate": rates, "lost": lost, "n": n}

        self.where = "(3b)"
        secs = 1 if self.smoke else 3
        clients = 10 if self.smoke else 100
        n = 10000 * secs
        pcap, _ = self.gen("gw100", n, "high", 10000)
        hub, gw = self.gateway_stack()
        try:
            c = self.ws_clients(gw, clients, n)
            self.snifty(hub, pcap, ["--speed", "realtime"])
            r = result_json(c, c.log, 60, "the WebSocket clients")
        finally:
            self.end_gateway(hub, gw)
        self.row("(3b) gateway -> %d WebSocket clients at 10,000/s (%d each)" % (clients, n),
                 "-", "%d/%d clients got all, over %.1f s (capture: %d s); fewest %d; closed for "
                 "lag %d" % (r["complete"], clients, r["seconds"], secs, r["min_received"],
                             int(gw.metrics.get("nd_gateway_clients_lagged_total", -1))),
                 "-", "every client every dumpling, at 10k/s",
                 r["complete"] == clients and r["seconds"] <= secs + 1)
        self.check(r["max_received"] > 0, "(3b) nothing reached the clients")
        self.results["m3b"] = dict(r, n=n, gateway=gw.metrics)

    # (4) latency under realtime pacing.
    def m4(self):
        self.where = "(4)"
        secs = 1 if self.smoke else 2
        out = {}
        med = lambda runs, k: statistics.median(r[k] for r in runs)

        def lat_row(name, runs, lost, target, limit):
            p50, p99, p999 = med(runs, "p50_ms"), med(runs, "p99_ms"), med(runs, "p999_ms")
            self.row(name, "-", "p50 %.3f / p99 %.3f / p999 %.3f ms, lost %d (worst p99 %.3f)"
                     % (p50, p99, p999, lost, max(r["p99_ms"] for r in runs)), "-", target,
                     None if limit is None else (p99 < limit and lost == 0))

        for rate in (1000, 10000):
            n = rate * secs
            pcap, _ = self.gen("lat%d" % rate, n, "high", rate)
            runs = []
            for _ in range(self.repeat):
                hub = self.hub()
                try:
                    e = self.eater(hub, ["--count", str(n), "--latency", "--idle", "3",
                                         "--timeout", "60"])
                    self.snifty(hub, pcap, ["--speed", "realtime"])
                    r = result_json(e, e.log, 30, "the eater")
                finally:
                    self.end_hub(hub)
                runs.append(r)
                self.loss(r["received"] == n and r["gaps"] == 0,
                          "(4) eater got %d of %d at %d/s" % (r["received"], n, rate))
                self.check(0 <= r["p50_ms"] <= r["p99_ms"] <= r["max_ms"], "(4) latency numbers")
            out["native_%d" % rate] = runs
            lost = max(n - r["received"] + r["gaps"] for r in runs)
            lat_row("(4) latency to native eater at %s/s (%d)" % (si(rate), n), runs, lost,
                    "p99 < 2 ms" if rate == 10000 else "-", 2 if rate == 10000 else None)
        if self.have_gateway:
            n = 10000 * secs
            pcap = os.path.join(self.work, "lat10000.pcap")
            runs = []
            for _ in range(self.repeat):
                hub, gw = self.gateway_stack()
                try:
                    c = self.ws_clients(gw, 1, n, ["--latency"])
                    self.snifty(hub, pcap, ["--speed", "realtime"])
                    r = result_json(c, c.log, 60, "the WebSocket client")
                finally:
                    self.end_gateway(hub, gw)
                runs.append(r)
            out["ws_10000"] = runs
            lost = max(n - r["min_received"] for r in runs)
            lat_row("(4) latency to 1 WebSocket client at 10k/s (%d)" % n, runs, lost,
                    "p99 < 5 ms", 5)
        self.results["m4"] = out

    # (6) live capture on a veth pair, tcpdump and the kitchen back to back.
    def live_ready(self, why):
        if os.geteuid() != 0:
            return "needs root"
        for tool in ("ip", "tcpreplay", "tcpdump"):
            if not shutil.which(tool):
                return "%s is not installed" % tool
        return None

    def veth(self):
        """Both ends of a veth pair in a namespace of their own (so that
        nothing replayed can be routed anywhere): packets sent on B arrive on A."""
        tag = os.getpid()
        ns, a, b = "ndbench%d" % tag, "ndbA%d" % tag, "ndbB%d" % tag
        self.ns = ns
        def ip(*args):
            r = subprocess.run(["ip"] + list(args), capture_output=True, text=True, timeout=20)
            if r.returncode != 0:
                raise BenchError("ip %s: %s" % (" ".join(args), r.stderr.strip()))
        ip("netns", "add", ns)
        ip("-n", ns, "link", "add", a, "type", "veth", "peer", "name", b)
        # No IPv6 chatter (router solicitations, MLD) on the pair: only what is replayed.
        for sysctl in ("all", "default"):
            subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw",
                            "net.ipv6.conf.%s.disable_ipv6=1" % sysctl], capture_output=True)
        for dev in ("lo", a, b):
            ip("-n", ns, "link", "set", dev, "up")
        return ns, a, b

    def unveth(self):
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)

    def replay(self, dev, pcap, speed):
        log = self.log("tcpreplay")
        r = subprocess.run(["ip", "netns", "exec", self.ns, "tcpreplay", "-i", dev] + speed
                           + [pcap], capture_output=True, text=True, timeout=300)
        with open(log, "a") as f:
            f.write(r.stdout + r.stderr)
        sent = re.search(r"Actual: (\d+) packets", r.stdout)
        pps = re.search(r"Rated: .*?([\d.]+) pps", r.stdout)
        failed = re.search(r"Failed packets:\s+(\d+)", r.stdout)
        if r.returncode != 0 or not sent or not pps:
            raise BenchError("tcpreplay failed (log %s)" % log)
        return {"sent": int(sent.group(1)), "pps": float(pps.group(1)),
                "failed": int(failed.group(1)) if failed else 0}

    @staticmethod
    def log_text(path):
        with open(path, errors="replace") as f:
            return f.read()

    def tcpdump_run(self, a, b, pcap):
        log = self.log("tcpdump-live")
        p = start(self.wrap + ["tcpdump", "-i", a, "-w", "/dev/null"], log)
        wait_for(lambda: "listening on" in self.log_text(log) or p.poll() is not None, 15,
                 "tcpdump to listen")
        rp = self.replay(b, pcap, ["--topspeed"])
        # Asks tcpdump for its counts (SIGUSR1) until every packet sent is
        # captured or dropped, or the counts stop moving for longer than its
        # 1 s block timeout (what it has not captured by then, it won't).
        last, since, deadline = None, time.monotonic(), time.monotonic() + 20
        while time.monotonic() < deadline:
            os.kill(p.pid, signal.SIGUSR1)
            time.sleep(0.2)
            text = self.log_text(log)
            cap = re.findall(r"(\d+) packets captured", text)
            drop = re.findall(r"(\d+) packets dropped by kernel", text)
            now = int(cap[-1]) + int(drop[-1]) if cap and drop else -1
            if now >= rp["sent"] or (now >= 0 and now == last and
                                     time.monotonic() - since > 1.5):
                break
            if now != last:
                last, since = now, time.monotonic()
        self.peak("tcpdump", vm_hwm_kib(p))
        stop(p)
        text = self.log_text(log)
        cap = re.findall(r"(\d+) packets captured", text)
        drop = re.findall(r"(\d+) packets dropped by kernel", text)
        ifdrop = re.findall(r"(\d+) packets dropped by interface", text)
        if not cap or not drop:
            raise BenchError("no counts from tcpdump (log %s)" % log)
        return dict(rp, captured=int(cap[-1]), dropped=int(drop[-1]),
                    ifdropped=int(ifdrop[-1]) if ifdrop else 0)

    def snifty_live(self, a, hub, extra=()):
        log = self.log("snifty-live")
        p = start(self.wrap + [self.live_snifty, "-i", a, "-f", "", "-H", hub.ins, "-n", KITCHEN]
                  + self.live_args + list(extra), log)
        p.log = log
        wait_for(lambda: re.search(r"hub at .* is listening", self.log_text(log))
                 or p.poll() is not None, 15, "the live kitchen to reach the hub")
        if p.poll() is not None:
            raise BenchError("the live kitchen exited %s (log %s)" % (p.returncode, log))
        return p

    def end_snifty_live(self, p):
        self.peak("nd-snifty", vm_hwm_kib(p))
        rc = stop(p)
        self.check(rc == 0, "the live nd-snifty exited %s on SIGTERM (log %s)" % (rc, p.log))
        text = self.log_text(p.log)
        m = re.search(r"summary: packets (\d+), .*dumplings (\d+), sent (\d+), not sent (\d+)"
                      r".*kernel dropped (\d+), interface dropped (\d+)", text)
        if not m:
            raise BenchError("no summary from the live kitchen (log %s)" % p.log)
        return dict(zip(("captured", "dumplings", "sent", "not_sent", "dropped", "ifdropped"),
                        map(int, m.groups())))

    def m6(self):
        why = self.live_ready("(6)")
        if why:
            print("  (6) skipped: live capture %s" % why, flush=True)
            return
        self.where = "(6)"
        out = {}
        ns, a, b = self.veth()
        self.wrap = ["ip", "netns", "exec", ns]
        try:
            for name, preset, n in (("low", "low", 20000 if self.smoke else 300000),
                                    ("high", "high", 20000 if self.smoke else 200000)):
                pcap, kinds = self.gen("live-" + name, n, preset)
                expect = n if preset == "high" else kinds.get("dns", 0) + kinds.get("tls", 0)
                runs = []
                for _ in range(self.repeat):
                    t = self.tcpdump_run(a, b, pcap)
                    hub = self.hub()
                    try:
                        e = self.eater(hub, ["--chef", "*", "--count", str(expect), "--idle",
                                             "3", "--timeout", "120"])
                        k = self.snifty_live(a, hub)
                        rp = self.replay(b, pcap, ["--topspeed"])
                        r = result_json(e, e.log, 130, "the eater")
                        k = self.end_snifty_live(k)
                    finally:
                        self.end_hub(hub)
                    kr = dict(rp, **{x: k[x] for x in ("captured", "dropped", "ifdropped",
                                                        "not_sent")},
                              received=r["received"], gaps=r["gaps"], expected=expect)
                    runs.append({"tcpdump": t, "snifty": kr})
                    print("    tcpdump: %d sent at %s pps, %d captured, %d+%d dropped | "
                          "nd-snifty: %d sent at %s pps, %d captured, %d+%d dropped, "
                          "%d/%d dumplings" % (t["sent"], si(t["pps"]), t["captured"],
                                               t["dropped"], t["ifdropped"], kr["sent"],
                                               si(kr["pps"]), kr["captured"], kr["dropped"],
                                               kr["ifdropped"], kr["received"], expect),
                          flush=True)
                    self.check(kr["captured"] > 0, "(6) the live kitchen captured nothing")
                out[name] = runs
                drops = lambda side: ",".join("%d" % (r[side]["dropped"] + r[side]["ifdropped"])
                                              for r in runs)
                met = all(r["snifty"]["dropped"] + r["snifty"]["ifdropped"] == 0
                          for r in runs
                          if r["tcpdump"]["dropped"] + r["tcpdump"]["ifdropped"] == 0)
                self.row("(6) live capture, tcpreplay --topspeed, %s mix (%d pkts, %d dumplings)"
                         % (name, n, expect),
                         "tcpdump -i -w /dev/null: offered %s pps, dropped %s"
                         % (si(statistics.median(r["tcpdump"]["pps"] for r in runs)),
                            drops("tcpdump")),
                         "nd-snifty -i%s -> hub -> eater: offered %s pps, dropped %s, "
                         "dumplings %s of %d"
                         % ((" " + " ".join(self.live_args)) if self.live_args else "",
                            si(statistics.median(r["snifty"]["pps"] for r in runs)),
                            drops("snifty"),
                            ",".join(str(r["snifty"]["received"]) for r in runs), expect),
                         "-", "no drop where tcpdump drops none", met)

            # Latency at 10,000 packets/s: packet time (the kernel's) to the eater.
            n = 5000 if self.smoke else 20000
            pcap, _ = self.gen("live-lat", n, "high", 10000)
            runs = []
            for _ in range(self.repeat):
                hub = self.hub()
                try:
                    e = self.eater(hub, ["--count", str(n), "--latency", "--packet-time",
                                         "--idle", "3", "--timeout", "60"])
                    k = self.snifty_live(a, hub)
                    rp = self.replay(b, pcap, ["--pps", "10000"])
                    r = result_json(e, e.log, 60, "the eater")
                    k = self.end_snifty_live(k)
                finally:
                    self.end_hub(hub)
                runs.append(dict(r, offered_pps=rp["pps"], sent=rp["sent"],
                                 dropped=k["dropped"] + k["ifdropped"]))
                self.check(0 <= r["p50_ms"] <= r["p99_ms"] <= r["max_ms"], "(6) latency numbers")
            out["latency_10000"] = runs
            med = lambda k: statistics.median(r[k] for r in runs)
            lost = max(n - r["received"] + r["gaps"] for r in runs)
            self.row("(6) live capture at 10k pkt/s (tcpreplay --pps, %d): packet time -> eater"
                     % n, "-",
                     "p50 %.3f / p99 %.3f / max %.3f ms, lost %d, dropped %s (worst p99 %.3f)"
                     % (med("p50_ms"), med("p99_ms"), med("max_ms"), lost,
                        ",".join(str(r["dropped"]) for r in runs),
                        max(r["p99_ms"] for r in runs)),
                     "-", "p99 < 5 ms", med("p99_ms") < 5 and lost == 0)
        finally:
            self.wrap = []
            _cleanup()
            self.unveth()
        self.results["m6"] = out

    def m7(self):
        """(7) 50 kitchens at full speed into one hub and one filtered nd-print:
        every dumpling sent is delivered or counted lost."""
        self.where = "(7)"
        nk, n = (8, 2000) if self.smoke else (50, 20000)
        pcap, kinds = self.gen("fanin", n, "high")
        printer = os.path.join(self.b, "eaters", "print", "nd-print")
        hub = self.hub()
        status_path = os.path.join(self.work, "status.jsonl")
        out_path = os.path.join(self.work, "print.jsonl")
        kitchens = []
        try:
            with open(status_path, "wb") as sf:
                watch = start([printer, "-H", hub.outs, "-n", "watch", "-c", "SystemStatusChef",
                               "--json"], self.log("watch"), stdout=sf)
            with open(out_path, "wb") as of:
                e = start([printer, "-H", hub.outs, "--hub-in", hub.ins, "-n", "bench7", "--json",
                           "-c", "DNSLookupChef"], self.log("print"), stdout=of)
            e.log = self.log_path

            def status():
                try:
                    with open(status_path, "rb") as f:
                        f.seek(max(0, os.path.getsize(status_path) - (4 << 20)))
                        lines = f.read().decode(errors="replace").splitlines()
                except OSError:
                    return None
                for line in reversed(lines[1:] if len(lines) > 1 else lines):
                    try:
                        return json.loads(line)["payload"]
                    except ValueError:
                        continue
                return None

            def entry(p):
                for x in (p or {}).get("dumpling_eaters", []):
                    if x.get("info_from_eater", {}).get("eater_name") == "bench7":
                        return x["info_from_eater"]
                return None
            wait_for(lambda: entry(status()), 20, "the hub to list the eater")
            t0 = time.monotonic()
            for i in range(nk):
                kitchens.append(start([self.bin["snifty"], "-r", pcap, "-H", hub.ins, "-n",
                                       "k%02d" % i, "-p", "0", "-c", "DNSLookupChef"],
                                      self.log("k%02d" % i)))
                kitchens[-1].log = self.log_path
            sent = {}
            for k in kitchens:
                k.wait(300)
                _procs.remove(k)
                if k.returncode != 0:
                    raise BenchError("a kitchen exited %d (log %s)" % (k.returncode, k.log))
                m = re.findall(r"summary: .*?dumplings \d+, sent (\d+),", open(k.log, errors="replace").read())
                if not m:
                    raise BenchError("no summary line in %s" % k.log)
                sent["k%02d" % kitchens.index(k)] = int(m[-1])
            wall = time.monotonic() - t0
            total = sum(sent.values())
            self.check(all(v >= kinds.get("dns", 0) for v in sent.values()),
                       "(7) a kitchen sent fewer dumplings than the capture's %d DNS queries"
                       % kinds.get("dns", 0))

            def accounted():
                ie = entry(status())
                if not ie:
                    return None
                ks = {x["kitchen"]: x for x in ie.get("kitchens", [])}
                if all(k in ks and ks[k]["received"] + ks[k]["lost"] >= v for k, v in sent.items()):
                    return ie
                return None
            try:
                listed = wait_for(accounted, 120, "the hub to list the eater's account of every "
                                  "kitchen")
            except BenchError as err:
                print("  (7) %s" % err, flush=True)
                listed = entry(status())
            _signal_group(e, signal.SIGINT)
            e.wait(30)
            _procs.remove(e)
            self.check(e.returncode == 0, "(7) nd-print exited %s (log %s)" % (e.returncode, e.log))
            final = None
            for line in reversed(open(e.log, errors="replace").read().splitlines()):
                if line.startswith('{"loss"') and '"final": true' in line:
                    final = json.loads(line)["loss"]
                    break
            if final is None:
                raise BenchError("(7) nd-print wrote no final loss line (log %s)" % e.log)
            delivered = 0
            with open(out_path, "rb") as f:
                for line in f:
                    delivered += 1
            stop(watch)
        finally:
            for k in kitchens:
                if k.poll() is None:
                    stop(k)
            self.end_hub(hub)
        lost = final["lost"]
        uncounted = total - delivered - lost
        self.check(final["received"] == delivered,
                   "(7) nd-print says it received %d, printed %d" % (final["received"], delivered))
        hub_lost = listed.get("lost") if listed else None
        self.row("(7) %d kitchens x %d DNS queries at full speed -> hub -> nd-print -c "
                 "DNSLookupChef" % (nk, n), "-",
                 "sent %d in %.1f s: delivered %d, counted lost %d (hub lists %s), uncounted %d"
                 % (total, wall, delivered, lost, hub_lost, uncounted), "-",
                 "uncounted 0", uncounted == 0)
        self.check(uncounted == 0, "(7) %d dumplings neither delivered nor counted" % uncounted)
        self.results["m7"] = {"kitchens": nk, "packets": n, "sent": total, "delivered": delivered,
                              "lost": lost, "hub_lists_lost": hub_lost, "uncounted": uncounted,
                              "suspicious": final.get("suspicious"), "wall": wall}

    # (8) TCP stream reassembly: long flows with holes and reordering.
    def m8(self):
        self.where = "(8)"
        n = 20000 if self.smoke else 400000
        pcap, _ = self.gen("streams", n, "streams")
        base, ours, peak, summary = [], [], [], ""
        # Both kitchens print to /dev/null: what is measured is the kitchen,
        # the baseline being one that reads no stream (PacketCountChef).
        for _ in range(self.repeat):
            for chef, rates in (("PacketCountChef", base), ("HTTPRequestChef", ours)):
                log = self.log("snifty-streams")
                wall, rss, rc = timed([self.bin["snifty"], "-r", pcap, "--stdout", "-n", KITCHEN,
                                       "-c", chef], log, 120, stdout=subprocess.DEVNULL)
                self.peak("nd-snifty", rss)
                if rc != 0:
                    raise BenchError("nd-snifty exited %d (log %s)" % (rc, log))
                rates.append(n / wall)
                if chef == "HTTPRequestChef":
                    text = open(log, encoding="utf-8", errors="replace").read()
                    m = re.search(r"TCP streams: (.*peak memory (\d+) bytes)", text)
                    if not m:
                        raise BenchError("(8) no stream summary in %s" % log)
                    summary = m.group(1)
                    peak.append(int(m.group(2)))
        b, o = statistics.median(base), statistics.median(ours)
        cap = 64 * 1024 * 1024
        self.row("(8) TCP streams, %d segments of 64 long HTTP flows (1%% lost, 5%% reordered)" % n,
                 "nd-snifty -r, PacketCountChef: %s pkt/s" % si(b),
                 "HTTPRequestChef (reassembly): %s pkt/s; reassembler peak %.1f MiB (cap 64)"
                 % (si(o), max(peak) / 1048576.0), "%.2fx" % (o / b if b else 0),
                 "peak < cap", max(peak) < cap)
        self.check(max(peak) < cap, "(8) the reassembler held %d bytes, over its cap" % max(peak))
        self.results["m8"] = {"packets": n, "baseline_pps": base, "reasm_pps": ours,
                              "peak_bytes": peak, "summary": summary}

    def m5(self):
        mib = lambda k: "%.1f MiB" % (k / 1024.0)
        targets = {"nd-snifty": 16, "nd-shifty": 16, "nd-gateway": 64}
        # A live kitchen maps its capture ring (--buffer-size): not counted
        # against the target, which is about the kitchen's own memory.
        for prog in ("nd-snifty", "nd-shifty", "nd-gateway"):
            seen = sorted((k.split(" in ")[1], v) for k, v in self.rss.items()
                          if k.startswith(prog + " in "))
            if not seen:
                continue
            # (7)'s hub holds fifty kitchens' bursts in its pipes' queues
            # (shown, not held to the target, which is about one kitchen).
            own = [v for w, v in seen if w not in ("(6)", "(7)")]
            worst = max(own) if own else 0
            t = targets[prog]
            base = "-"
            if prog == "nd-snifty" and "tcpdump in (1)" in self.rss:
                base = "tcpdump -r: " + mib(self.rss["tcpdump in (1)"])
            self.row("(5) peak RSS %s" % prog, base,
                     ", ".join("%s %s" % (w, mib(v)) for w, v in seen), "-", "< %d MiB" % t,
                     (worst < t * 1024) if own else None)
        self.results["rss_kib"] = self.rss


def si(x):
    if x >= 1e6:
        return "%.2fM" % (x / 1e6)
    if x >= 1e3:
        return "%.1fk" % (x / 1e3)
    return "%.0f" % x


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = "%.1f GiB" % (int(f.readline().split()[1]) / 1048576)
    except OSError:
        pass
    def ver(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return "?"
    try:
        load = " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        load = "?"
    return {
        "nproc": os.cpu_count(), "cpu": model, "memory": mem, "loadavg": load,
        "kernel": platform.release(), "os": ver(["sh", "-c", ". /etc/os-release; echo $PRETTY_NAME"]),
        "libzmq": ver(["pkg-config", "--modversion", "libzmq"]),
        "libpcap": ver(["pkg-config", "--modversion", "libpcap"]),
        "libwebsockets": ver(["pkg-config", "--modversion", "libwebsockets"]),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="the CMake build folder (Release for real numbers)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each pair; the median is shown")
    ap.add_argument("--smoke", action="store_true", help="small sizes, one run: the pipeline works")
    ap.add_argument("--json", help="also write every number to this file")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (logs, captures)")
    ap.add_argument("--only", default="1,2,3,4,6,7,8", help="measurements to run, e.g. 1,2 (5 always)")
    ap.add_argument("--live-args", default="", help="(6): more flags for the live kitchen, e.g. "
                    "'--immediate'")
    ap.add_argument("--live-snifty", help="(6): the nd-snifty binary to run live (default: the "
                    "build's)")
    a = ap.parse_args()
    if a.smoke:
        a.repeat = 1
    atexit.register(_cleanup)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)

    # Debian's node-ws lives here; a node from elsewhere does not look there.
    os.environ["NODE_PATH"] = os.pathsep.join(
        x for x in (os.environ.get("NODE_PATH"), "/usr/share/nodejs") if x)
    work = tempfile.mkdtemp(prefix="nd-bench-")
    _work.update(path=work, keep=a.keep)
    t0 = time.monotonic()
    m = machine()
    print("netdumplings benchmark%s" % (" (smoke)" if a.smoke else ""))
    print("command: %s" % " ".join([os.path.relpath(sys.argv[0])] + sys.argv[1:]))
    print("machine: %(nproc)s cpu, %(cpu)s, %(memory)s, %(os)s, kernel %(kernel)s; "
          "libzmq %(libzmq)s, libpcap %(libpcap)s, libwebsockets %(libwebsockets)s; load average before: %(loadavg)s" % m)
    try:
        bt = re.search(r"CMAKE_BUILD_TYPE:STRING=(\w*)",
                       open(os.path.join(a.build, "CMakeCache.txt")).read()).group(1)
    except (OSError, AttributeError):
        bt = "?"
    print("build: %s (%s)   work: %s" % (a.build, bt, work), flush=True)
    bench = Bench(os.path.abspath(a.build), work, a.repeat, a.smoke)
    bench.live_args = a.live_args.split()
    bench.live_snifty = os.path.abspath(a.live_snifty) if a.live_snifty else bench.bin["snifty"]
    bench.results = {"machine": m, "build_type": bt, "repeat": a.repeat, "smoke": a.smoke}
    only = set(a.only.split(","))
    ok = True
    try:
        if "1" in only:
            bench.m1()
        if "2" in only or "3" in only:
            bench.m2()
        if "3" in only:
            if bench.have_gateway:
                bench.m3()
            else:
                print("  (3) skipped: no nd-gateway in the build or no node")
        if "4" in only:
            bench.m4()
        if "6" in only:
            bench.m6()
        if "7" in only:
            bench.m7()
        if "8" in only:
            bench.m8()
        bench.m5()
    except (BenchError, subprocess.TimeoutExpired, OSError, ValueError, KeyError) as e:
        print("FAILED: %s" % e, flush=True)
        ok = False
    finally:
        _cleanup()

    print()
    print("| measurement | baseline | ours | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    for name, base, ours, ratio, target, met in bench.rows:
        print("| %s | %s | %s | %s | %s | %s |" % (name, base, ours, ratio, target,
                                                  "-" if met is None else ("yes" if met else "**no**")))
    print("\nmedian of %d run(s) each; total %.0f s" % (a.repeat, time.monotonic() - t0))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(dict(bench.results, rows=bench.rows), f, indent=1)
    if a.keep:
        print("logs and captures kept in %s" % work)
    elif not ok or not bench.sane:
        for f in os.listdir(work):
            if f.endswith(".pcap"):
                os.unlink(os.path.join(work, f))
        print("logs kept in %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    if not ok or not bench.sane:
        print("RESULT: the benchmark did not run cleanly (see above)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
