#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""deploy.validate: the deployment files are valid. Both compose files pass
`docker-compose config` (Debian's docker-compose needs no Docker engine); the
sensor's refuses to start without ND_HUB. The systemd units pass
`systemd-analyze verify` against this build really installed into a temporary
root (a copy of each unit with ExecStart pointing into it; any warning fails),
and keep their hardening. The Dockerfile's packages exist in Debian and it
builds with deploy/install-deps.sh (checked as text here; deploy.compose
builds and runs it). The CURVE overrides mount the keys read-only.

usage: test_validate.py SOURCE_DIR BUILD_DIR"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402


def clean_env(**kw):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("ND_") and not k.startswith("COMPOSE_")}
    e.update(kw)
    return e


def compose(deploy, name, *args, **env):
    return ndtest.run(["docker-compose", "--project-directory", deploy, "-f",
                       os.path.join(deploy, name)] + list(args), timeout=60,
                      env=clean_env(**env))


def test_compose(deploy):
    r = compose(deploy, "docker-compose.yml", "config")
    check(r.returncode == 0, "docker-compose.yml: %s" % r.stderr)
    r = compose(deploy, "docker-compose.yml", "config", "--services")
    check(sorted(r.stdout.split()) == ["gateway", "hub", "sensor"], "services: %s" % r.stdout)
    r = compose(deploy, "docker-compose.yml", "config", ND_INTERFACE="ens3")
    check("ND_INTERFACE: ens3" in r.stdout, "ND_INTERFACE reaches the sensor")
    for want in ("network_mode: host", "- NET_RAW", "- NET_ADMIN", "condition: service_healthy",
                 "/healthz", "restart: unless-stopped", "user: netdumplings",
                 "read_only: true"):
        check(want in r.stdout, "docker-compose.yml has %r" % want)
    print("ok - docker-compose.yml")

    r = compose(deploy, "docker-compose.sensor.yml", "config")
    check(r.returncode != 0 and "ND_HUB" in r.stderr, "the sensor compose needs ND_HUB")
    r = compose(deploy, "docker-compose.sensor.yml", "config",
                ND_HUB="tcp://hub.example.net:11347", ND_KITCHEN_NAME="s7")
    check(r.returncode == 0, "docker-compose.sensor.yml: %s" % r.stderr)
    for want in ("ND_HUB: tcp://hub.example.net:11347", "ND_KITCHEN_NAME: s7",
                 "network_mode: host", "- NET_RAW", "user: netdumplings", "healthcheck:",
                 "restart: unless-stopped"):
        check(want in r.stdout, "docker-compose.sensor.yml has %r" % want)
    print("ok - docker-compose.sensor.yml")

    # CURVE: the overrides need ND_KEYS, and mount it read-only where the
    # ND_CURVE_* variables point.
    r = compose(deploy, "docker-compose.yml", "-f", os.path.join(deploy, "docker-compose.curve.yml"),
                "config")
    check(r.returncode != 0 and "ND_KEYS" in r.stderr, "the CURVE override needs ND_KEYS")
    r = compose(deploy, "docker-compose.yml", "-f", os.path.join(deploy, "docker-compose.curve.yml"),
                "config", ND_KEYS="/srv/nd-keys")
    check(r.returncode == 0, "docker-compose.curve.yml: %s" % r.stderr)
    check(r.stdout.count("/srv/nd-keys:/etc/netdumplings:ro") == 3, "keys mounted read-only x3")
    for want in ("ND_CURVE_ALLOW: /etc/netdumplings/allowed",
                 "ND_CURVE_SECRET: /etc/netdumplings/hub.key_secret",
                 "ND_CURVE_SECRET: /etc/netdumplings/gateway.key_secret",
                 "ND_CURVE_SECRET: /etc/netdumplings/sensor.key_secret",
                 "ND_CURVE_SERVER_KEY=/etc/netdumplings/hub.key"):
        check(want in r.stdout, "docker-compose.curve.yml has %r" % want)
    r = compose(deploy, "docker-compose.sensor.yml", "-f",
                os.path.join(deploy, "docker-compose.sensor.curve.yml"), "config",
                ND_HUB="tcp://hub.example.net:11347", ND_KEYS="/srv/nd-keys")
    check(r.returncode == 0 and "/srv/nd-keys:/etc/netdumplings:ro" in r.stdout and
          "ND_CURVE_SERVER_KEY: /etc/netdumplings/hub.key" in r.stdout,
          "docker-compose.sensor.curve.yml: %s%s" % (r.stdout, r.stderr))
    print("ok - docker-compose.curve.yml, docker-compose.sensor.curve.yml")


