#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# install-deps.sh: installs the Debian 12 packages netdumplings needs to build
# and run (and, with --test, to run its tests), skipping those already there.
set -euo pipefail

build=(build-essential cmake pkg-config libpcap-dev libzmq3-dev libczmq-dev libmsgpack-dev
       libjansson-dev libwebsockets-dev libssl-dev)
# What the programs use at run time besides their libraries: the live page's
# charts are Debian's Chart.js, which nd-gateway serves from /usr/share/javascript.
runtime=(libjs-chart.js)
# The browser tests drive Debian's chromium through chromium-driver and
# python3-selenium; the WebSocket tests use Debian's node-ws. No npm.
test=(libcmocka-dev python3 python3-websocket tshark tcpdump dnsutils arping iproute2 iputils-ping nftables tcpreplay
      nodejs node-ws chromium chromium-driver python3-selenium valgrind
      docker.io docker-compose debootstrap systemd help2man
      clang libclang-rt-14-dev clang-format)

want=("${build[@]}" "${runtime[@]}")
[ "${1:-}" = "--test" ] && want+=("${test[@]}")

missing=()
for p in "${want[@]}"; do
    # A machine may carry Node.js from elsewhere: Debian's nodejs would
    # conflict with it, and it does the job.
    # Likewise Docker's own docker-ce for Debian's docker.io.
    case $p in
        nodejs) command -v node >/dev/null && continue ;;
        docker.io) command -v dockerd >/dev/null && continue ;;
    esac
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}" >&2
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps: these packages are missing and installing them needs root (sudo $0 $*)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
