#!/bin/sh
# replay.sh BINDIR PCAPS: the ctest fuzz.regressions: builds the seed corpus from
# the shared captures and replays it, and every kept crash input under
# regressions/<target>/, through each fuzz target's plain-main build.
set -eu
bin=$1
pcaps=$2
here=$(cd "$(dirname "$0")" && pwd)
seeds=$bin/seeds
rm -rf "$seeds"
"$bin/nd-fuzz-seeds" "$seeds" "$pcaps"
for t in packet dumpling msgpack_json client_parse; do
    "$bin/fuzz_$t" "$seeds/$t" "$here/regressions/$t"
done
