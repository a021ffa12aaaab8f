#!/usr/bin/env bash
# Browser test of `probestore report`: builds the sample store (the httpx
# sample ingested as scripts/demo.sh does, plus two monitored files) and the
# hostile store of test_report, writes their reports and opens them in
# chromium (check_report.mjs).
#
#   PROBESTORE=build/probestore TEST_REPORT=build/tests/test_report \
#     bash tests/browser/run_browser.sh OUT_DIR
#
# Needs /usr/bin/chromium (or $CHROMIUM), node and `npm ci` in tests/browser;
# without them it exits 77 (skip), unless CI is set, where it fails.
# Screenshots land in OUT_DIR.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
OUT=${1:?usage: run_browser.sh OUT_DIR}
PS=${PROBESTORE:?set PROBESTORE to the probestore binary}
TR=${TEST_REPORT:?set TEST_REPORT to the test_report binary}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export CHROMIUM

skip_or_fail() {
	if [ -n "${CI:-}" ]; then
		echo "browser: $1 (CI is set: failing)" >&2
		exit 1
	fi
	echo "browser: $1; skipped"
	exit 77
}
[ -x "$CHROMIUM" ] || skip_or_fail "$CHROMIUM not found (Debian package chromium)"
command -v node >/dev/null 2>&1 || skip_or_fail "node not found"
[ -d "$HERE/node_modules/playwright-core" ] || skip_or_fail "node_modules missing, run npm ci in tests/browser"

rm -rf "$OUT"
mkdir -p "$OUT"
data=$OUT/sample-data
sample=$SRC/examples/httpx-sample.jsonl
ps() { "$PS" --data "$data" "$@"; }
grep '"timestamp":"2025-03-01' "$sample" | ps ingest --group-by host --scan-time 2025-03-01T09:00:00Z >/dev/null
grep '"timestamp":"2025-03-08' "$sample" | ps ingest --group-by host --scan-time 2025-03-08T09:00:00Z >/dev/null
# two monitored files: a bundle that changed between the scans, an API document seen once
m=$SRC/examples/monitored
ps history add --url https://shop.example.com/static/app.js --file "$m/app-v1.js" --time 2025-03-01T09:05:00Z >/dev/null
ps history add --url https://shop.example.com/static/app.js --file "$m/app-v2.js" --time 2025-03-08T09:05:00Z >/dev/null
ps history add --url https://api.example.com/openapi.json --file "$m/openapi.json" --time 2025-03-08T09:06:00Z >/dev/null
ps report -o "$OUT/sample.html"

"$TR" --keep "$OUT" >/dev/null
"$PS" --data "$OUT/hostile" report -o "$OUT/hostile.html"

cd "$HERE"
node check_report.mjs "$OUT" sample="$OUT/sample.html" hostile="$OUT/hostile.html"
