#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""sdk.plugin_cli: nd-snifty --chef-module end to end. A good module adds its
chefs (listed per module by --chef-list, selected by -c, given options by
--chef-opt); every bad one (not a shared object, no entry point, another
chef ABI, no chefs, an invalid name, a name a built-in or another module
already has) stops nd-snifty with exit 2 and a message naming the file; a
chef whose handler keeps failing is switched off while the others go on.

usage: test_plugin_cli.py SNIFTY PCAPS_DIR HELLO HTTP_PLUGIN NO_SYMBOL ABI_MISMATCH
                          DEF_ABI EMPTY BAD_NAME FAILING"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402


def lines(stdout):
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test(procs, argv):
    (snifty, pcaps, hello, http_plugin, no_symbol, abi_mismatch, def_abi, empty, bad_name,
     failing) = argv
    http = os.path.join(pcaps, "ndpi-http_ipv6.pcap")  # 193 packets
    text = os.path.join(procs.dir, "notaplugin.so")
    with open(text, "w") as f:
        f.write("this is not a shared object\n")

    def snift(*args):
        return ndtest.run([snifty, "-r", http, "--stdout", "--filter", ""] + list(args))

    # Every way a module is refused: exit 2, the file named, the reason said.
    for path, why, extra in [
            (text, "not a shared object", []),
            (os.path.join(procs.dir, "missing.so"), "No such file", []),
            (no_symbol, "not a netdumplings chef plugin", []),
            (abi_mismatch, "chef ABI mismatch", []),
            (def_abi, "chef ABI mismatch", []),
            (empty, "holds no chefs", []),
            (bad_name, "invalid name", []),
            (http_plugin, "HTTPRequestChef", []),  # the built-in's name
            (hello, "HelloChef", ["--chef-module", hello])]:  # the same chef twice
        r = snift("--chef-module", path, *extra)
        check(r.returncode == 2, "--chef-module %s: exit %d, want 2; stderr %s" %
              (path, r.returncode, r.stderr))
        check(path in r.stderr and why in r.stderr,
              "--chef-module %s: stderr lacks the path or \"%s\":\n%s" % (path, why, r.stderr))
        check(r.stdout == "", "--chef-module %s: dumplings made anyway" % path)
    r = snift("--chef-module", http_plugin)
    check("already" in r.stderr, "a duplicate name is not called one: " + r.stderr)
    r = snift("--chef-module", hello, "-c", "NoSuchChef")
    check(r.returncode == 2 and "NoSuchChef" in r.stderr and "HelloChef" in r.stderr,
          "-c of an unknown chef: %d %s" % (r.returncode, r.stderr))
    r = snift("--chef-module")
    check(r.returncode == 2, "--chef-module without a path: exit %d" % r.returncode)

    # --chef-list: the built-ins, then each module's chefs under its path.
    r = ndtest.run([snifty, "--chef-module", hello, "--chef-module", failing, "--chef-list"])
    check(r.returncode == 0, "--chef-list: exit %d %s" % (r.returncode, r.stderr))
    out = r.stdout
    for name in ("PacketCountChef", "TLSClientHelloChef", "HelloChef", "FailingChef",
                 hello, failing):
        check(name in out, "--chef-list lacks %s:\n%s" % (name, out))
    # ("\nHelloChef": TLSClientHelloChef ends with the same letters.)
    check(out.index("PacketCountChef") < out.index(hello) < out.index("\nHelloChef")
          < out.index(failing) < out.index("\nFailingChef"),
          "--chef-list is not per module:\n" + out)

    # A module's chef selected with -c, with an option; built-ins alongside.
    r = snift("--chef-module", hello, "-c", "HelloChef", "-c", "HTTPRequestChef",
              "--chef-opt", "HelloChef:greeting=hey")
    check(r.returncode == 0, "HelloChef run: exit %d %s" % (r.returncode, r.stderr))
    got = lines(r.stdout)
    chefs = set(d["metadata"]["chef"] for d in got)
    check(chefs == {"HelloChef"}, "chefs seen: %s" % chefs)  # no HTTP request in this capture
    greet = [d["payload"] for d in got if d["metadata"]["driver"] == "packet"]
    check(greet and all(g["greeting"] == "hey" for g in greet), "greetings: %s" % greet[:3])
    r = snift("--chef-module", hello, "-c", "HelloChef", "--chef-opt",
              "HelloChef:greeting=" + "x" * 40)
    check(r.returncode == 2 and "greeting is too long" in r.stderr,
          "a bad option: %d %s" % (r.returncode, r.stderr))
    # Without -c: every built-in and every loaded chef.
    r = snift("--chef-module", hello)
    check(r.returncode == 0, "all chefs: exit %d %s" % (r.returncode, r.stderr))
    chefs = [d["metadata"]["chef"] for d in lines(r.stdout)]
    check("HelloChef" in chefs and "PacketCountChef" in chefs and "TopTalkersChef" in chefs,
          "without -c: chefs %s" % sorted(set(chefs)))

    # A failing chef: reported, switched off, the others unaffected.
    alone = snift("-c", "TLSClientHelloChef", "-c", "TopTalkersChef")
    check(alone.returncode == 0, "reference run failed: " + alone.stderr)
    r = snift("--chef-module", failing, "-c", "TLSClientHelloChef", "-c", "FailingChef",
              "-c", "TopTalkersChef")
    check(r.returncode == 0, "with FailingChef: exit %d %s" % (r.returncode, r.stderr))
    check("FailingChef" in r.stderr and "switched off" in r.stderr,
          "FailingChef was not reported switched off:\n" + r.stderr[-2000:])
    check(r.stderr.count("switched off") == 1, "switched off more than once")

    def masked(ds):
        return [(d["metadata"]["chef"], d["metadata"]["driver"], d["payload"]) for d in ds]

    check(masked(lines(r.stdout)) == masked(lines(alone.stdout)),
          "the other chefs' dumplings changed when FailingChef failed")
    check(len(lines(alone.stdout)) > 0, "no dumplings at all")
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
