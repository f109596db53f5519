#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh BUILD_DIR SECONDS [TARGET...]: runs each libFuzzer target of an ND_FUZZ
# build for SECONDS, starting from seeds built from ../shared/pcaps and the kept
# regression cases. Corpora, logs and crash artifacts go under
# BUILD_DIR/fuzz/. Exits non-zero when any target crashed (or would not run).
#
#   CC=clang cmake -S . -B build-fuzz -DND_FUZZ=ON -DND_BUILD_TESTS=OFF
#   cmake --build build-fuzz -j2 && tests/fuzz/run.sh build-fuzz 60
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS [packet|dumpling|msgpack_json|client_parse|stream|reasm]..." >&2
    exit 2
fi
build=$(cd "$1" && pwd) || exit 2
seconds=$2
shift 2
targets=${*:-packet dumpling msgpack_json client_parse stream reasm}
here=$(cd "$(dirname "$0")" && pwd)
pcaps=${ND_PCAPS:-$here/../../../shared/pcaps}
bin=$build/tests/fuzz
out=$build/fuzz

mkdir -p "$out" || exit 1
rm -rf "$out/seeds"
# The corpus captures of corpus-seeds.txt join the seeds where the corpus is.
corpus=${ND_CORPUS:-$pcaps/../corpus/captures}
extra=$(grep -v '^#' "$here/corpus-seeds.txt" | while read -r f; do
    [ -f "$corpus/$f" ] && echo "$corpus/$f"; done)
# shellcheck disable=SC2086 # one capture path a word
if ! "$bin/nd-fuzz-seeds" "$out/seeds" "$pcaps" $extra; then
    echo "run.sh: could not build the seed corpus (from $pcaps)" >&2
    exit 1
fi

# Leaks are checked by libFuzzer itself (-detect_leaks, on by default).
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=""
for t in $targets; do
    if [ ! -x "$bin/fuzz_$t" ]; then
        echo "run.sh: $bin/fuzz_$t missing (configure with -DND_FUZZ=ON)" >&2
        failed="$failed $t"
        continue
    fi
    # New inputs go to the first folder only: the seeds and the kept cases
    # stay as they are.
    mkdir -p "$out/corpus/$t" "$out/artifacts/$t" "$out/seeds/$t"
    echo "run.sh: fuzz_$t for ${seconds}s (log: $out/$t.log)"
    "$bin/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$out/artifacts/$t/" \
        "$out/corpus/$t" "$out/seeds/$t" "$here/regressions/$t" >"$out/$t.log" 2>&1
    rc=$?
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "$out/$t.log" |
        sed "s/^/  /"
    if [ $rc -ne 0 ]; then
        echo "run.sh: fuzz_$t FAILED (exit $rc); artifacts:" >&2
        ls "$out/artifacts/$t" >&2
        tail -n 40 "$out/$t.log" >&2
        failed="$failed $t"
    fi
done
if [ -n "$failed" ]; then
    echo "run.sh: failed:$failed" >&2
    exit 1
fi
echo "run.sh: all targets ran ${seconds}s without a crash"