def test_units(deploy, build, tmp):
    root = os.path.join(tmp, "root")
    r = ndtest.run(["cmake", "--install", build, "--prefix", "/usr"], timeout=120,
                   env=clean_env(DESTDIR=root))
    check(r.returncode == 0, "cmake --install: %s" % r.stderr)
    units = os.path.join(tmp, "units")
    os.mkdir(units)
    src = os.path.join(deploy, "systemd")
    for name in sorted(os.listdir(src)):
        text = open(os.path.join(src, name)).read()
        for exe in re.findall(r"^ExecStart=(\S+)", text, re.M):
            check(exe.startswith("/usr/bin/"), "%s: ExecStart %s" % (name, exe))
            check(os.access(root + exe, os.X_OK), "%s: %s is installed" % (name, exe))
        with open(os.path.join(units, name), "w") as f:
            f.write(text.replace("ExecStart=/usr/bin/", "ExecStart=%s/usr/bin/" % root))
        # Every unit: hardened, restarted on failure.
        for want in ("DynamicUser=yes", "NoNewPrivileges=yes", "ProtectSystem=strict",
                     "Restart=on-failure", "EnvironmentFile=-/etc/default/netdumplings"):
            check(want in text, "%s has %s" % (name, want))
        caps = re.findall(r"^AmbientCapabilities=(.*)$", text, re.M)
        if name.startswith("nd-snifty@"):
            check(caps == ["CAP_NET_RAW CAP_NET_ADMIN"], "%s: capture capabilities only" % name)
        else:
            check(not caps and "CapabilityBoundingSet=\n" in text, "%s: no capabilities" % name)
    os.symlink("nd-snifty@.service", os.path.join(units, "nd-snifty@eth0.service"))
    names = ["nd-shifty.service", "nd-gateway.service", "nd-snifty@eth0.service"]
    r = ndtest.run(["systemd-analyze", "verify"] + [os.path.join(units, n) for n in names],
                   timeout=60, cwd=units)
    check(r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(),
          "systemd-analyze verify (exit %d):\n%s%s" % (r.returncode, r.stdout, r.stderr))
    # And the installed programs run (the ExecStart lines are real).
    for exe in ("nd-shifty", "nd-gateway", "nd-snifty"):
        r = ndtest.run([os.path.join(root, "usr/bin", exe), "--version"])
        check(r.returncode == 0, "installed %s --version: %s" % (exe, r.stderr))
    print("ok - systemd units verified against the installed build")


def test_dockerfile(deploy):
    text = open(os.path.join(deploy, "Dockerfile")).read()
    froms = re.findall(r"^FROM (\S+)", text, re.M)
    check(len(froms) == 2 and all(f == "debian:bookworm-slim" for f in froms),
          "multi-stage on debian:bookworm-slim: %s" % froms)
    check(re.search(r"^RUN /src/deploy/install-deps.sh$", text, re.M), "built with install-deps.sh")
    check(re.search(r"^USER netdumplings$", text, re.M), "runs as netdumplings")
    check(re.findall(r"setcap (\S+) (\S+)", text) ==
          [("cap_net_raw,cap_net_admin+ep", "/usr/bin/nd-snifty")],
          "capabilities for nd-snifty only")
    m = re.search(r"apt-get install[^\n]*?--no-install-recommends((?:\\\n|[^\n])*)", text)
    words = m.group(1).replace("\\\n", " ").split("&&")[0].split() if m else []
    pkgs = [p for p in words if re.match(r"^[a-z0-9][a-z0-9.+-]+$", p)]
    check(len(pkgs) >= 6, "runtime packages: %s" % pkgs)
    for p in pkgs:
        r = ndtest.run(["apt-cache", "show", "--no-all-versions", p])
        check(r.returncode == 0 and r.stdout.strip(), "Debian has %s" % p)
    r = ndtest.run(["bash", "-n", os.path.join(deploy, "install-deps.sh")])
    check(r.returncode == 0, "install-deps.sh parses: %s" % r.stderr)
    print("ok - Dockerfile")


def test(procs, argv):
    source, build = argv
    deploy = os.path.join(source, "deploy")
    for tool in ("docker-compose", "systemd-analyze", "apt-cache"):
        if not shutil.which(tool):
            print("SKIP: %s is not installed (deploy/install-deps.sh --test)" % tool)
            return ndtest.SKIP
    tmp = tempfile.mkdtemp(prefix="nd-deploy-")
    try:
        test_compose(deploy)
        test_units(deploy, build, tmp)
        test_dockerfile(deploy)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
