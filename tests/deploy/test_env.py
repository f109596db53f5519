#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""deploy.env: every program reads its options from ND_<OPTION> variables
(common/cli_env.c), flags win, and a bad value is a usage error (exit 2) that
names the variable. Real programs, real sockets on free ports.

usage: test_env.py PCAPS SNIFTY SHIFTY PRINT HUBSTATUS HUBDETAILS GATEWAY"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402


def env(**kw):
    e = {k: v for k, v in os.environ.items() if not k.startswith("ND_")}
    e.update(kw)
    return e


def run(args, **kw):
    return ndtest.run(args, timeout=30, env=env(**kw))


def dumplings(out):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test(procs, argv):
    pcaps, snifty, shifty, printer, hubstatus, hubdetails, gateway = argv
    progs = {"nd-snifty": snifty, "nd-shifty": shifty, "nd-print": printer,
             "nd-hubstatus": hubstatus, "nd-hubdetails": hubdetails, "nd-gateway": gateway}
    for name, path in progs.items():
        r = run([path, "--help"], ND_HELP="0")
        check(r.returncode == 0 and "ND_<OPTION>" in r.stdout and "ND_KITCHEN_NAME" in r.stdout,
              "%s --help documents the ND_ variables" % name)
    pcap = os.path.join(pcaps, "ndpi-dns.pcap")

    # The kitchen name, the chef list and a boolean from the environment.
    r = run([snifty, "-r", pcap], ND_KITCHEN_NAME="envk", ND_CHEF="DNSLookupChef,PacketCountChef",
            ND_STDOUT="true")
    check(r.returncode == 0, "nd-snifty with ND_* ran: %s" % r.stderr)
    ds = dumplings(r.stdout)
    check(ds and all(d["metadata"]["kitchen"] == "envk" for d in ds), "ND_KITCHEN_NAME used")
    check({d["metadata"]["chef"] for d in ds} == {"DNSLookupChef", "PacketCountChef"},
          "ND_CHEF list used")
    # Flags win: -n over ND_KITCHEN_NAME, -c over the whole ND_CHEF list.
    r = run([snifty, "-r", pcap, "-n", "flagk", "-c", "PacketCountChef"],
            ND_KITCHEN_NAME="envk", ND_CHEF="DNSLookupChef,ARPChef", ND_STDOUT="1")
    ds = dumplings(r.stdout)
    check(ds and all(d["metadata"]["kitchen"] == "flagk" for d in ds), "-n wins over the env")
    check({d["metadata"]["chef"] for d in ds} == {"PacketCountChef"}, "-c wins over ND_CHEF")
    print("ok - nd-snifty: ND_KITCHEN_NAME, ND_CHEF, ND_STDOUT; flags win")

    # A hub configured only by the environment, eaters too.
    pin, pout = ndtest.free_port(), ndtest.free_port()
    hub = procs.start("nd-shifty", [shifty], env=env(
        ND_ADDRESS="127.0.0.1", ND_IN_PORT=str(pin), ND_OUT_PORT=str(pout), ND_NAME="envhub",
        ND_STATUS_FREQ="0.2"))
    hub.wait_log(r"eaters \(XPUB\) on tcp://127.0.0.1:%d" % pout, 10)
    hub_ep = "tcp://127.0.0.1:%d" % pout
    r = run([printer, "--json"], ND_HUB=hub_ep, ND_CHEF="SystemStatusChef", ND_COUNT="1",
            ND_TIMEOUT="10")
    ds = dumplings(r.stdout)
    check(r.returncode == 0 and len(ds) == 1 and ds[0]["metadata"]["kitchen"] == "envhub",
          "nd-print with ND_HUB/ND_CHEF/ND_COUNT got envhub's status: %s" % r.stderr)
    r = run([printer, "--json", "-k", "nobody", "-c", "SystemStatusChef", "--count", "1",
             "--timeout", "1"], ND_HUB=hub_ep, ND_KITCHEN="envhub")
    check(r.returncode != 0 and not r.stdout.strip(), "nd-print -k wins over ND_KITCHEN")
    r = run([hubdetails, "--json"], ND_HUB=hub_ep, ND_TIMEOUT="10")
    check(r.returncode == 0 and "envhub" in r.stdout, "nd-hubdetails with ND_HUB: %s" % r.stderr)
    r = run([hubstatus], ND_HUB=hub_ep, ND_COUNT="1", ND_TIMEOUT="10", ND_NO_COLOR="yes")
    check(r.returncode == 0 and r.stdout.strip(), "nd-hubstatus with ND_HUB: %s" % r.stderr)
    check(hub.stop() == 0, "nd-shifty stopped")
    print("ok - nd-shifty, nd-print, nd-hubdetails, nd-hubstatus from the environment")

    # Bad values: exit 2, the variable named.
    bad = [(shifty, {"ND_STATUS_FREQ": "abc"}, "ND_STATUS_FREQ"),
           (shifty, {"ND_VERBOSE": "maybe"}, "ND_VERBOSE"),
           (shifty, {"ND_IN_PORT": "70000"}, "ND_IN_PORT"),
           (snifty, {"ND_KITCHEN_NAME": "bad name!", "ND_STDOUT": "1", "ND_READ": pcap},
            "ND_KITCHEN_NAME"),
           (snifty, {"ND_CHEF": "DNSLookupChef,,ARPChef"}, "ND_CHEF"),
           (printer, {"ND_COUNT": "0"}, "ND_COUNT"),
           (hubstatus, {"ND_TIMEOUT": "-5"}, "ND_TIMEOUT"),
           (hubdetails, {"ND_TIMEOUT": "x"}, "ND_TIMEOUT"),
           (gateway, {"ND_PORT": "99999"}, "ND_PORT")]
    for path, e, var in bad:
        r = run([path], **e)
        check(r.returncode == 2 and var in r.stderr,
              "%s with %s: exit %d, stderr %r" % (os.path.basename(path), e, r.returncode,
                                                  r.stderr[-300:]))
    # The same value as a flag wins over a bad variable.
    r = run([snifty, "-n", "good", "--stdout", "-r", pcap], ND_KITCHEN_NAME="bad name!")
    check(r.returncode == 0, "a good flag wins over a bad variable: %s" % r.stderr)
    print("ok - bad values exit 2 naming the variable")
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
