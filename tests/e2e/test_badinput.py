#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""e2e.badinput: every bad input of issues 2 and 19 gives its documented message and
exit code (0 ok, 1 runtime, 2 usage), for nd-snifty, nd-shifty and nd-print.

usage: test_badinput.py SNIFTY SHIFTY PRINT PCAPS_DIR"""
import os
import re
import shutil
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402


def expect(args, code, pattern=None, stream="stderr", timeout=20):
    r = ndtest.run(args, timeout=timeout)
    text = r.stderr if stream == "stderr" else r.stdout
    check(r.returncode == code, "%s: exit %d, expected %d\nstderr: %s" %
          (" ".join(map(str, args)), r.returncode, code, r.stderr))
    if pattern:
        check(re.search(pattern, text), "%s: %s does not match /%s/:\n%s" %
              (" ".join(map(str, args)), stream, pattern, text))
    return r


def test(procs, argv):
    snifty, shifty, printer, pcaps = argv
    dns = os.path.join(pcaps, "ndpi-dns.pcap")
    progs = {"nd-snifty": snifty, "nd-shifty": shifty, "nd-print": printer}

    for name, prog in progs.items():
        expect([prog, "--help"], 0, r"Usage: " + name, stream="stdout")
        expect([prog, "--version"], 0, name, stream="stdout")
        expect([prog, "--no-such-flag"], 2, r"unrecognized option")
        expect([prog, "stray-argument"], 2, r"unexpected argument")

    # nd-snifty
    expect([snifty, "-i", "nd-nosuch0", "--stdout"], 1,
           r"no such interface 'nd-nosuch0'; available: .*\blo\b")
    expect([snifty, "-r", dns, "-f", "tcp and and", "--stdout"], 2,
           r"invalid filter 'tcp and and': .*syntax error")
    expect([snifty, "-r", os.path.join(procs.dir, "missing.pcap"), "--stdout"], 1,
           r"cannot read capture file '.*missing.pcap': No such file or directory")
    notcap = os.path.join(procs.dir, "not-a-capture.txt")
    with open(notcap, "w") as f:
        f.write("this is not a capture file\n" * 10)
    expect([snifty, "-r", notcap, "--stdout"], 1, r"is not a pcap or pcapng capture file")
    expect([snifty, "-r", procs.dir, "--stdout"], 1, r"is a directory")
    # A valid pcap header (no packets) with link type 195, IEEE 802.15.4
    # (which no chef has a use for).
    zigbee = os.path.join(procs.dir, "zigbee.pcap")
    with open(zigbee, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 195))
    expect([snifty, "-r", zigbee, "--stdout"], 1, r"link type IEEE802_15_4\S* .*is not supported")
    expect([snifty, "-r", dns, "--vxlan-port", "65536", "--stdout"], 2, r"invalid tunnel port")
    expect([snifty, "-r", dns, "-n", "bad name!", "--stdout"], 2, r"invalid kitchen name")
    expect([snifty, "-r", dns, "-n", "x" * 65, "--stdout"], 2, r"invalid kitchen name")
    expect([snifty, "-r", dns, "-c", "NoSuchChef", "--stdout"], 2,
           r"unknown chef 'NoSuchChef'; known chefs: .*DNSLookupChef")
    expect([snifty, "-r", dns, "-i", "lo"], 2, r"either")
    expect([snifty, "-r", dns, "-p", "-1", "--stdout"], 2, r"poke-interval")
    expect([snifty, "-r", dns, "--speed", "warp", "--stdout"], 2, r"speed")
    # The capture ring and snaplen out of range: usage errors naming the limits.
    ring, snap = ("buffer-size", r"\(MiB, 1-4095\)"), ("snaplen", r"\(bytes, 64-262144\)")
    for flag, bad, (name, limits) in (("--buffer-size", "0", ring), ("--buffer-size", "4096", ring),
                                      ("-B", "lots", ring), ("--snaplen", "63", snap),
                                      ("-s", "262145", snap)):
        expect([snifty, "-i", "lo", flag, bad, "--stdout"], 2,
               r"invalid --%s '%s' %s" % (name, bad, limits))
    r = ndtest.run([snifty, "-i", "lo", "--stdout"], timeout=20,
                   env=dict(os.environ, ND_BUFFER_SIZE="0"))
    check(r.returncode == 2 and "buffer-size" in r.stderr, "ND_BUFFER_SIZE=0: %d %s"
          % (r.returncode, r.stderr))
    expect([snifty, "-r", dns, "-H", "not-an-endpoint"], 2, r"invalid hub endpoint")
    r = expect([snifty, "-l"], 0, r"DNSLookupChef", stream="stdout")
    check(all(c in r.stdout for c in ("PacketCountChef", "ARPChef")), "--chef-list: " + r.stdout)
    # A capture cut short: read up to the break, say so, no crash.
    expect([snifty, "-r", os.path.join(pcaps, "ndpi-fuzz-2021-10-13.pcap"), "--stdout"], 0,
           r"ends early")
    # No permission: only meaningful when we can drop it.
    setpriv = shutil.which("setpriv")
    if os.geteuid() == 0 and setpriv:
        expect([setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                "--inh-caps=-all", snifty, "-i", "lo", "--stdout"], 1,
               r"needs root or the CAP_NET_RAW")

    # nd-shifty: a port in use.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        busy = s.getsockname()[1]
        free = ndtest.free_port()
        expect([shifty, "-a", "127.0.0.1", "--in-port", busy, "--out-port", free], 1,
               r"port %d is already in use" % busy)
        free = ndtest.free_port()
        expect([shifty, "-a", "127.0.0.1", "--in-port", free, "--out-port", busy], 1,
               r"port %d is already in use" % busy)
    # Addresses (issue 19): malformed ones are usage errors naming them; a
    # well-formed one that is not on this host is a runtime error naming it.
    for bad in ("1.2.3.4.5", "[::1", "::1]", "fe80:::1", "300.1.1.1", "bad host!", ""):
        expect([shifty, "-a", bad, "--in-port", ndtest.free_port()], 2,
               r"invalid address '%s'" % re.escape(bad))
    here = ndtest.run(["ip", "-o", "addr"]).stdout if shutil.which("ip") else ""
    for absent in ("198.51.100.77", "2001:db8:19::77", "[2001:db8:19::77]"):
        if absent.strip("[]") in here:
            continue
        expect([shifty, "-a", absent, "--in-port", ndtest.free_port(), "--out-port",
                ndtest.free_port()], 1,
               r"cannot bind .*%s is not an address of this host" % re.escape(
                   absent if absent.startswith("[") or "." in absent else "[%s]" % absent))
    expect([shifty, "-a", "no-such-host.invalid", "--in-port", ndtest.free_port()], 1,
           r"address 'no-such-host\.invalid' .*does not resolve")
    # Endpoints: IPv6 in brackets, a port, a host.
    for bad in ("tcp://::1:11347", "tcp://[::1:11347", "tcp://[::1]", "tcp://[::1]:70000",
                "tcp://1.2.3.4.5:11347", "tcp://:11347", "udp://[::1]:11347"):
        expect([snifty, "-r", dns, "-H", bad], 2, r"invalid hub endpoint '%s'" % re.escape(bad))
        expect([printer, "-H", bad], 2, r"invalid hub endpoint '%s'" % re.escape(bad))
        expect([shifty, "--upstream", bad], 2, r"invalid --upstream '%s'" % re.escape(bad))
    expect([snifty, "-r", dns, "-H", "tcp://::1:11347"], 2, r"brackets, tcp://\[::1\]")
    expect([shifty, "--in-port", "0"], 2, r"invalid port")
    expect([shifty, "--in-port", "70000"], 2, r"invalid port")
    expect([shifty, "-f", "never"], 2, r"status-freq")
    expect([shifty, "--name", "bad/name"], 2, r"invalid hub name")

    # nd-print
    expect([printer, "-c", "bad chef"], 2, r"invalid chef name")
    expect([printer, "-k", "bad/kitchen"], 2, r"invalid kitchen name")
    expect([printer, "-n", ""], 2, r"invalid eater name")
    expect([printer, "--count", "0"], 2, r"invalid --count")
    expect([printer, "-H", "not-an-endpoint"], 2, r"invalid hub endpoint")
    # No hub: --timeout without --count ends quietly, with --count it is an error.
    port = ndtest.free_port()
    expect([printer, "-H", "tcp://127.0.0.1:%d" % port, "--timeout", "0.3"], 0)
    expect([printer, "-H", "tcp://127.0.0.1:%d" % port, "--count", "1", "--timeout", "0.3"],
           1, r"timed out after 0.3 s with 0 of 1")
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
