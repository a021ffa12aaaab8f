#!/usr/bin/env bash
# Builds probestore and runs it on the bundled sample: writes a small probe
# results file with the library, then shows it with `inspect` and `cat`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
out=${1:-build/sample.parquet}
./build/examples/write_sample "$out"
./build/probestore inspect "$out"
./build/probestore cat "$out" --limit 5
