#!/usr/bin/env bash
# Builds probestore and runs it on the bundled httpx sample
# (examples/httpx-sample.jsonl: two scans, a week apart, of three hosts of two domains):
# ingests the first scan, then the second, each with its scan time; queries
# the latest results; shows what changed between the scans (new, old and
# changed URLs: /admin goes from 403 Forbidden to 401 Admin - Sign in) and the
# target's timeline; then inspects
# and prints one of the scan files written; stores two versions of a
# monitored file (examples/monitored/) and writes the HTML report.
#
#   bash scripts/demo.sh [DATA_DIR]     (default: build/demo-data, emptied first)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
data=${1:-build/demo-data}
[ $# -ge 1 ] || rm -rf "$data"
probestore() { ./build/probestore --data "$data" "$@"; }
sample=examples/httpx-sample.jsonl

echo "== ingest the scan of March 1"
grep '"timestamp":"2025-03-01' "$sample" | probestore ingest --scan-time 2025-03-01T09:00:00Z
echo
echo "== ingest the scan of March 8"
grep '"timestamp":"2025-03-08' "$sample" | probestore ingest --scan-time 2025-03-08T09:00:00Z
echo
echo "== query: the latest scan's 2xx results"
probestore query --status 2xx --format table
echo
echo "== diff: what changed between the two scans"
probestore diff --format table
echo
echo "== diff --changes: the URLs of both scans whose status, title, technologies ... changed"
probestore diff --changes --target example.com --format table
echo
echo "== timeline: per scan, records and new, existing, old and changed URLs"
probestore timeline --target example.com --format table
echo
file=$data/probe_results/example.com_443/scan_20250308_090000.parquet
echo "== inspect and cat: $file"
./build/probestore inspect "$file"
./build/probestore cat "$file" --columns original_url,status_code,diff_status,changed_fields,first_seen_timestamp --limit 5
echo
echo "== history: a monitored file fetched on March 1 and March 8, an API document on March 8"
probestore history add --url https://shop.example.com/static/app.js --file examples/monitored/app-v1.js --time 2025-03-01T09:05:00Z
probestore history add --url https://shop.example.com/static/app.js --file examples/monitored/app-v2.js --time 2025-03-08T09:05:00Z
probestore history add --url https://api.example.com/openapi.json --file examples/monitored/openapi.json --time 2025-03-08T09:06:00Z
echo
report=${data%/}-report.html
probestore report -o "$report"
echo "== report: open $(cd "$(dirname "$report")" && pwd)/$(basename "$report") in a browser"
