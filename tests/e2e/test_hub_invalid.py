#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""e2e.hub_invalid: a hostile kitchen sends a one-frame message, a three-frame
message, a garbage body, a body whose topic lies, a truncated body and a '$'
control message around one valid dumpling. The hub forwards only the valid
one, counts five invalid and one control message, and keeps running.

usage: test_hub_invalid.py INJECT SHIFTY PRINT"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402


def test(procs, argv):
    inject, shifty, printer = argv
    pin, pout = ndtest.free_port(), ndtest.free_port()
    hub = procs.start("nd-shifty", [shifty, "-a", "127.0.0.1", "--in-port", pin, "--out-port",
                                    pout, "-f", "0.3"])
    hub.wait_log(r"eaters \(XPUB\) on", 10)
    eater = procs.start("nd-print", [printer, "-H", "tcp://127.0.0.1:%d" % pout, "--json",
                                     "-n", "invalid-print", "-c", "InjectChef", "-c",
                                     "OtherChef"])
    hub.wait_log(r"eater invalid-print connected", 10)
    r = ndtest.run([inject, "tcp://127.0.0.1:%d" % pin], timeout=30)
    check(r.returncode == 0, "inject failed: " + r.stderr)

    def status():
        st = ndtest.run([printer, "-H", "tcp://127.0.0.1:%d" % pout, "-c", "SystemStatusChef",
                         "--json", "--count", 1, "--timeout", 5], timeout=20)
        check(st.returncode == 0, "no SystemStatusChef: " + st.stderr)
        import json
        p = json.loads(st.stdout.splitlines()[0])["payload"]
        return p if p["total_dumplings_in"] + p["invalid_dumplings_in"] >= 6 else None

    p = ndtest.wait_for(status, 20, "the hub to count the injected messages")
    check(p["total_dumplings_in"] == 1, "total_dumplings_in %s" % p["total_dumplings_in"])
    check(p["invalid_dumplings_in"] == 5, "invalid_dumplings_in %s" % p["invalid_dumplings_in"])
    check(p.get("control_messages_in") == 1, "control_messages_in %s" %
          p.get("control_messages_in"))
    ndtest.wait_for(lambda: eater.json_lines(), 10, "the valid dumpling at the eater")
    got = eater.json_lines()
    check(len(got) == 1 and got[0]["payload"] == {"hello": "world"} and
          got[0]["metadata"]["chef"] == "InjectChef", "eater got %s" % got)
    check(hub.running(), "the hub died")
    check(eater.stop() == 0 and hub.stop() == 0, "unclean exit")
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
