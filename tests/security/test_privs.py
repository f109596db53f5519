#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""security.privs: nd-snifty drops its privileges once the capture is open.

1. Started as root capturing live on lo: after start, /proc/PID/status shows
   uid and gid nobody (65534 in every slot), no supplementary group but its
   own, and no capabilities (CapEff, CapPrm, CapInh, CapAmb all zero); and it
   still captures (a ping on lo becomes PacketCountChef counts).
2. --user daemon: the same, as daemon.
3. Not root, with CAP_NET_RAW given by setcap to a copy of the binary: it
   opens the live capture as nobody, then holds no capability any more.
4. --user with a missing user: exit 1 with a clear message.
5. A chef plugin is loaded only after the drop: one readable by root alone
   (mode 0600) cannot be opened (exit 2, "Permission denied"); made readable,
   it loads.

Needs root (skipped otherwise).
usage: test_privs.py SNIFTY PCAPS [PLUGIN.so]"""
import os
import pwd
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.split()
    return out


def check_dropped(proc, user):
    pw = pwd.getpwnam(user)
    proc.wait_log(r"running as %s \(uid %d" % (user, pw.pw_uid), 10)
    st = proc_status(proc.p.pid)
    check(st["Uid"] == [str(pw.pw_uid)] * 4, "Uid %s, want %d" % (st["Uid"], pw.pw_uid))
    check(st["Gid"] == [str(pw.pw_gid)] * 4, "Gid %s, want %d" % (st["Gid"], pw.pw_gid))
    check(st["Groups"] in ([str(pw.pw_gid)], []), "Groups %s" % st["Groups"])
    for cap in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
        check(int(st[cap][0], 16) == 0, "%s is %s" % (cap, st[cap][0]))
    check(st.get("NoNewPrivs") == ["1"], "NoNewPrivs %s" % st.get("NoNewPrivs"))


def ping_until_counted(proc):
    """Pings lo until the kitchen prints a PacketCountChef dumpling with ICMP or IP."""
    def look():
        subprocess.run(["ping", "-c", "1", "-W", "1", "127.0.0.1"], capture_output=True)
        for d in proc.json_lines():
            counts = d.get("payload", {}).get("packet_counts", {})
            if counts.get("IP", 0) > 0:
                return True
        return False
    ndtest.wait_for(look, 20, "a live PacketCountChef count after the drop", interval=0.3)


def test(procs, argv):
    snifty = argv[0]
    if os.geteuid() != 0:
        print("needs root")
        return ndtest.SKIP
    args = ["-i", "lo", "--stdout", "-c", "PacketCountChef", "-p", "0.3", "-f", "icmp"]

    p = procs.start("snifty-root", [snifty] + args)
    check_dropped(p, "nobody")
    ping_until_counted(p)
    check(p.stop() == 0, "exit after SIGTERM: %s" % p.p.returncode)

    p = procs.start("snifty-daemon", [snifty, "--user", "daemon"] + args)
    check_dropped(p, "daemon")
    check(p.stop() == 0, "exit after SIGTERM")

    r = ndtest.run([snifty, "--user", "no-such-user-here"] + args, timeout=20)
    check(r.returncode == 1 and "no such user" in r.stderr, "bad --user: %d %s" %
          (r.returncode, r.stderr))

    pcap = os.path.join(argv[1], "ndpi-dns.pcap")
    if len(argv) > 2 and argv[2] and os.path.exists(pcap):
        os.chmod(procs.dir, 0o755)
        plugin = os.path.join(procs.dir, "plugin.so")
        shutil.copy(argv[2], plugin)
        os.chmod(plugin, 0o600)
        run = [snifty, "-r", pcap, "--stdout", "-q", "--chef-module", plugin]
        r = ndtest.run(run, timeout=30)
        check(r.returncode == 2 and "Permission denied" in r.stderr,
              "a root-only plugin was loaded (before the drop?): %d %s" % (r.returncode, r.stderr))
        check("as user nobody" in r.stderr and "--user" in r.stderr,
              "the refusal says why (the kitchen runs as nobody) and what to do: %s" % r.stderr)
        os.chmod(plugin, 0o644)
        r = ndtest.run(run, timeout=30)
        check(r.returncode == 0, "a readable plugin failed: %s" % r.stderr)

    # CAP_NET_RAW instead of root.
    if not shutil.which("setcap") or not shutil.which("setpriv"):
        print("no setcap/setpriv: the CAP_NET_RAW case is not run")
        return 0
    d = os.path.join(procs.dir, "capbin")
    os.makedirs(d)
    os.chmod(procs.dir, 0o755)
    os.chmod(d, 0o755)
    copy = os.path.join(d, "nd-snifty")
    shutil.copy2(snifty, copy)
    r = ndtest.run(["setcap", "cap_net_raw+ep", copy])
    if r.returncode != 0:
        print("setcap failed (%s): the CAP_NET_RAW case is not run" % r.stderr.strip())
        return 0
    # Without the capability, as nobody, the live capture must fail.
    r = ndtest.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", snifty]
                   + args, timeout=20)
    check(r.returncode != 0, "nobody captured without CAP_NET_RAW")
    p = procs.start("snifty-cap", ["setpriv", "--reuid=nobody", "--regid=nogroup",
                                   "--clear-groups", copy] + args)
    p.wait_log(r"capturing on lo", 10)
    ndtest.wait_for(lambda: int(proc_status(p.p.pid)["CapEff"][0], 16) == 0 and
                    int(proc_status(p.p.pid)["CapPrm"][0], 16) == 0, 10,
                    "the capability to be dropped")
    st = proc_status(p.p.pid)
    check(st["Uid"] == ["65534"] * 4, "Uid %s" % st["Uid"])
    ping_until_counted(p)
    check(p.stop() == 0, "exit after SIGTERM")
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
