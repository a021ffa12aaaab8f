#!/usr/bin/env bash
# The whole test suite: warnings as errors with gcc, then every test again
# with clang under AddressSanitizer and UndefinedBehaviorSanitizer, then
# every fuzz harness for a short run on its committed seeds, then the quick
# benchmark run against DuckDB and Polars.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
# the suite's own needs too: Ceph for the S3 tests, chromium for the report's
PROBESTORE_TEST_DEPS=1 bash scripts/install-deps.sh
jobs=$(nproc)
# In CI the S3 client's test must find Ceph (installed by install-deps.sh
# there) and run against it; elsewhere it skips when Ceph is missing.
export PROBESTORE_REQUIRE_CEPH=${CI:+1}

echo "== build (gcc, -Werror)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc -DPROBESTORE_WERROR=ON >/dev/null
cmake --build build -j "$jobs" 2>&1 | grep -v '^\[' || true
cmake --build build -j "$jobs" >/dev/null
echo "== tests"
PROBESTORE_REQUIRE_INTEROP=${CI:+1} ctest --test-dir build --output-on-failure -j "$jobs"

echo "== build (clang, -Werror, ASan + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DPROBESTORE_WERROR=ON \
  -DPROBESTORE_SANITIZE=address,undefined >/dev/null
cmake --build build-asan -j "$jobs" >/dev/null
echo "== tests under sanitizers"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -E '^(interop|install)$'

echo "== fuzz harnesses (libFuzzer, ${FUZZ_SECONDS:-15} s each on the committed seeds)"
bash scripts/fuzz.sh check "${FUZZ_SECONDS:-15}"

# The quick benchmark run: it must run and print its table; a missed
# performance target is reported in the table, it does not fail the suite.
echo "== benchmarks (scripts/bench.sh --quick)"
bash scripts/bench.sh --quick
