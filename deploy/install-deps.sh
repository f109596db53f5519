#!/usr/bin/env bash
# install-deps.sh: installs the Debian 12 packages netdumplings needs to build
# and run (and, with --test, to run its tests), skipping those already there.
set -euo pipefail

build=(build-essential cmake pkg-config libpcap-dev libzmq3-dev libczmq-dev libmsgpack-dev
       libjansson-dev libwebsockets-dev)
test=(libcmocka-dev python3 tshark tcpdump dnsutils arping iproute2 iputils-ping
      nodejs npm node-ws chromium valgrind docker-compose systemd help2man
      clang libclang-rt-14-dev clang-format)

want=("${build[@]}")
[ "${1:-}" = "--test" ] && want+=("${test[@]}")

missing=()
for p in "${want[@]}"; do
    # A machine may carry Node.js from elsewhere (with npm bundled): Debian's
    # nodejs/npm would conflict with it, and it does the job.
    case $p in nodejs) command -v node >/dev/null && continue ;; npm) command -v npm >/dev/null && continue ;; esac
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
