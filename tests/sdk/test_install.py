#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""sdk.install: the SDK as a user gets it. `cmake --install` the build into a
temporary prefix; build chefs/examples/hello_chef.c and
eaters/examples/hello_eater.c out of tree with nothing but
`pkg-config --cflags --libs netdumplings` (PKG_CONFIG_PATH into the prefix),
and the chef again with CMake's find_package(netdumplings); compile every
installed header on its own (none declares a dissector); load the chef
into the installed nd-snifty and check its dumplings against tshark; then run
the eater end to end: installed nd-shifty, installed nd-snifty -r with the
plugin, hello_eater printing what the hub delivers.

usage: test_install.py BUILD_DIR SOURCE_DIR PCAPS_DIR"""
import json
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402

CAPTURE = "ndpi-http_ipv6.pcap"  # six TCP connections opened, over IPv6


def sh(cmd, cwd, env, what, timeout=120):
    r = ndtest.run(["sh", "-c", cmd], cwd=cwd, env=env, timeout=timeout)
    check(r.returncode == 0, "%s failed (%d): %s\n%s%s" % (what, r.returncode, cmd, r.stdout,
                                                          r.stderr))
    return r


def test(procs, argv):
    build, source, pcaps = argv
    capture = os.path.join(pcaps, CAPTURE)
    prefix = os.path.join(procs.dir, "prefix")
    work = os.path.join(procs.dir, "work")
    os.makedirs(work)

    # 1. Install.
    r = ndtest.run(["cmake", "--install", build, "--prefix", prefix], timeout=120)
    check(r.returncode == 0, "cmake --install failed: %s%s" % (r.stdout, r.stderr))
    libdir = next(d for d in ("lib", "lib64", "lib/x86_64-linux-gnu")
                  if os.path.exists(os.path.join(prefix, d, "pkgconfig", "netdumplings.pc")))
    for path in ["include/netdumplings/chef.h", "include/netdumplings/eater.h",
                 "include/netdumplings/chef_module.h", "include/netdumplings/app.h",
                 libdir + "/libnetdumplings.so", libdir + "/libnetdumplings.a",
                 libdir + "/cmake/netdumplings/netdumplingsConfig.cmake",
                 "bin/nd-snifty", "bin/nd-shifty", "bin/nd-print"]:
        check(os.path.exists(os.path.join(prefix, path)), "not installed: " + path)
    if shutil.which("help2man"):
        check(os.path.exists(os.path.join(prefix, "share/man/man1/nd-snifty.1")),
              "help2man is there but no man page was installed")
    if os.path.exists(os.path.join(build, "gateway")):
        check(os.path.exists(os.path.join(prefix, "share/netdumplings/web/index.html")),
              "the web eater page was not installed")

    # 2. Build the examples out of tree with pkg-config only (nothing from
    # the source or build tree: copies of the two files).
    shutil.copy(os.path.join(source, "chefs/examples/hello_chef.c"), work)
    shutil.copy(os.path.join(source, "eaters/examples/hello_eater.c"), work)
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, libdir, "pkgconfig"))
    cc = os.environ.get("CC", "cc")
    # A sanitizer build installs an instrumented library: whatever links it
    # must be built with the same runtime (ASan must come first).
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        if "ND_SANITIZE:BOOL=ON" in f.read():
            cc += " -fsanitize=address,undefined"
    sh(cc + " -shared -fPIC -o hello_chef.so hello_chef.c"
       " $(pkg-config --cflags --libs netdumplings)", work, env, "building hello_chef.so")
    sh(cc + " -o hello_eater hello_eater.c $(pkg-config --cflags --libs netdumplings)",
       work, env, "building hello_eater")

    # Every installed header compiles on its own, and none declares the
    # dissectors (common/proto/proto.h, internal).
    incdir = os.path.join(prefix, "include", "netdumplings")
    headers = sorted(h for h in os.listdir(incdir) if h.endswith(".h"))
    check("packet.h" in headers and "app.h" in headers, "headers installed: %s" % headers)
    for h in headers:
        with open(os.path.join(incdir, h)) as f:
            check(not re.search(r"\bnd_dissect_\w+\s*\(", f.read()),
                  "installed %s declares nd_dissect_*()" % h)
        with open(os.path.join(work, "alone.c"), "w") as f:
            f.write("#include <netdumplings/%s>\n" % h)
        sh(cc + " -std=c11 -Wall -Wextra -Werror -fsyntax-only alone.c"
           " $(pkg-config --cflags netdumplings)", work, env, "compiling %s alone" % h)

    # ... and with CMake's package config.
    cm = os.path.join(procs.dir, "cmake-example")
    os.makedirs(cm)
    shutil.copy(os.path.join(source, "chefs/examples/hello_chef.c"), cm)
    with open(os.path.join(cm, "CMakeLists.txt"), "w") as f:
        f.write("cmake_minimum_required(VERSION 3.20)\nproject(hello C)\n"
                "find_package(netdumplings REQUIRED)\n"
                "add_library(hello_chef MODULE hello_chef.c)\n"
                "target_link_libraries(hello_chef PRIVATE netdumplings::netdumplings)\n"
                "set_target_properties(hello_chef PROPERTIES PREFIX \"\")\n")
    flags = cc.partition(" ")[2]
    sh("cmake -S . -B b -DCMAKE_PREFIX_PATH=%s -DCMAKE_C_FLAGS='%s' -DCMAKE_MODULE_LINKER_FLAGS="
       "'%s' >/dev/null && cmake --build b" % (prefix, flags, flags),
       cm, env, "building hello_chef with find_package(netdumplings)", timeout=180)
    check(os.path.exists(os.path.join(cm, "b", "hello_chef.so")), "CMake built no hello_chef.so")

    # 3. The installed nd-snifty loads the plugin; its dumplings against tshark.
    snifty = os.path.join(prefix, "bin", "nd-snifty")
    r = ndtest.run([snifty, "-r", capture, "--stdout", "--chef-module", "./hello_chef.so",
                    "-c", "HelloChef", "--chef-opt", "HelloChef:greeting=hi"], cwd=work)
    check(r.returncode == 0, "nd-snifty with hello_chef.so exited %d: %s" %
          (r.returncode, r.stderr))
    got = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    syns = ndtest.tshark_fields(capture, "tcp.flags.syn==1 && tcp.flags.ack==0",
                                ["ipv6.src", "ipv6.dst", "tcp.dstport"])
    check(len(syns) > 0, "tshark sees no SYN in " + CAPTURE)
    want = [{"greeting": "hi", "client": s, "server": d, "server_port": int(p)}
            for s, d, p in syns]
    have = [d["payload"] for d in got if d["metadata"]["driver"] == "packet"]
    check(have == want, "HelloChef packet dumplings:\n got  %s\n want %s" % (have, want))
    check(all(d["metadata"]["chef"] == "HelloChef" for d in got), "other chefs cooked")
    last = [d["payload"] for d in got if d["metadata"]["driver"] == "interval"][-1]
    check(last == {"connections_greeted": len(syns)}, "last interval payload: %s" % last)
    r = ndtest.run([snifty, "--chef-module", "./hello_chef.so", "--chef-list"], cwd=work)
    check(r.returncode == 0 and "HelloChef" in r.stdout and "hello_chef.so" in r.stdout,
          "--chef-list with the module: %d %s %s" % (r.returncode, r.stdout, r.stderr))

    # 4. The eater end to end through the installed hub.
    pin, pout = ndtest.free_port(), ndtest.free_port()
    hub = procs.start("nd-shifty", [os.path.join(prefix, "bin", "nd-shifty"), "--in-port", pin,
                                    "--out-port", pout, "-a", "127.0.0.1"])
    hub.wait_log(r"eaters \(XPUB\) on", 10)
    total = len(got)
    eater = procs.start("hello_eater", [os.path.join(work, "hello_eater"), "--hub",
                                        "tcp://127.0.0.1:%d" % pout, "--count", total,
                                        "HelloChef"],
                        env=dict(os.environ, LD_LIBRARY_PATH=os.path.join(prefix, libdir)))
    hub.wait_log(r"eater hello_eater connected", 15)
    kitchen = procs.start("nd-snifty", [snifty, "-r", capture, "-n", "sdk", "-H",
                                        "tcp://127.0.0.1:%d" % pin, "--chef-module",
                                        "./hello_chef.so", "-c", "HelloChef",
                                        "--chef-opt", "HelloChef:greeting=hi"], cwd=work)
    check(kitchen.wait(60) == 0, "nd-snifty -r to the hub failed: " + kitchen.stderr())
    check(eater.wait(60) == 0, "hello_eater did not get its %d dumplings: %s" %
          (total, eater.stderr()))
    lines = [line for line in eater.stdout().splitlines() if line.strip()]
    want_lines = ["HelloChef from sdk (%s): %s" % (d["metadata"]["driver"],
                                                   json.dumps(d["payload"],
                                                              separators=(",", ":")))
                  for d in got]
    check(lines == want_lines, "hello_eater printed:\n%s\nwant:\n%s" %
          ("\n".join(lines), "\n".join(want_lines)))
    check(hub.stop() == 0, "nd-shifty did not exit cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
