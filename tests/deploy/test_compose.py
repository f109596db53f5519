#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""deploy.compose: the image and the compose files, run for real on the local
Docker engine, as users deploy them.

deploy/base-image.sh makes debian:bookworm-slim when the engine lacks it, the
image is built from deploy/Dockerfile, and deploy/docker-compose.yml (hub +
gateway) comes up under this test's own project name with tests/deploy/
compose.test.yml's two sites; each site's sensor comes up from
deploy/docker-compose.sensor.yml as its own project, in its site host's
network namespace (ND_NETWORK_MODE=container:...). Then, with deadlines:

- a sensor started before its hub is reachable keeps capturing and says once
  that it waits; once the site hosts join the hub's network, every service
  is healthy;
- a WebSocket eater on the gateway's published port and nd-print --json on
  the hub's published out port get each site's DNS names under that site's
  kitchen name only; nd-hubdetails lists both sensors with their container
  addresses on the hub's network;
- docker kill the hub and start it: dumplings flow again within 5 s, no
  sensor or gateway restarted;
- docker network disconnect a site host: the hub forgets its sensor while the
  other keeps flowing; reconnect: it is listed and flowing again;
- docker restart the gateway: the page in Chromium reconnects;
- CURVE (docker-compose.curve.yml, keys from nd-keygen mounted read-only): a
  sensor whose key is allowed gets through, one whose key is not gets nothing;
- a sensor given a wrong interface exits 1 naming the interfaces it sees;
- docker-compose down -v leaves nothing of the test's projects (also on
  failure: every project is taken down in a finally and at exit).

