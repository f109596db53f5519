#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""multihost.*: sensors on several hosts feeding one hub, each host a network
namespace with its own address on one bridge (itself inside a namespace, so
nothing touches the machine's own network). Needs root (skipped, 77, otherwise).

  sensors     two sensors capture live traffic made on them (dig, arping,
              ping) and publish to the hub host; the eater host gets each
              sensor's dumplings natively (nd-print) and through the gateway
              host's WebSocket, tagged with the right kitchen; SystemStatusChef
              lists both kitchens from their addresses; cutting one sensor's
              link removes it within the heartbeat timeout while the other goes
              on; restoring the link brings it back, nothing restarted. The
              sensors are configured by ND_* variables only, as the deployment
              files do.
  sensors6    the same on an IPv6-only network: every host has one IPv6
              address and no IPv4 one, and the switch drops IPv4 and ARP
              frames; one sensor finds the hub by a name with only an AAAA
              record (/etc/netns/NS/hosts); the hub lists the sensors' IPv6
              addresses, and cutting and restoring a link heals as over IPv4.
  federation  two site hubs (--upstream), each with a sensor, feed one central
              hub, where an eater sees both sensors and the status lists them
              through their site hubs; two hubs that are each other's upstream
              refuse the loop (dropped, counted, no duplicates).
  federation6 the same on an IPv6-only network (site hubs, central hub and
              the via list's "from" as [v6]:port).

Every namespace, veth and process is removed even when the test fails; names
are unique per run.

usage: test_multihost.py MODE SNIFTY SHIFTY PRINT GATEWAY"""
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402

HB_TIMEOUT = 2.0  # nd-shifty --kitchen-timeout: two missed heartbeats
STATUS_FREQ = 0.5

WS_CLIENT = r"""
const WebSocket = require('ws');
const ws = new WebSocket(process.argv[1]);
ws.on('message', (m) => process.stdout.write(m.toString() + '\n'));
ws.on('open', () => process.stderr.write('open\n'));
ws.on('close', () => process.exit(0));
ws.on('error', (e) => { process.stderr.write('error ' + e.message + '\n'); process.exit(1); });
process.on('SIGTERM', () => { ws.close(); process.exit(0); });
"""


def sh(*args, ok=True, timeout=20):
    r = ndtest.run(list(args), timeout=timeout)
    if ok and r.returncode != 0:
        raise ndtest.TestFailure("%s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr))
    return r


def lines(proc):
    """The JSON values proc wrote, one a line; a line still being written is skipped."""
    out = []
    for line in proc.stdout().splitlines():
        try:
            v = json.loads(line)
        except ValueError:
            continue
        out.extend(v if isinstance(v, list) else [v])
    return out


# IPv6-only: the switch forwards no IPv4 and no ARP at all.
NFT_NO_IPV4 = """
table bridge noipv4 {
    chain forward {
        type filter hook forward priority 0; policy accept;
        ether type { ip, arp } counter drop
    }
}
"""


class Net:
    """Hosts as namespaces, each with eth0 on one bridge in a switch namespace.
    With v6, each host has only an IPv6 address (fd19:TAG::N/64) and the
    switch drops IPv4 and ARP."""

    def __init__(self, v6=False):
        self.v6 = v6
        self.tag = "%05d" % (os.getpid() % 100000)
        self.net = "10.231.%d" % (os.getpid() % 250)
        # Names of the IPv6 variant carry i19 (the issue that added it).
        self.pre = "i19" if v6 else "nd"
        self.sw = self.pre + "mhsw" + self.tag
        self.hosts = {}  # name -> (namespace, address, switch-side interface)
        self.created = []

    def setup(self):
        self.created.append(self.sw)
        sh("ip", "netns", "add", self.sw)
        sh("ip", "-n", self.sw, "link", "add", "br0", "type", "bridge")
        if self.v6:
            # Neighbour discovery is multicast: flood it rather than depend on
            # the bridge having seen every host's MLD report.
            sh("ip", "-n", self.sw, "link", "set", "br0", "type", "bridge", "mcast_snooping", "0")
            r = subprocess.run(["ip", "netns", "exec", self.sw, "nft", "-f", "-"],
                               input=NFT_NO_IPV4, text=True, capture_output=True, timeout=20)
            if r.returncode != 0:
                raise ndtest.TestFailure("nft in the switch namespace: " + r.stderr)
        sh("ip", "-n", self.sw, "link", "set", "br0", "up")

    def add(self, name, last_octet):
        ns = "%smh%s%s" % (self.pre, name, self.tag)
        i = len(self.hosts)
        inner, outer = "%si%d-%s" % (self.pre, i, self.tag), "%so%d-%s" % (self.pre, i, self.tag)
        if self.v6:
            addr = str(ipaddress.IPv6Address("fd19:%x::%x" % (int(self.tag), last_octet)))
        else:
            addr = "%s.%d" % (self.net, last_octet)
        self.created.append(ns)
        sh("ip", "netns", "add", ns)
        self.created.append("veth:" + inner)
        sh("ip", "link", "add", inner, "type", "veth", "peer", "name", outer)
        sh("ip", "link", "set", inner, "netns", ns)
        sh("ip", "link", "set", outer, "netns", self.sw)
        sh("ip", "-n", ns, "link", "set", inner, "name", "eth0")
        if self.v6:
            # nodad: usable at once, not after duplicate address detection.
            sh("ip", "-n", ns, "addr", "add", addr + "/64", "dev", "eth0", "nodad")
        else:
            sh("ip", "-n", ns, "addr", "add", addr + "/24", "dev", "eth0")
        sh("ip", "-n", ns, "link", "set", "eth0", "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", self.sw, "link", "set", outer, "master", "br0")
        sh("ip", "-n", self.sw, "link", "set", outer, "up")
        self.hosts[name] = (ns, addr, outer)
        return addr

    def ns(self, name):
        return self.hosts[name][0]

    def addr(self, name):
        return self.hosts[name][1]

    def urlhost(self, name):
        """The address as it goes into a URL or an endpoint: [v6]."""
        return ("[%s]" if self.v6 else "%s") % self.addr(name)

    def hostport(self, name, port):
        return "%s:%d" % (self.urlhost(name), port)

    def ep(self, name, port):
        return "tcp://" + self.hostport(name, port)

    def hosts_file(self, name, lines):
        """/etc/hosts as `ip netns exec` shows it inside host `name`."""
        d = os.path.join("/etc/netns", self.ns(name))
        if not os.path.isdir("/etc/netns"):
            self.created.append("emptydir:/etc/netns")
        self.created.append("dir:" + d)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "hosts"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def link(self, name, up):
        sh("ip", "-n", self.sw, "link", "set", self.hosts[name][2], "up" if up else "down")

    def run_in(self, name, *args, ok=False, timeout=10):
        return sh("ip", "netns", "exec", self.ns(name), *args, ok=ok, timeout=timeout)

    def teardown(self):
        for what in reversed(self.created):
            if what.startswith("dir:"):
                shutil.rmtree(what[4:], ignore_errors=True)
            elif what.startswith("emptydir:"):
                try:
                    os.rmdir(what[9:])  # only if nobody else put a namespace's files there
                except OSError:
                    pass
            elif what.startswith("veth:"):
                subprocess.run(["ip", "link", "del", what[5:]], capture_output=True)
            else:
                subprocess.run(["ip", "netns", "del", what], capture_output=True)


def start_in(procs, net, host, name, args, env=None):
    e = dict(os.environ)
    # Only the variables a test sets on purpose reach the programs.
    for k in list(e):
        if k.startswith("ND_"):
            del e[k]
    e.update(env or {})
    return procs.start(name, ["ip", "netns", "exec", net.ns(host)] + list(args), env=e)


def traffic(net, host, qname, peer):
    """Live traffic on a sensor: a DNS query to a host with no DNS server, ARP
    (IPv4) and ICMP. Failures (no answer) are expected."""
    net.run_in(host, "dig", "@" + peer, qname, "+tries=1", "+time=1")
    if not net.v6:
        net.run_in(host, "arping", "-c", "1", "-i", "eth0", peer, timeout=5)
    net.run_in(host, "ping", "-6" if net.v6 else "-4", "-c", "1", "-W", "1", peer)


def lookups(ds, kitchen=None):
    return {d["payload"]["lookup"]["hostname"] for d in ds
            if d.get("metadata", {}).get("chef") == "DNSLookupChef"
            and d["metadata"].get("driver") == "packet"
            and (kitchen is None or d["metadata"]["kitchen"] == kitchen)}


def status_list(watcher):
    return [d["payload"] for d in lines(watcher)
            if d.get("metadata", {}).get("chef") == "SystemStatusChef"]


def wait_status(watcher, cond, timeout, what, tick=None):
    start = len(status_list(watcher))

    def look():
        if tick:
            tick()
        for p in reversed(status_list(watcher)[start:]):
            if cond(p):
                return p
        return None
    return ndtest.wait_for(look, timeout, what, interval=0.1)


def kitchens(p):
    return {k["info_from_kitchen"]["kitchen_name"]: k for k in p["dumpling_kitchens"]}


def sensor_env(net, name, hub_host, port=11347, hub=None):
    return {"ND_INTERFACE": "eth0", "ND_KITCHEN_NAME": name,
            "ND_HUB": hub or net.ep(hub_host, port), "ND_POKE_INTERVAL": "1"}


def hub_args(shifty, name, *extra):
    return [shifty, "-N", name, "-f", str(STATUS_FREQ), "--kitchen-timeout", str(HB_TIMEOUT)] + \
        list(extra)


def test_sensors(procs, net, bins):
    snifty, shifty, printer, gateway = bins
    net.setup()
    for name, octet in (("hub", 1), ("gw", 2), ("eat", 3), ("s1", 11), ("s2", 12)):
        net.add(name, octet)
    hub_a = net.addr("hub")
    if net.v6:
        for name in net.hosts:
            r = net.run_in(name, "ip", "-4", "-o", "addr", "show", "dev", "eth0", ok=True)
            check(r.stdout.strip() == "", "%s has an IPv4 address: %s" % (name, r.stdout))
        # sensor-s2 finds the hub by a name with only an AAAA record.
        net.hosts_file("s2", ["%s hub.i19.test" % hub_a])
    hub = start_in(procs, net, "hub", "nd-shifty", hub_args(shifty, "central-hub"))
    hub.wait_log(r"eaters \(XPUB\) on", 10)
    if net.v6:
        hub.wait_log(r"eaters \(XPUB\) on tcp://\*:11349: every address, IPv4 and IPv6", 5)
    out_ep = net.ep("hub", 11349)
    gw = start_in(procs, net, "gw", "nd-gateway", [gateway, "-a", net.addr("gw")],
                  env={"ND_HUB": out_ep, "ND_HUB_IN": net.ep("hub", 11347)})
    gw.wait_log(r"serving ", 10)
    eater = start_in(procs, net, "eat", "nd-print",
                     [printer, "--json", "-c", "DNSLookupChef", "-n", "mh-print"],
                     env={"ND_HUB": out_ep})
    watcher = start_in(procs, net, "eat", "status", [printer, "--json", "-n", "mh-status"],
                       env={"ND_HUB": out_ep, "ND_CHEF": "SystemStatusChef"})
    hub.wait_log(r"eater mh-print connected", 10)
    ws = start_in(procs, net, "eat", "ws-client",
                  ["node", "-e", WS_CLIENT,
                     "ws://%s/?chef=DNSLookupChef" % net.hostport("gw", 11348)],
                  env={"NODE_PATH": os.environ.get("NODE_PATH", "/usr/share/nodejs")})
    ws.wait_log(r"open", 10)
    sensors = {}
    for s in ("s1", "s2"):
        by_name = "tcp://hub.i19.test:11347" if net.v6 and s == "s2" else None
        sensors[s] = start_in(procs, net, s, "nd-snifty-" + s, [snifty],
                              env=sensor_env(net, "sensor-" + s, "hub", hub=by_name))
    for s, p in sensors.items():
        p.wait_log(r"hub at .* is listening", 10)
        p.wait_log(r"capturing on eth0", 10)

    sent = {"s1": set(), "s2": set()}
    n = [0]

    def make(hosts):
        n[0] += 1
        for s in hosts:
            q = "q%d.%s-%s.example" % (n[0], s, net.tag)
            traffic(net, s, q, net.addr("eat"))
            sent[s].add(q)

    def both_arrived(proc, since):
        def cond():
            make(("s1", "s2"))
            ds = lines(proc)
            return all(sent[s] - since[s] and
                       (sent[s] - since[s]) & lookups(ds, "sensor-" + s) for s in ("s1", "s2"))
        return cond

    before = {s: set() for s in sent}
    ndtest.wait_for(both_arrived(eater, before), 20, "both sensors' DNS lookups at nd-print")
    ndtest.wait_for(both_arrived(ws, before), 10, "both sensors' DNS lookups over WebSocket")
    for proc, what in ((eater, "nd-print"), (ws, "WebSocket")):
        ds = [d for d in lines(proc) if d.get("metadata", {}).get("chef") == "DNSLookupChef"
              and d["metadata"].get("driver") == "packet"]
        for d in ds:
            host = d["payload"]["lookup"]["hostname"]
            for s in ("s1", "s2"):
                if host in sent[s]:
                    check(d["metadata"]["kitchen"] == "sensor-" + s,
                          "%s: %s sent by %s came tagged %s" % (what, host, s,
                                                               d["metadata"]["kitchen"]))
    print("ok - both sensors' dumplings at the eater host, natively and over WebSocket")

    def both_listed(p):
        ks = kitchens(p)
        return all("sensor-" + s in ks and
                   ks["sensor-" + s]["info_from_hub"]["host"] == net.addr(s) for s in ("s1", "s2"))
    p = wait_status(watcher, both_listed, 10, "SystemStatusChef listing both sensors")
    check(kitchens(p)["sensor-s1"]["info_from_kitchen"]["interface"] == "eth0", "interface")
    eaters = {e["info_from_eater"]["eater_name"]: e["info_from_hub"] for e in p["dumpling_eaters"]}
    check(eaters.get("mh-print", {}).get("host") == net.addr("eat"),
          "mh-print listed as %s" % eaters.get("mh-print"))
    print("ok - SystemStatusChef lists both kitchens (and the eater) from their own addresses: "
          "%s, %s" % (net.addr("s1"), net.addr("s2")))

    # Cut sensor 1's link: gone within the heartbeat timeout, sensor 2 goes on.
    cut = time.monotonic()
    net.link("s1", False)
    wait_status(watcher, lambda p: "sensor-s1" not in kitchens(p) and "sensor-s2" in kitchens(p),
                HB_TIMEOUT + 4, "sensor-s1 gone from the status, sensor-s2 still there")
    took = time.monotonic() - cut
    check(took <= HB_TIMEOUT + 1 + 2 * STATUS_FREQ, "sensor-s1 gone after %.1f s" % took)
    print("ok - sensor-s1 left the status %.1f s after its link went down" % took)
    mark = {s: set(v) for s, v in sent.items()}

    def s2_goes_on():
        make(("s2",))
        return (sent["s2"] - mark["s2"]) & lookups(lines(eater), "sensor-s2")
    ndtest.wait_for(s2_goes_on, 10, "sensor-s2's new lookups while sensor-s1 is cut off")
    print("ok - sensor-s2 goes on")

    # Restore: back by itself (TCP retransmission and ZeroMQ reconnection).
    net.link("s1", True)
    wait_status(watcher, lambda p: "sensor-s1" in kitchens(p) and "sensor-s2" in kitchens(p),
                30, "sensor-s1 back in the status")
    mark = {s: set(v) for s, v in sent.items()}
    ndtest.wait_for(both_arrived(eater, mark), 15, "both sensors' lookups after the restore")
    for p in list(sensors.values()) + [hub, gw]:
        check(p.running(), "%s kept running" % p.name)
    print("ok - sensor-s1 is back without a restart")

    for p in list(sensors.values()) + [gw, eater, watcher, hub]:
        check(p.stop() == 0, "%s did not exit 0 on SIGTERM:\n%s" % (p.name, p.stderr()[-2000:]))
    ws.stop()
    return 0


def test_federation(procs, net, bins):
    snifty, shifty, printer, _ = bins
    net.setup()
    for name, octet in (("central", 1), ("eat", 3), ("sitea", 21), ("siteb", 22), ("s1", 11),
                        ("s2", 12)):
        net.add(name, octet)
    central = start_in(procs, net, "central", "central", hub_args(shifty, "central"))
    central.wait_log(r"eaters \(XPUB\) on", 10)
    up = net.ep("central", 11347)
    sites = {}
    for site, name in (("sitea", "site-a"), ("siteb", "site-b")):
        sites[site] = start_in(procs, net, site, site, hub_args(shifty, name),
                               env={"ND_UPSTREAM": up})
        sites[site].wait_log(r"central hub at .* is listening", 10)
    out_ep = net.ep("central", 11349)
    eater = start_in(procs, net, "eat", "nd-print", [printer, "--json", "-n", "fed-print"],
                     env={"ND_HUB": out_ep})
    central.wait_log(r"eater fed-print connected", 10)
    sensors = {}
    for s, site in (("s1", "sitea"), ("s2", "siteb")):
        sensors[s] = start_in(procs, net, s, "nd-snifty-" + s, [snifty],
                              env=sensor_env(net, "sensor-" + s, site))
        sensors[s].wait_log(r"capturing on eth0", 10)
    sent = {"s1": set(), "s2": set()}
    n = [0]

    def both():
        n[0] += 1
        for s in ("s1", "s2"):
            q = "f%d.%s-%s.example" % (n[0], s, net.tag)
            traffic(net, s, q, net.addr("eat"))
            sent[s].add(q)
        ds = lines(eater)
        return all(sent[s] & lookups(ds, "sensor-" + s) for s in ("s1", "s2"))
    ndtest.wait_for(both, 20, "both sensors' lookups at the central hub's eater")
    print("ok - an eater on the central hub sees both sensors")

    def listed(p):
        ks = kitchens(p)
        for s, site, name in (("s1", "sitea", "site-a"), ("s2", "siteb", "site-b")):
            k = ks.get("sensor-" + s)
            if not k:
                return False
            h = k["info_from_hub"]
            if not (h["host"] == net.addr(site) and h["through_hub"] == name and
                    len(h["via"]) == 1 and
                    h["via"][0]["from"].rsplit(":", 1)[0] == net.urlhost(s) and
                    h["dumplings"] > 0):
                return False
        return True
    ds = lines(eater)
    wait_status(eater, listed, 10, "the central hub listing both sensors through their site hubs")
    check(all(d["metadata"]["kitchen"] != "site-a" for d in ds), "site hub status forwarded")
    print("ok - the central status lists sensor-s1 via site-a and sensor-s2 via site-b")

    # A loop: two hubs that are each other's upstream, with a kitchen on one.
    lx = start_in(procs, net, "sitea", "loop-x",
                  hub_args(shifty, "loop-x", "--in-port", "12347", "--out-port", "12349",
                           "--upstream", net.ep("siteb", 12347)))
    ly = start_in(procs, net, "siteb", "loop-y",
                  hub_args(shifty, "loop-y", "--in-port", "12347", "--out-port", "12349",
                           "--upstream", net.ep("sitea", 12347)))
    lx.wait_log(r"central hub at .* is listening", 10)
    ly.wait_log(r"central hub at .* is listening", 10)
    lxe = start_in(procs, net, "eat", "loop-print", [printer, "--json", "-n", "loop-print"],
                   env={"ND_HUB": net.ep("sitea", 12349)})
    lx.wait_log(r"eater loop-print connected", 10)
    lk = start_in(procs, net, "s1", "loop-kitchen", [snifty, "-n", "loopk", "-H",
                                                       net.ep("sitea", 12347)],
                  env={"ND_INTERFACE": "eth0"})
    lk.wait_log(r"capturing on eth0", 10)

    def refused(p):
        return p["federation_loops_dropped"] > 0 and "loopk" in kitchens(p)
    p = wait_status(lxe, refused, 15, "loop-x counting dropped loop messages",
                    tick=lambda: traffic(net, "s1", "loop.example", net.addr("eat")))
    lx.wait_log(r"links make a loop", 5)
    ks = kitchens(p)
    check(ks["loopk"]["info_from_hub"]["via"] == [], "loop-x lists loopk directly, not looped")
    seen = {}
    for d in lines(lxe):
        m = d["metadata"]
        if m["kitchen"] == "loopk":
            key = (m["chef"], m.get("sequence"), m.get("creation_time"))
            check(key not in seen, "loop-x's eater got a dumpling twice: %s" % (key,))
            seen[key] = True
    check(seen, "loop-x's eater got loopk's dumplings")
    print("ok - the loop is refused: %d message(s) dropped, no duplicates"
          % p["federation_loops_dropped"])
    for proc in [lk, lxe, lx, ly] + list(sensors.values()) + [eater] + list(sites.values()) + \
            [central]:
        check(proc.stop() == 0, "%s did not exit 0:\n%s" % (proc.name, proc.stderr()[-2000:]))
    return 0


def test(procs, argv):
    mode, bins = argv[0], argv[1:5]
    if os.geteuid() != 0:
        print("SKIP: network namespaces need root")
        return ndtest.SKIP
    need = {"sensors": ("arping", "node"), "sensors6": ("node", "nft"),
            "federation": ("arping",), "federation6": ("nft",)}
    for tool in ("ip", "dig", "ping") + need[mode]:
        if not shutil.which(tool):
            print("SKIP: %s is not installed" % tool)
            return ndtest.SKIP
    probe = "ndmhprobe%d" % (os.getpid() % 100000)
    if sh("ip", "link", "add", probe, "type", "bridge", ok=False).returncode != 0:
        print("SKIP: cannot create bridges here")
        return ndtest.SKIP
    sh("ip", "link", "del", probe, ok=False)
    net = Net(v6=mode.endswith("6"))
    try:
        return (test_federation if mode.startswith("federation") else test_sensors)(procs, net,
                                                                                     bins)
    finally:
        # The processes are killed by ndtest.main after it printed their logs.
        net.teardown()


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
