# SPDX-License-Identifier: MIT
"""ndtest.py: shared helpers for the end-to-end and live tests: free ports,
processes that are always killed, waits with a deadline, and tshark as the
oracle. Standard library only."""

import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77  # ctest SKIP_RETURN_CODE


class TestFailure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def free_port():
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(cond, timeout, what, interval=0.05):
    """Polls cond() until it returns a true value (returned) or timeout passes."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TestFailure("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


class Proc:
    """A started program whose stdout and stderr go to files we can read."""

    def __init__(self, procs, name, args, **kw):
        self.name = name
        self.args = args
        self.out_path = os.path.join(procs.dir, name + ".out")
        self.err_path = os.path.join(procs.dir, name + ".err")
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        self.p = subprocess.Popen(args, stdout=self._out, stderr=self._err,
                                  stdin=subprocess.DEVNULL, **kw)

    def stdout(self):
        with open(self.out_path, "r", errors="replace") as f:
            return f.read()

    def stderr(self):
        with open(self.err_path, "r", errors="replace") as f:
            return f.read()

    def json_lines(self):
        out = []
        for line in self.stdout().splitlines():
            line = line.strip()
            if line:
                out.append(json.loads(line))
        return out

    def running(self):
        return self.p.poll() is None

    def wait(self, timeout):
        """Waits for exit with a deadline; returns the exit code."""
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TestFailure("%s did not exit within %.1f s" % (self.name, timeout))

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Sends sig and waits; returns the exit code."""
        if self.running():
            self.p.send_signal(sig)
        return self.wait(timeout)

    def kill(self):
        if self.running():
            self.p.kill()
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self._out.close()
        self._err.close()

    def wait_log(self, pattern, timeout):
        """Waits until stderr matches the regular expression; returns the match."""
        rx = re.compile(pattern)

        def look():
            m = rx.search(self.stderr())
            if m:
                return m
            if not self.running():
                raise TestFailure("%s exited (%s) before logging /%s/:\n%s" %
                                  (self.name, self.p.returncode, pattern, self.stderr()))
            return None

        return wait_for(look, timeout, "%s to log /%s/" % (self.name, pattern))


class Procs:
    """Every process a test starts; all are killed at exit, even on failure."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="nd-test-")
        os.chmod(self.dir, 0o755)  # nd-snifty run as root reads plugins here as nobody
        self.all = []
        atexit.register(self.cleanup)
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, self._on_signal)

    def _on_signal(self, signum, frame):
        self.cleanup()
        sys.exit(128 + signum)

    def start(self, name, args, **kw):
        p = Proc(self, name, [str(a) for a in args], **kw)
        self.all.append(p)
        return p

    def cleanup(self):
        for p in self.all:
            p.kill()
        self.all = []
        if self.dir and os.path.isdir(self.dir) and not os.environ.get("ND_TEST_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def dump(self):
        """Prints every process's stderr (for a failure report)."""
        for p in self.all:
            print("---- %s %s (exit %s) stderr:" % (p.name, " ".join(p.args), p.p.poll()))
            print(p.stderr()[-4000:])


def run(args, timeout=30, **kw):
    """Runs a command to completion with a deadline; returns CompletedProcess."""
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, **kw)


def tshark_fields(pcap, display_filter, fields, timeout=60):
    """tshark -r pcap -Y filter -T fields: a list of tuples, one per packet."""
    args = ["tshark", "-r", pcap, "-T", "fields", "-E", "separator=\t"]
    if display_filter:
        args += ["-Y", display_filter]
    for f in fields:
        args += ["-e", f]
    r = run(args, timeout=timeout)
    if r.returncode != 0:
        raise TestFailure("tshark failed: %s" % r.stderr)
    return [tuple(line.split("\t")) for line in r.stdout.splitlines() if line.strip()]


def bpf_filtered(pcap, bpf, out_dir, timeout=60):
    """The packets of pcap that the BPF filter passes, as a new file (tcpdump is
    the oracle for what libpcap's filter passes)."""
    out = os.path.join(out_dir, os.path.basename(pcap) + ".filtered.pcap")
    r = run(["tcpdump", "-r", pcap, "-w", out, bpf], timeout=timeout)
    if r.returncode != 0:
        raise TestFailure("tcpdump failed: %s" % r.stderr)
    return out


def summary(stderr):
    """nd-snifty's one-line summary as a dict of ints."""
    m = re.search(r"summary: packets (\d+), malformed (\d+), dumplings (\d+), sent (\d+), "
                  r"not sent (\d+)", stderr)
    if not m:
        raise TestFailure("no summary line in nd-snifty's stderr:\n" + stderr)
    keys = ("packets", "malformed", "dumplings", "sent", "not_sent")
    return dict(zip(keys, (int(x) for x in m.groups())))


def masked(dumpling):
    """A dumpling without its creation_time, for comparisons."""
    d = json.loads(json.dumps(dumpling))
    d["metadata"].pop("creation_time", None)
    return d


def main(test):
    """Runs test(procs, argv) and turns the outcome into an exit code."""
    procs = Procs()
    try:
        rc = test(procs, sys.argv[1:])
        procs.cleanup()
        if rc == SKIP:
            return SKIP
        print("PASS")
        return 0
    except TestFailure as e:
        print("FAIL: %s" % e)
        procs.dump()
        procs.cleanup()
        return 1
    except Exception:
        import traceback
        traceback.print_exc()
        procs.dump()
        procs.cleanup()
        return 1
