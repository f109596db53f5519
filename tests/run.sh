#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/run.sh: the one command that runs every test. It installs the packages
# the tests need (Debian 12, as root), then:
#   1. builds with warnings as errors and runs the whole ctest suite;
#   2. builds again under AddressSanitizer + UBSan and runs the suite again;
#   3. builds the libFuzzer targets with clang and runs each for a bounded time.
# Any failure, leak or crash fails the run. Extra arguments go to ctest
# (e.g. `tests/run.sh -R golden`).
#
#   --quick            step 1 only
#   ND_BUILD_DIR       build folder of step 1 (default: build-tests under the repo)
#   ND_FUZZ_SECONDS    seconds per fuzz target in step 3 (default 45)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ND_BUILD_DIR:-$root/build-tests}
quick=0
if [ "${1:-}" = "--quick" ]; then
    quick=1
    shift
fi

"$root/deploy/install-deps.sh" --test
# The deploy test (deploy.compose) runs the image on the local Docker engine:
# start it if it is installed but not running (CI starts it before the run).
if ! docker version >/dev/null 2>&1; then
    service docker start >/dev/null 2>&1 || true
    for _ in $(seq 30); do
        docker version >/dev/null 2>&1 && break
        sleep 1
    done
    docker version >/dev/null 2>&1 ||
        echo "run.sh: NO DOCKER ENGINE ANSWERS (dockerd not running?): deploy.compose will fail" >&2
fi

passed=0
failed=0
# Runs ctest on a build folder and adds its counts to the totals.
run_ctest() {
    local dir=$1
    shift
    local log=$dir/ctest-summary.log
    local rc=0
    ctest --test-dir "$dir" --output-on-failure --timeout 300 -j2 "$@" | tee "$log" || rc=$?
    local line
    line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1 || true)
    if [ -n "$line" ]; then
        local nfail total
        nfail=$(sed -E 's/.*passed, ([0-9]+) tests failed.*/\1/' <<<"$line")
        total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
        passed=$((passed + total - nfail))
        failed=$((failed + nfail))
    elif [ $rc -ne 0 ]; then
        failed=$((failed + 1))
    fi
    return $rc
}

status=0
echo "== 1. build (-Werror) and test" >&2
cmake -S "$root" -B "$build" -DND_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
run_ctest "$build" "$@" || status=1

if [ $quick -eq 0 ]; then
    echo "== 2. build and test under AddressSanitizer + UndefinedBehaviorSanitizer" >&2
    asan=$build-asan
    cmake -S "$root" -B "$asan" -DND_WERROR=ON -DND_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
    cmake --build "$asan" -j"$(nproc)"
    # Benchmarks measure nothing useful under ASan, and the deploy test
    # (label docker) runs the image's own Release build, and the corpus run
    # (label corpus) is the -Werror build's; the fuzz targets take its
    # captures as seeds. status.eater_loss (label noasan) has a known limit
    # under ASan's slowness (tests/status/CMakeLists.txt). Everything else runs.
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        run_ctest "$asan" -LE 'bench|docker|corpus|noasan' "$@" || status=1

    echo "== 3. fuzz each target for ${ND_FUZZ_SECONDS:-45} s" >&2
    fuzz=$build-fuzz
    CC=clang cmake -S "$root" -B "$fuzz" -DND_FUZZ=ON -DND_BUILD_TESTS=OFF -DND_WERROR=ON >/dev/null
    cmake --build "$fuzz" -j"$(nproc)"
    targets=$(ls "$fuzz"/tests/fuzz/ | sed -n 's/^fuzz_\([a-z_]*\)$/\1/p')
    for t in $targets; do
        if "$root/tests/fuzz/run.sh" "$fuzz" "${ND_FUZZ_SECONDS:-45}" "$t"; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
            status=1
        fi
    done
fi

echo "tests: $passed passed, $failed failed"
exit $status
