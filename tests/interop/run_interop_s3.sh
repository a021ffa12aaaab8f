#!/usr/bin/env bash
# Other engines read a store in a bucket in place: the bundled httpx sample
# (two scans of each target, so that URLs are new, existing and old) and the
# httpx fields fixture ingested with `probestore --data s3://BUCKET/<run>`,
# then every scan object read by nodejs-polars through an s3:// glob
# (s3_polars.mjs) and compared value for value, every column, with what
# `probestore query --scan all --format jsonl` prints for the same scans.
#
#   bash tests/interop/run_interop_s3.sh      (PROBESTORE: the binary)
#
# Needs AWS_ENDPOINT_URL, the keys and PROBESTORE_S3_BUCKET (tests/with_ceph.sh
# sets them) and `npm ci` in tests/interop; without them it exits 77 (skip)
# unless PROBESTORE_REQUIRE_CEPH=1 or PROBESTORE_REQUIRE_INTEROP=1.
set -u
exec </dev/null

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)

skip_or_fail() {
	if [ "${PROBESTORE_REQUIRE_CEPH:-0}" = 1 ] || [ "${PROBESTORE_REQUIRE_INTEROP:-0}" = 1 ]; then
		echo "interop_s3: $1 (required by PROBESTORE_REQUIRE_CEPH or PROBESTORE_REQUIRE_INTEROP: failing)" >&2
		exit 1
	fi
	echo "interop_s3: SKIP: $1"
	exit 77
}
[ -d "$HERE/node_modules" ] || skip_or_fail "node_modules missing, run npm ci in tests/interop"
command -v node >/dev/null 2>&1 || skip_or_fail "node not found (Node 20+ is needed)"
[ -n "${AWS_ENDPOINT_URL:-}" ] && [ -n "${PROBESTORE_S3_BUCKET:-}" ] && [ -n "${AWS_ACCESS_KEY_ID:-}" ] ||
	skip_or_fail "no S3 endpoint (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, PROBESTORE_S3_BUCKET)"
PS=${PROBESTORE:?set PROBESTORE to the probestore binary}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
ROOT=s3://$PROBESTORE_S3_BUCKET/interop-$(date +%s)-$$
TO=()
command -v timeout >/dev/null 2>&1 && TO=(timeout 300)

fail() {
	echo "interop_s3: FAIL: $*"
	exit 1
}

SAMPLE=$SRC/examples/httpx-sample.jsonl
grep '"timestamp":"2025-03-01' "$SAMPLE" >"$W/scan1.jsonl"
grep '"timestamp":"2025-03-08' "$SAMPLE" >"$W/scan2.jsonl"
"$PS" --data "$ROOT" ingest --group-by host --quiet --scan-time 2025-03-01T09:00:00Z "$W/scan1.jsonl" ||
	fail "ingest of the sample's first scan into $ROOT"
"$PS" --data "$ROOT" ingest --group-by host --quiet --scan-time 2025-03-08T09:00:00Z "$W/scan2.jsonl" ||
	fail "ingest of the sample's second scan into $ROOT"
"$PS" --data "$ROOT" ingest --quiet "$HERE/httpx-v2.jsonl" || fail "ingest of httpx-v2.jsonl into $ROOT"

"$PS" --data "$ROOT" query --scan all --format jsonl --limit 0 >"$W/expect.jsonl" 2>"$W/expect.err" ||
	fail "probestore query: $(cat "$W/expect.err")"
scans=$("$PS" --data "$ROOT" scans --format jsonl | grep -c '"file"')
"${TO[@]}" node "$HERE/s3_polars.mjs" "$ROOT/probe_results/*/scan_*.parquet" >"$W/polars.jsonl" 2>"$W/polars.err" ||
	fail "nodejs-polars did not read the bucket: $(cat "$W/polars.err")"
cat "$W/polars.err"

# the same rows in any order: both sorted, then compared value for value
LC_ALL=C sort "$W/expect.jsonl" >"$W/expect.sorted"
LC_ALL=C sort "$W/polars.jsonl" >"$W/polars.sorted"
rows=$(wc -l <"$W/expect.sorted")
[ "$rows" -gt 0 ] || fail "probestore query printed no rows"
grep -q "rows from $scans objects" "$W/polars.err" ||
	fail "polars read $(sed -n 's/.* from \([0-9]*\) objects/\1/p' "$W/polars.err") objects, the store lists $scans scans"
node "$HERE/compare.mjs" "$W/expect.sorted" "$W/polars.sorted" --label "nodejs-polars s3:// vs probestore query" ||
	fail "the rows nodejs-polars read from the bucket differ from probestore's"
echo "interop_s3: ok: $rows rows of $scans scan objects in $ROOT read in place by nodejs-polars, equal to probestore's"
