#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""security.curve: CURVE between kitchens, hub and eaters.

A hub with --curve-secret/--curve-allow; certificates from nd-keygen. An
allowed kitchen's dumplings reach an allowed eater exactly as the kitchen made
them (nd-snifty --stdout is the reference). A kitchen whose key is not allowed
gets nothing through; an eater whose key is not allowed, or that talks plain
TCP, receives nothing; a certificate removed from the allow folder is refused
at its next connection. Refusals are logged and counted in SystemStatusChef.
A hub bound to a non-loopback address without CURVE warns; on loopback it does
not. CURVE works the same over IPv6 (a hub on ::1). The secret file is mode 0600.

usage: test_curve.py KEYGEN SHIFTY SNIFTY PRINT PCAPS"""
import json
import os
import socket
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seclib  # noqa: E402
from seclib import ndtest, check  # noqa: E402

CHEF = "DNSLookupChef"


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def test(procs, argv):
    keygen, shifty, snifty, printer, pcaps = argv
    pcap = os.path.join(pcaps, "ndpi-dns.pcap")
    if not os.path.exists(pcap):
        print("no capture %s" % pcap)
        return ndtest.SKIP
    keys = os.path.join(procs.dir, "keys")
    allow = os.path.join(procs.dir, "allow")
    os.makedirs(keys)
    os.makedirs(allow)
    hub_pub, hub_sec = seclib.keygen(keygen, keys, "hub")
    k_pub, k_sec = seclib.keygen(keygen, keys, "kitchen")
    e_pub, e_sec = seclib.keygen(keygen, keys, "eater")
    r_pub, r_sec = seclib.keygen(keygen, keys, "rogue")
    v_pub, v_sec = seclib.keygen(keygen, keys, "revoked")
    check(stat.S_IMODE(os.stat(hub_sec).st_mode) == 0o600, "secret file is not 0600")
    r = ndtest.run([keygen, "-d", keys, "hub"])
    check(r.returncode == 1, "nd-keygen overwrote an existing pair")
    for pub in (k_pub, e_pub, v_pub):
        os.link(pub, os.path.join(allow, os.path.basename(pub)))

    def curve(secret):
        return ["--curve-server-key", hub_pub, "--curve-secret", secret]

    pin, pout = ndtest.free_port(), ndtest.free_port()
    hub = procs.start("nd-shifty", [shifty, "-a", "127.0.0.1", "--in-port", pin, "--out-port",
                                    pout, "-f", "0.3", "--curve-secret", hub_sec,
                                    "--curve-allow", allow])
    hub.wait_log(r"eaters \(XPUB\) on", 10)
    check("WARNING" not in hub.stderr(), "a loopback hub warned:\n" + hub.stderr())
    ep_out = "tcp://127.0.0.1:%d" % pout
    ep_in = "tcp://127.0.0.1:%d" % pin

    good = procs.start("eater-good", [printer, "-H", ep_out, "--json", "-n", "good", "-c", CHEF]
                       + curve(e_sec))
    rogue = procs.start("eater-rogue", [printer, "-H", ep_out, "--json", "-n", "rogue", "-c",
                                        CHEF] + curve(r_sec))
    plain = procs.start("eater-plain", [printer, "-H", ep_out, "--json", "-n", "plain", "-c",
                                        CHEF])
    hub.wait_log(r"eater good connected", 10)
    hub.wait_log(r"refused an unauthorized eater connection", 10)

    # An unauthorized kitchen: waits for a hub that never lets it in.
    bad_k = procs.start("kitchen-rogue", [snifty, "-r", pcap, "-H", ep_in, "-n", "rogue_kitchen",
                                          "-c", CHEF] + curve(r_sec))
    hub.wait_log(r"refused an unauthorized kitchen connection", 10)
    # The allowed kitchen.
    ok_k = ndtest.run([snifty, "-r", pcap, "-H", ep_in, "-n", "good_kitchen", "-c", CHEF,
                       "-q"] + curve(k_sec), timeout=60)
    check(ok_k.returncode == 0, "allowed kitchen failed: " + ok_k.stderr)
    ref = ndtest.run([snifty, "-r", pcap, "-n", "good_kitchen", "-c", CHEF, "--stdout", "-q"])
    want = [ndtest.masked(json.loads(x)) for x in ref.stdout.splitlines()]
    check(len(want) > 0, "the reference kitchen made no dumplings")
    ndtest.wait_for(lambda: len(good.json_lines()) >= len(want), 20, "the allowed eater")
    got = [ndtest.masked(d) for d in good.json_lines()]
    check(got == want, "allowed eater got %d dumplings, %d expected, or different ones" %
          (len(got), len(want)))

    ecurve = curve(e_sec)
    p = seclib.wait_status(printer, pout,
                           lambda p: p["unauthorized_kitchens"] >= 1 and
                           p["unauthorized_eaters"] >= 1 and p["eater_handshake_failures"] >= 1,
                           "refusals counted", ecurve)
    check(p["curve"] is True and p["curve_allowed_keys"] == 3, "curve keys: %s" % p)
    check(p["unauthorized_connections"] >= 2, "unauthorized_connections %s" %
          p["unauthorized_connections"])
    check(all(k["info_from_kitchen"]["kitchen_name"] != "rogue_kitchen"
              for k in p["dumpling_kitchens"]), "the rogue kitchen is listed")
    check(bad_k.running(), "the rogue kitchen gave up (it should wait)")
    bad_k.kill()
    check(rogue.json_lines() == [] and plain.json_lines() == [],
          "an unauthorized eater received something")
    check(all(d["metadata"]["kitchen"] == "good_kitchen" for d in good.json_lines()),
          "the rogue kitchen's dumplings arrived")

    # Revocation: the revoked eater works, its certificate is removed, it is refused.
    before = seclib.status(printer, pout, curve(v_sec))
    check(before is not None, "the (not yet) revoked eater got no status")
    os.unlink(os.path.join(allow, "revoked.key"))
    after = seclib.status(printer, pout, curve(v_sec), timeout=3)
    check(after is None, "the revoked eater still received dumplings")
    p = seclib.wait_status(printer, pout,
                           lambda q: q["unauthorized_eaters"] >= p["unauthorized_eaters"] + 1 and
                           q["curve_allowed_keys"] == 2, "the revoked eater counted", ecurve)
    hub.wait_log(r"CURVE allow folder .*: 2 certificate", 5)

    check(hub.running(), "the hub died")
    for e in (good, rogue, plain):
        check(e.stop() == 0, "%s exited badly" % e.name)
    check(hub.stop() == 0, "the hub exited badly")

    # CURVE the same over IPv6 (issue 19): a hub on ::1, the allowed kitchen's
    # dumplings reach the allowed eater, a plain-TCP eater gets nothing.
    if ipv6_loopback():
        pin6, pout6 = ndtest.free_port(), ndtest.free_port()
        hub6 = procs.start("nd-shifty-v6", [shifty, "-a", "::1", "--in-port", pin6,
                                            "--out-port", pout6, "-f", "0.3", "--curve-secret",
                                            hub_sec, "--curve-allow", allow])
        hub6.wait_log(r"eaters \(XPUB\) on tcp://\[::1\]:%d" % pout6, 10)
        check("WARNING" not in hub6.stderr(), "a hub on ::1 warned:\n" + hub6.stderr())
        ep6_out, ep6_in = "tcp://[::1]:%d" % pout6, "tcp://[::1]:%d" % pin6
        good6 = procs.start("eater-good6", [printer, "-H", ep6_out, "--json", "-n", "good6", "-c",
                                            CHEF] + curve(e_sec))
        plain6 = procs.start("eater-plain6", [printer, "-H", ep6_out, "--json", "-n", "plain6",
                                              "-c", CHEF])
        hub6.wait_log(r"eater good6 connected from ::1:", 10)
        hub6.wait_log(r"eater handshake|refused an unauthorized eater|failed the handshake", 10)
        ok6 = ndtest.run([snifty, "-r", pcap, "-H", ep6_in, "-n", "good_kitchen", "-c", CHEF,
                          "-q"] + curve(k_sec), timeout=60)
        check(ok6.returncode == 0, "allowed kitchen over IPv6 failed: " + ok6.stderr)
        ndtest.wait_for(lambda: len(good6.json_lines()) >= len(want), 20,
                        "the allowed eater over IPv6")
        got = [ndtest.masked(d) for d in good6.json_lines()]
        check(got == want, "allowed eater over IPv6 got %d dumplings, %d expected, or different "
              "ones" % (len(got), len(want)))
        check(plain6.json_lines() == [], "a plain-TCP eater over IPv6 received something")
        for proc in (good6, plain6, hub6):
            check(proc.stop() == 0, "%s exited badly" % proc.name)
        print("ok - CURVE over IPv6: allowed kitchen to allowed eater, plain eater refused")

    # Without CURVE on a non-loopback address: a clear warning.
    pin2, pout2 = ndtest.free_port(), ndtest.free_port()
    open_hub = procs.start("nd-shifty-open", [shifty, "-a", "0.0.0.0", "--in-port", pin2,
                                              "--out-port", pout2])
    open_hub.wait_log(r"WARNING: listening on 0\.0\.0\.0 without CURVE", 10)
    check(open_hub.stop() == 0, "the open hub exited badly")
    # Usage: one of the pair alone.
    r = ndtest.run([shifty, "--curve-secret", hub_sec])
    check(r.returncode == 2, "--curve-secret without --curve-allow: exit %d" % r.returncode)
    r = ndtest.run([printer, "--curve-secret", e_sec, "--count", 1, "--timeout", 1])
    check(r.returncode == 2 or r.returncode == 1, "half a client key pair accepted")
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
