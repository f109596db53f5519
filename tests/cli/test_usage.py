#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""cli.usage: one way in for every program (issue 16). For each of the seven:
--help and -h exit 0 with the usage on stdout; --version exits 0; an unknown
option and a bad option value exit 2 with "PROG: message" and "Try 'PROG
--help' for more information." on stderr (no log line); a runtime error exits 1.

usage: test_usage.py SNIFTY SHIFTY GATEWAY PRINT HUBSTATUS HUBDETAILS KEYGEN"""
import os
import re
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402

NAMES = ["nd-snifty", "nd-shifty", "nd-gateway", "nd-print", "nd-hubstatus", "nd-hubdetails",
         "nd-keygen"]
# A log line: "2026-11-26T03:10:43.123Z nd-shifty[4242] error: ...".
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\S+Z \S+\[\d+\] \w+: ", re.M)


def show(args, r):
    return "%s: exit %d\nstdout: %s\nstderr: %s" % (" ".join(map(str, args)), r.returncode,
                                                    r.stdout[:2000], r.stderr)


def expect_usage_error(name, args, message):
    """Exit 2; stderr is "NAME: ..." lines then the Try line, no log line."""
    r = ndtest.run(args, timeout=20)
    check(r.returncode == 2, "expected exit 2: " + show(args, r))
    lines = r.stderr.splitlines()
    check(lines and lines[0].startswith(name + ": "), "no '%s: ' prefix: %s" % (name, show(args, r)))
    check(re.search(message, lines[0]), "/%s/ not in the first line: %s" % (message, show(args, r)))
    check("Try '%s --help' for more information." % name in lines,
          "no Try line: " + show(args, r))
    check(not LOG_LINE.search(r.stderr), "a log line in a usage error: " + show(args, r))
    check(r.stdout == "", "usage error wrote to stdout: " + show(args, r))


def expect_runtime_error(args):
    r = ndtest.run(args, timeout=30)
    check(r.returncode == 1, "expected exit 1: " + show(args, r))
    check(LOG_LINE.search(r.stderr), "no log line saying why: " + show(args, r))


def test(procs, argv):
    progs = dict(zip(NAMES, argv))
    check(len(progs) == len(NAMES), "usage: " + __doc__.splitlines()[-1])
    for name, prog in progs.items():
        for flag in ("--help", "-h"):
            r = ndtest.run([prog, flag])
            check(r.returncode == 0, show([prog, flag], r))
            check(r.stdout.startswith("Usage: %s " % name), "no usage on stdout: " +
                  show([prog, flag], r))
            check("-h, --help" in r.stdout, "--help does not list -h: " + show([prog, flag], r))
            check("--version" in r.stdout, "--help does not list --version")
        r = ndtest.run([prog, "--version"])
        check(r.returncode == 0 and r.stdout.startswith(name + " (netdumplings) "),
              show([prog, "--version"], r))
        expect_usage_error(name, [prog, "--no-such-option"], r"unrecognized option")
        if name == "nd-keygen":
            expect_usage_error(name, [prog, "one", "two"], r"expected one NAME")
        else:
            expect_usage_error(name, [prog, "stray"], r"unexpected argument 'stray'")

    # A bad value of an option, one per program.
    bad = {
        "nd-snifty": (["--snaplen", "1", "--stdout"], r"invalid --snaplen '1'"),
        "nd-shifty": (["--in-port", "0"], r"invalid port '0'"),
        "nd-gateway": (["--max-clients-per-ip", "0"], r"--max-clients-per-ip: '0'"),
        "nd-print": (["--count", "0"], r"invalid --count '0'"),
        "nd-hubstatus": (["--count", "x"], r"invalid --count 'x'"),
        "nd-hubdetails": (["--timeout", "soon"], r"invalid --timeout 'soon'"),
        "nd-keygen": ([], r"expected one NAME"),
    }
    for name, (args, message) in bad.items():
        expect_usage_error(name, [progs[name]] + args, message)
    # The same from the environment: the variable is named after the Try line.
    r = ndtest.run([progs["nd-print"]], timeout=20, env=dict(os.environ, ND_COUNT="0"))
    check(r.returncode == 2 and r.stderr.startswith("nd-print: invalid --count '0'")
          and "ND_COUNT=0" in r.stderr, show(["ND_COUNT=0", progs["nd-print"]], r))
    # A value missing: getopt's own message, under the program's name.
    expect_usage_error("nd-shifty", [progs["nd-shifty"], "--in-port"], r"requires an argument")

    # Runtime errors: exit 1.
    expect_runtime_error([progs["nd-snifty"], "-r", os.path.join(procs.dir, "missing.pcap"),
                          "--stdout"])
    expect_runtime_error([progs["nd-keygen"], "-d", os.path.join(procs.dir, "no", "such"), "k"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        busy = s.getsockname()[1]
        expect_runtime_error([progs["nd-shifty"], "-a", "127.0.0.1", "--in-port", busy,
                              "--out-port", ndtest.free_port()])
        expect_runtime_error([progs["nd-gateway"], "-a", "127.0.0.1", "-p", busy, "-H",
                              "tcp://127.0.0.1:%d" % ndtest.free_port()])
    nohub = "tcp://127.0.0.1:%d" % ndtest.free_port()
    expect_runtime_error([progs["nd-print"], "-H", nohub, "--count", "1", "--timeout", "0.2"])
    expect_runtime_error([progs["nd-hubstatus"], "-H", nohub, "--count", "1", "--timeout",
                          "0.2"])
    expect_runtime_error([progs["nd-hubdetails"], "-H", nohub, "--timeout", "0.2"])
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
