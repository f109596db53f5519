#!/usr/bin/env bash
# tests/run.sh: the one command that runs every test. It installs the packages
# the tests need (Debian 12, as root), builds with warnings as errors, and runs
# ctest. Extra arguments go to ctest (e.g. `tests/run.sh -R golden`).
#
#   ND_BUILD_DIR   build folder (default: build-tests under the repo)
#   ND_SANITIZE=1  build and run under AddressSanitizer + UBSan
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ND_BUILD_DIR:-$root/build-tests}

"$root/deploy/install-deps.sh" --test
"$root/tests/lib/install-node-deps.sh" "$build/node"

cmake -S "$root" -B "$build" -DND_WERROR=ON -DND_SANITIZE="${ND_SANITIZE:-0}" \
      -DND_NODE_MODULES="$build/node/node_modules" >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure --timeout 300 -j2 "$@"
