#!/usr/bin/env bash
# install-node-deps.sh DIR: installs the npm packages the browser test needs
# (playwright-core only: it drives Debian's /usr/bin/chromium, no browser download).
set -euo pipefail
dir=$1
if [ ! -d "$dir/node_modules/playwright-core" ]; then
    mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" playwright-core >/dev/null
fi