No Docker engine: a failure that says so. Traffic stays between the test's
containers. usage: test_compose.py SOURCE_DIR ND_KEYGEN ND_PRINT ND_HUBDETAILS"""
import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "status"))
import ndtest  # noqa: E402
import statuslib  # noqa: E402
from ndtest import check, TestFailure  # noqa: E402

PROJECT = "nddeploy%d" % os.getpid()
UID = 11347  # the image's netdumplings user (deploy/Dockerfile)
T0 = time.monotonic()


def log(*a):
    print("[%5.1f s]" % (time.monotonic() - T0), *a, flush=True)


def ok(cond, what, detail=None):
    check(cond, what + ("" if detail is None else ": %r" % (detail,)))
    log("ok -", what)


def sh(args, timeout=120, check_rc=True, env=None, what=None):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout,
                       env=env)
    if check_rc and r.returncode != 0:
        raise TestFailure("%s failed (exit %d):\n%s%s" % (what or " ".join(map(str, args)),
                                                          r.returncode, r.stdout[-3000:],
                                                          r.stderr[-3000:]))
    return r


def clean_env(**kw):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("ND_") and not k.startswith("COMPOSE_")}
    e.update({k: str(v) for k, v in kw.items()})
    return e


class Compose:
    """One compose project: its files, its variables, and its take-down."""

    def __init__(self, src, name, files, **env):
        self.src, self.name, self.files = src, name, list(files)
        self.env = env

    def args(self):
        a = ["docker-compose", "--ansi", "never", "-p", self.name,
             "--project-directory", os.path.join(self.src, "deploy")]
        for f in self.files:
            a += ["-f", os.path.join(self.src, f)]
        return a

    def run(self, *args, timeout=300, check_rc=True):
        return sh(self.args() + list(args), timeout=timeout, check_rc=check_rc,
                  env=clean_env(**self.env), what="docker-compose -p %s %s" % (self.name,
                                                                             " ".join(args)))

    def cid(self, service):
        r = self.run("ps", "-q", service)
        ids = r.stdout.split()
        check(len(ids) == 1, "one container for %s/%s: %r" % (self.name, service, ids))
        return ids[0]

    def down(self):
        self.run("down", "-v", "--remove-orphans", "--timeout", "5", timeout=180, check_rc=False)


def inspect(cid, fmt):
    return sh(["docker", "inspect", "-f", fmt, cid]).stdout.strip()


def health(cid):
    return inspect(cid, "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}")


def leftovers(prefix):
    """Containers, networks and volumes of projects whose name starts with prefix."""
    out = []
    for kind in ("container", "network", "volume"):
        args = ["docker", kind, "ls", "-q", "--filter", "label=com.docker.compose.project"]
        if kind == "container":
            args = ["docker", "ps", "-a", "-q", "--filter", "label=com.docker.compose.project"]
        ids = sh(args).stdout.split()
        for i in ids:
            proj = sh(["docker", kind, "inspect", "-f",
                       '{{index .%sLabels "com.docker.compose.project"}}' %
                       ("Config." if kind == "container" else ""), i], check_rc=False).stdout.strip()
            if proj.startswith(prefix):
                out.append("%s %s (%s)" % (kind, i[:12], proj))
    return out


class Deploy:
    def __init__(self, procs, argv):
        self.procs = procs
        self.src, self.keygen, self.printer, self.hubdetails = argv
        self.work = tempfile.mkdtemp(prefix="nd-compose-")
        os.chmod(self.work, 0o755)
        self.ports = {"in": ndtest.free_port(), "out": ndtest.free_port(), "web": ndtest.free_port()}
        self.projects = []
        self.hub = self.project(PROJECT, ["deploy/docker-compose.yml",
                                          "tests/deploy/compose.test.yml"])

    def project(self, name, files, **env):
        env = dict(env)
        env.setdefault("ND_HUB_IN_PORT", "127.0.0.1:%d" % self.ports["in"])
        env.setdefault("ND_HUB_OUT_PORT", "127.0.0.1:%d" % self.ports["out"])
        env.setdefault("ND_WEB_PORT", "127.0.0.1:%d" % self.ports["web"])
        env.setdefault("ND_STATUS_FREQ", "1")
        p = Compose(self.src, name, files, **env)
        self.projects.append(p)
        return p

    def down_all(self):
        for p in reversed(self.projects):
            p.down()
        # What a project left that compose no longer knows of (e.g. after a crash).
        for what in leftovers(PROJECT):
            kind, ident = what.split()[:2]
            sh(["docker", kind, "rm", "-f", ident] if kind != "container"
               else ["docker", "rm", "-f", "-v", ident], check_rc=False)
        self.projects = []

    def sensor(self, site, host_cid, *extra_files, **env):
        e = {"ND_HUB": "tcp://hub:11347", "ND_INTERFACE": "eth0", "ND_KITCHEN_NAME": site,
             "ND_NETWORK_MODE": "container:" + host_cid}
        e.update(env)
        p = self.project("%s-%s" % (PROJECT, site),
                         ["deploy/docker-compose.sensor.yml"] + list(extra_files), **e)
        p.run("up", "-d", "--no-build")
        return p


def dns_names(dumplings, kitchen):
    return {d["payload"]["lookup"]["hostname"] for d in dumplings
            if d["metadata"]["chef"] == "DNSLookupChef" and d["metadata"]["kitchen"] == kitchen
            and isinstance(d.get("payload"), dict) and "lookup" in d["payload"]}


def qnum(name):
    m = re.match(r"^q(\d+)\.", name)
    return int(m.group(1)) if m else -1


def test(procs, argv):
    if len(argv) != 4:
        print(__doc__)
        return 2
    for tool in ("docker", "docker-compose"):
        check(shutil.which(tool), "%s is not installed (deploy/install-deps.sh --test)" % tool)
    r = sh(["docker", "version", "--format", "{{.Server.Version}}"], check_rc=False, timeout=30)
    check(r.returncode == 0 and r.stdout.strip(),
          "no Docker engine answers (docker version: %s): the deploy test needs a running "
          "dockerd (systemctl start docker)" % (r.stderr.strip() or r.stdout.strip()))
    log("Docker engine", r.stdout.strip())
    d = Deploy(procs, argv)
    atexit.register(d.down_all)  # also when a signal ends the test (ndtest.Procs)
    try:
        run(d)
    finally:
        d.down_all()
        shutil.rmtree(d.work, ignore_errors=True)
    left = leftovers(PROJECT)
    ok(not left, "docker-compose down -v left no container, network or volume", left)
    return 0


def run(d):
    src = d.src
    # The base image, then the image (Docker's cache makes both quick the second time).
    t = time.monotonic()
    sh([os.path.join(src, "deploy", "base-image.sh")], timeout=900, what="deploy/base-image.sh")
    log("base image ready in %.0f s" % (time.monotonic() - t))
    t = time.monotonic()
    # One image for every service: building it for the hub builds it for all.
    d.hub.run("build", "hub", timeout=1200)
    size = int(inspect("netdumplings:latest", "{{.Size}}"))
    log("image built in %.0f s: netdumplings:latest is %.0f MB" % (time.monotonic() - t, size / 1e6))
    # As in the compose files: nd-snifty's file capabilities need the two in
    # the container's bounding set (without them the kernel refuses to run it).
    r = sh(["docker", "run", "--rm", "--cap-drop", "ALL", "--cap-add", "NET_RAW", "--cap-add",
            "NET_ADMIN", "netdumplings:latest", "sh", "-c",
            "id -un; getcap /usr/bin/nd-snifty; for p in nd-snifty nd-shifty nd-gateway "
            "nd-print nd-hubstatus nd-hubdetails nd-keygen; do $p --version >/dev/null || "
            "echo BROKEN $p; done"])
    ok(r.stdout.split("\n")[0] == "netdumplings" and
       re.search(r"/usr/bin/nd-snifty cap_net_admin,cap_net_raw=ep", r.stdout) and
       "BROKEN" not in r.stdout,
       "the image runs as netdumplings; nd-snifty alone has file capabilities; every program runs",
       r.stdout)

    d.hub.run("up", "-d", "--no-build", "--scale", "sensor=0", timeout=300)
    hub, gw = d.hub.cid("hub"), d.hub.cid("gateway")
    hosts = {"site-a": d.hub.cid("site-a-host"), "site-b": d.hub.cid("site-b-host")}
    hubnet = "%s_default" % PROJECT

    # The sensors start while their hosts cannot reach the hub yet.
    sensors = {s: d.sensor(s, hosts[s]) for s in ("site-a", "site-b")}
    scid = {s: p.cid("sensor") for s, p in sensors.items()}

    def sensor_logs(s):
        return sensors[s].run("logs", "--no-color", "sensor").stdout

    for s in scid:
        ndtest.wait_for(lambda: "waiting for hub at tcp://hub:11347" in sensor_logs(s), 30,
                        "%s to say it waits for the hub" % s)
    ok(True, "a sensor whose hub is unreachable keeps running and says it waits")
    for s, c in hosts.items():
        sh(["docker", "network", "connect", hubnet, c])

    services = dict(hub=hub, gateway=gw, **{"sensor " + s: c for s, c in scid.items()})
    ndtest.wait_for(lambda: all(health(c) == "healthy" for c in services.values()), 180,
                    "every service healthy (%s)" % services)
    ok(True, "every service is healthy: %s" % ", ".join(sorted(services)))
    for s in scid:
        n = len(re.findall(r"waiting for hub", sensor_logs(s)))
        ok(n == 1, "%s said once that it waited for the hub" % s, n)

    # The gateway in the image serves the installed page.
    import urllib.request
    with urllib.request.urlopen("http://127.0.0.1:%d/" % d.ports["web"], timeout=10) as r:
        page = r.read().decode("utf-8", "replace")
    ok(r.status == 200 and 'id="conn-status"' in page, "the gateway serves the page", r.status)

    # Eaters: WebSocket on the gateway's published port, nd-print on the hub's.
    out = "tcp://127.0.0.1:%d" % d.ports["out"]
    printer = d.procs.start("nd-print", [d.printer, "-H", out, "--json", "-n", "deploy-test",
                                         "-c", "DNSLookupChef", "-c", "ARPChef"])
    ws = statuslib.start_ws_eater(d.procs, d.ports["web"], "ws_eater")

    def native():
        return printer.json_lines()

    def websocket():
        return statuslib.ws_dumplings(ws)

    def per_site(eater, s, after=0):
        return {n for n in dns_names(eater(), s) if qnum(n) > after}

    for name, eater in (("nd-print", native), ("WebSocket", websocket)):
        for s in scid:
            ndtest.wait_for(lambda: len(per_site(eater, s)) >= 3, 60,
                            "%s to get DNS names from %s" % (name, s))
            names = dns_names(eater(), s)
            ok(all(re.match(r"^q\d+\.%s\.test$" % s, n) for n in names),
               "%s gets %s's DNS names under kitchen %s only (%d names)" % (name, s, s, len(names)),
               sorted(names)[:5])
    arps = [dd for dd in native() if dd["metadata"]["chef"] == "ARPChef"]
    host_ip = {s: inspect(c, '{{(index .NetworkSettings.Networks "%s_site_%s").IPAddress}}'
                          % (PROJECT, s[-1])) for s, c in hosts.items()}
    arp_sites = {dd["metadata"]["kitchen"] for dd in arps
                 if host_ip[dd["metadata"]["kitchen"]] in (dd["payload"].get("src_ip"),
                                                           dd["payload"].get("dst_ip"))}
    log("ARP dumplings: %d, from %s" % (len(arps), sorted(arp_sites)))
    misplaced = [dd for dd in arps for s in host_ip if s != dd["metadata"]["kitchen"] and
                 host_ip[s] in (dd["payload"].get("src_ip"), dd["payload"].get("dst_ip"))]
    ok(not misplaced, "no ARP dumpling names another site's address", misplaced[:3])

    # nd-hubdetails: both sensors, at their site hosts' addresses on the hub's network.
    hub_ip = {s: inspect(c, '{{(index .NetworkSettings.Networks "%s").IPAddress}}' % hubnet)
              for s, c in hosts.items()}

    def kitchens():
        r = sh([d.hubdetails, "-H", out, "--json", "--timeout", "10"], check_rc=False, timeout=30)
        if r.returncode != 0:
            return {}
        p = json.loads(r.stdout)["payload"]
        return {k["info_from_kitchen"]["kitchen_name"]: k["info_from_hub"]["host"]
                for k in p["dumpling_kitchens"]}

    got = ndtest.wait_for(lambda: (lambda k: k if set(k) >= set(scid) else None)(kitchens()), 30,
                          "nd-hubdetails to list both sensors")
    ok(all(got[s] == hub_ip[s] for s in scid),
       "nd-hubdetails lists both sensors with their container addresses", (got, hub_ip))

    started = {c: inspect(c, "{{.State.StartedAt}}") for c in [gw] + list(scid.values())}

    # The hub killed and started again: dumplings flow within 5 s.
    last = {s: max(map(qnum, per_site(native, s))) for s in scid}
    hub_started = inspect(hub, "{{.State.StartedAt}}")
    sh(["docker", "kill", hub])
    ndtest.wait_for(lambda: inspect(hub, "{{.State.Running}}") == "false" or
                    inspect(hub, "{{.State.StartedAt}}") != hub_started, 30, "the hub to die")
    sh(["docker", "start", hub])
    t = time.monotonic()
    last = {s: max(map(qnum, per_site(native, s))) for s in scid}
    for s in scid:
        ndtest.wait_for(lambda: per_site(native, s, last[s]), 5 - (time.monotonic() - t),
                        "%s's dumplings after the hub restart" % s)
    ok(True, "docker kill + start the hub: both sites' dumplings flow again within 5 s "
       "(%.1f s)" % (time.monotonic() - t))
    wlast = {s: max(map(qnum, per_site(websocket, s)), default=0) for s in scid}
    for s in scid:
        ndtest.wait_for(lambda: per_site(websocket, s, wlast[s]), 20,
                        "%s's dumplings on the WebSocket after the hub restart" % s)
    ok(True, "and through the gateway to the WebSocket eater")
    now = {c: inspect(c, "{{.State.StartedAt}}") for c in started}
    ok(now == started, "no sensor or gateway was restarted")

    # A site cut off from the hub's network: expired there, the other flows.
    sh(["docker", "network", "disconnect", hubnet, hosts["site-b"]])
    ndtest.wait_for(lambda: "site-b" not in kitchens(), 30, "the hub to forget site-b")
    last = {s: max(map(qnum, per_site(native, s))) for s in scid}
    ndtest.wait_for(lambda: per_site(native, "site-a", last["site-a"]), 10, "site-a still flowing")
    ok(True, "network disconnect site-b: the hub forgets it, site-a keeps flowing")
    sh(["docker", "network", "connect", hubnet, hosts["site-b"]])
    ndtest.wait_for(lambda: "site-b" in kitchens(), 60, "site-b listed again")
    ndtest.wait_for(lambda: per_site(native, "site-b", last["site-b"]), 30, "site-b flowing again")
    ok(True, "network connect site-b: it is listed and flowing again, not restarted")
    now = {c: inspect(c, "{{.State.StartedAt}}") for c in started}
    check(now == started, "no sensor or gateway was restarted")

    # The gateway restarted: the page reconnects.
    gateway_restart(d, gw)

    # CURVE, then a wrong interface.
    curve(d, hosts, sensors, printer, hubnet)
    wrong_interface(d, hosts)


def gateway_restart(d, gw):
    import browser
    why = browser.missing()
    check(not why, "the browser part needs Debian's chromium, chromium-driver and "
          "python3-selenium (deploy/install-deps.sh --test): %s" % why)
    b = browser.Browser(d.work)
    try:
        b.get("http://127.0.0.1:%d/" % d.ports["web"])
        b.wait_js("document.getElementById('conn-status').textContent === 'live'", 20,
                  "the page to go live")
        b.wait_js("[...document.querySelectorAll('#dns-list li .hostname')]"
                  ".some(e => /\\.site-[ab]\\.test$/.test(e.textContent))", 20,
                  "a site's DNS name on the page")
        ok(True, "the page from the gateway container is live and shows the sites' DNS names")
        sh(["docker", "restart", "--time", "5", gw])
        b.wait_js("document.getElementById('conn-status').textContent !== 'live'", 20,
                  "the page to notice the gateway went")
        b.wait_js("document.getElementById('conn-status').textContent === 'live'", 30,
                  "the page to reconnect")
        ok(True, "docker restart the gateway: the page reconnects by itself")
        b.screenshot(os.path.join(d.work, "compose-page.png"))
    finally:
        b.quit()


def curve(d, hosts, sensors, printer, hubnet):
    """The hub host with docker-compose.curve.yml; site-a's key allowed, site-b's not."""
    keys = os.path.join(d.work, "keys")
    os.makedirs(os.path.join(keys, "allowed"))
    for name in ("hub", "gateway", "eater", "site-a", "site-b"):
        sh([d.keygen, "-d", keys, name])
    for name in ("hub", "gateway", "eater", "site-a"):
        shutil.copy(os.path.join(keys, name + ".key"), os.path.join(keys, "allowed"))
    sh(["chown", "-R", "%d:%d" % (UID, UID), keys])
    printer.stop()
    for p in sensors.values():
        p.down()
    d.hub.files.append("deploy/docker-compose.curve.yml")
    d.hub.env["ND_KEYS"] = keys
    d.hub.run("up", "-d", "--no-build", "--scale", "sensor=0", timeout=300)
    hub, gw = d.hub.cid("hub"), d.hub.cid("gateway")
    site_keys = {}
    for s in ("site-a", "site-b"):
        # Each sensor host's folder: the hub's public certificate and its own secret.
        k = os.path.join(d.work, "keys-" + s)
        os.makedirs(k)
        shutil.copy(os.path.join(keys, "hub.key"), k)
        shutil.copy(os.path.join(keys, s + ".key_secret"), os.path.join(k, "sensor.key_secret"))
        sh(["chown", "-R", "%d:%d" % (UID, UID), k])
        site_keys[s] = k
    cur = {s: d.sensor(s, hosts[s], "deploy/docker-compose.sensor.curve.yml",
                       ND_KEYS=site_keys[s]) for s in site_keys}
    ndtest.wait_for(lambda: health(hub) == "healthy" and health(gw) == "healthy", 120,
                    "hub and gateway healthy with CURVE")
    ok(True, "with CURVE: hub (its health check a CURVE client) and gateway are healthy")
    env = dict(os.environ, ND_CURVE_SERVER_KEY=os.path.join(keys, "hub.key"),
               ND_CURVE_SECRET=os.path.join(keys, "eater.key_secret"))
    out = "tcp://127.0.0.1:%d" % d.ports["out"]
    eater = d.procs.start("nd-print-curve", [d.printer, "-H", out, "--json", "-c", "DNSLookupChef"],
                          env=env)
    ndtest.wait_for(lambda: dns_names(eater.json_lines(), "site-a"), 60,
                    "site-a's DNS names through CURVE")
    ok(True, "CURVE: the allowed sensor (site-a) gets through to an allowed eater")
    r = sh([d.hubdetails, "-H", out, "--json", "--timeout", "10"], env=env)
    status = json.loads(r.stdout)["payload"]
    listed = sorted(k["info_from_kitchen"]["kitchen_name"] for k in status["dumpling_kitchens"])
    logs = d.hub.run("logs", "--no-color", "hub").stdout
    ok(listed == ["site-a"] and not dns_names(eater.json_lines(), "site-b") and
       re.search(r"refused an unauthorized kitchen connection from %s" %
                 re.escape(inspect(hosts["site-b"], '{{(index .NetworkSettings.Networks "%s")'
                                   '.IPAddress}}' % hubnet)), logs),
       "CURVE: the sensor whose key is not allowed (site-b) gets nothing through, and the hub "
       "says whom it refused", (listed, logs[-1500:]))
    health_b = cur["site-b"].cid("sensor")
    log("site-b sensor (refused) health:", health(health_b))
    eater.stop()
    for p in cur.values():
        p.down()


def wrong_interface(d, hosts):
    p = d.sensor("site-a", hosts["site-a"], ND_INTERFACE="nosuch0", ND_KITCHEN_NAME="wrong")
    c = p.cid("sensor")

    def failed():
        logs = p.run("logs", "--no-color", "sensor").stdout
        m = re.search(r"no such interface 'nosuch0'; available: ([^\n]*)", logs)
        return m and inspect(c, "{{.State.ExitCode}}") == "1" and m.group(1)
    seen = ndtest.wait_for(failed, 60, "the sensor to exit 1 naming the interfaces")
    ok("eth0" in seen, "a wrong interface: exit 1, and the log names the interfaces it sees (%s)"
       % seen.strip())
    n = int(inspect(c, "{{.RestartCount}}"))
    log("restarted %d time(s) so far, with Docker's growing delay" % n)
    p.down()


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
