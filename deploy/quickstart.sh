#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# quickstart.sh: the one command that runs netdumplings on this host. It
# installs what is missing (Debian 12), builds, starts the hub, the gateway and
# a kitchen sniffing this host's default interface, and shows the dumplings
# with nd-print until you press Ctrl-C; then it stops everything it started.
#
#   ND_INTERFACE   interface to sniff (default: the one with the default route)
#   ND_FILTER      BPF filter (default: "tcp or udp or arp or icmp or icmp6")
#   ND_BUILD_DIR   build folder (default: build under the repo)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ND_BUILD_DIR:-$root/build}

if [ "$(id -u)" -ne 0 ]; then
    echo "quickstart: live capture needs root (or CAP_NET_RAW on nd-snifty), and installing" >&2
    echo "quickstart: packages needs root: run it as  sudo $0" >&2
    exit 1
fi

"$root/deploy/install-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DND_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

iface=${ND_INTERFACE:-$(ip route show default 2>/dev/null | awk '/default/ {print $5; exit}')}
iface=${iface:-any}
filter=${ND_FILTER:-tcp or udp or arp or icmp or icmp6}

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# One host: the hub listens on loopback only (see docs/security.md for several):
# every address of localhost, so that the programs' default tcp://localhost:...
# reaches it whether localhost is 127.0.0.1, ::1 or both.
"$build/shifty/nd-shifty" -a localhost & pids+=($!)
if [ -x "$build/gateway/nd-gateway" ]; then
    "$build/gateway/nd-gateway" --web-root "$root/eaters/web" & pids+=($!)
    echo "quickstart: the live page is at http://localhost:11348/" >&2
fi
"$build/snifty/nd-snifty" -i "$iface" -f "$filter" & pids+=($!)
echo "quickstart: sniffing $iface with filter '$filter'; Ctrl-C stops everything" >&2
"$build/eaters/print/nd-print" || true
