# SPDX-License-Identifier: MIT
"""seclib.py: what the security tests share: certificates made with the real
nd-keygen, a hub on free loopback ports, and reading its SystemStatusChef
through an (authorized) nd-print."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402


def keygen(keygen_bin, folder, name):
    """NAME.key and NAME.key_secret in folder; returns (public, secret) paths."""
    r = ndtest.run([keygen_bin, "-d", folder, name])
    check(r.returncode == 0, "nd-keygen %s failed: %s" % (name, r.stderr))
    pub = os.path.join(folder, name + ".key")
    return pub, pub + "_secret"


def status(printer, out_port, curve=(), timeout=5):
    """One SystemStatusChef payload, or None."""
    r = ndtest.run([printer, "-H", "tcp://127.0.0.1:%d" % out_port, "-c", "SystemStatusChef",
                    "--json", "--count", 1, "--timeout", timeout] + list(curve),
                   timeout=timeout + 15)
    if r.returncode != 0 or not r.stdout.strip():
        return None
    return json.loads(r.stdout.splitlines()[0])["payload"]


def wait_status(printer, out_port, cond, what, curve=(), timeout=20):
    """Polls the hub's status until cond(payload) holds; returns the payload."""
    def look():
        p = status(printer, out_port, curve)
        return p if p is not None and cond(p) else None
    return ndtest.wait_for(look, timeout, what)
