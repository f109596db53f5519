#!/bin/sh
# SPDX-License-Identifier: MIT
# replay.sh BINDIR PCAPS: the ctest fuzz.regressions: builds the seed corpus from
# the shared captures and replays it, and every kept crash input under
# regressions/<target>/, through each fuzz target's plain-main build.
set -eu
bin=$1
pcaps=$2
here=$(cd "$(dirname "$0")" && pwd)
seeds=$bin/seeds
rm -rf "$seeds"
# The corpus captures of corpus-seeds.txt join the seeds where the corpus is.
corpus=$pcaps/../corpus/captures
extra=$(grep -v '^#' "$here/corpus-seeds.txt" | while read -r f; do
    [ -f "$corpus/$f" ] && echo "$corpus/$f"; done)
# shellcheck disable=SC2086 # one capture path a word
"$bin/nd-fuzz-seeds" "$seeds" "$pcaps" $extra
for t in packet dumpling msgpack_json client_parse; do
    "$bin/fuzz_$t" "$seeds/$t" "$here/regressions/$t"
done
# The stream and reasm targets' seeds are hand-made segment sequences, kept
# with their cases.
"$bin/fuzz_stream" "$here/regressions/stream"
"$bin/fuzz_reasm" "$here/regressions/reasm"
