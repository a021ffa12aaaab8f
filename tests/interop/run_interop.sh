#!/usr/bin/env bash
# Interop driver: probestore's Parquet files read by DuckDB, Polars and
# hyparquet, and theirs read by `probestore cat`.
#
#   bash tests/interop/run_interop.sh BUILD_DIR
#
# Needs BUILD_DIR/probestore, the gen_probe test program (BUILD_DIR/tests/interop/gen_probe)
# and `npm ci` run in tests/interop. Without node_modules it exits 77 (skip)
# unless PROBESTORE_REQUIRE_INTEROP=1.
#
# Environment: PROBESTORE, GEN_PROBE (paths, override the defaults above);
# INTEROP_OUT (work directory, default BUILD_DIR/interop-out); INTEROP_JOBS
# (parallel checks, default 2); INTEROP_KEEP=1 keeps every output file.
#
# Prints one line per comparison ("ok ..." / "FAIL ..." with the differences)
# and ends with "interop: N passed, M failed"; exits 1 if any failed.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ $# -ne 1 ]; then
	echo "usage: run_interop.sh BUILD_DIR" >&2
	exit 2
fi
BUILD=$(cd "$1" 2>/dev/null && pwd) || { echo "interop: no build directory $1" >&2; exit 2; }

skip_or_fail() {
	if [ "${PROBESTORE_REQUIRE_INTEROP:-0}" = 1 ]; then
		echo "$1 (PROBESTORE_REQUIRE_INTEROP=1: failing)" >&2
		exit 1
	fi
	echo "$1"
	exit 77
}
[ -d "$HERE/node_modules" ] || skip_or_fail "interop: node_modules missing, run npm ci in tests/interop"
command -v node >/dev/null 2>&1 || skip_or_fail "interop: node not found (Node 20+ is needed)"

PROBESTORE=${PROBESTORE:-$BUILD/probestore}
GEN_PROBE=${GEN_PROBE:-$BUILD/tests/interop/gen_probe}
for exe in "$PROBESTORE" "$GEN_PROBE"; do
	if [ ! -x "$exe" ]; then
		echo "interop: $exe not found; build the project first" >&2
		exit 1
	fi
done

OUT=${INTEROP_OUT:-$BUILD/interop-out}
JOBS=${INTEROP_JOBS:-2}
RES=$OUT/results
rm -rf "$OUT"
mkdir -p "$OUT/ours" "$OUT/peers" "$RES"

# a stuck reader must not hang the run (CTest's own timeout is 1200 s)
TO=()
command -v timeout >/dev/null 2>&1 && TO=(timeout 300)
NODE=(node --max-old-space-size=4096)

started=$(date +%s)
seq_no=0
QUEUE=()

# check ID LABEL A_FILE READER FILE [COLUMNS [NOTE]]
#   runs READER on FILE (probestore: `probestore cat`; else dump.mjs) and
#   compares A_FILE (the reference) with what it printed, on COLUMNS only
#   when given (NOTE says why the others are left out).
check() {
	local id=$1 label=$2 ref=$3 reader=$4 file=$5 cols=${6:-*} note=${7:-}
	local got=$OUT/$(basename "$file" .parquet).$reader.jsonl res=$RES/$id
	local colopt=() keyopt=()
	if [ "$cols" != "*" ]; then
		colopt=(--columns "$cols")
		keyopt=(--keys "$cols")
		label="$label (${note:-only $cols})"
	fi
	if [ -f "$ref.why" ]; then
		{
			printf 'FAIL %s: %s\n' "$label" "$(head -n 1 "$ref.why")"
			tail -n +2 "$ref.why" | tail -n 8 | sed 's/^/    /'
		} >"$res"
		return
	fi
	local rc
	if [ "$reader" = probestore ]; then
		"${TO[@]}" "$PROBESTORE" cat "$file" >"$got" 2>"$got.err"
		rc=$?
	else
		"${TO[@]}" "${NODE[@]}" "$HERE/dump.mjs" "$reader" "$file" --threads 1 "${colopt[@]}" >"$got" 2>"$got.err"
		rc=$?
	fi
	if [ $rc -ne 0 ]; then
		{
			printf 'FAIL %s: %s exited with %d\n' "$label" "$reader" "$rc"
			tail -n 8 "$got.err" | sed 's/^/    /'
		} >"$res"
		return
	fi
	local cmp
	cmp=$("${NODE[@]}" "$HERE/compare.mjs" "$ref" "$got" "${keyopt[@]}" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		local rows
		rows=$(sed -n 's/.*equal (\([0-9]*\) rows).*/\1/p' <<<"$cmp")
		printf 'ok %s (%s rows)\n' "$label" "$rows" >"$res"
		[ "${INTEROP_KEEP:-0}" = 1 ] || rm -f "$got" "$got.err"
	else
		{
			printf 'FAIL %s\n' "$label"
			sed 's/^/    /' <<<"$cmp" | head -n 40
		} >"$res"
	fi
}

queue() {
	seq_no=$((seq_no + 1))
	QUEUE+=("$(printf '%04d' $seq_no)")
	eval "JOB_$(printf '%04d' $seq_no)=(\"\$@\")"
}

# runs the queued checks, JOBS at a time, then prints their results in order
run_queue() {
	local id running=0
	for id in "${QUEUE[@]}"; do
		eval "local job=(\"\${JOB_$id[@]}\")"
		check "$id" "${job[@]}" &
		running=$((running + 1))
		if [ $running -ge "$JOBS" ]; then
			wait -n
			running=$((running - 1))
		fi
	done
	wait
	for id in "${QUEUE[@]}"; do
		if [ ! -s "$RES/$id" ]; then
			eval "local job=(\"\${JOB_$id[@]}\")"
			echo "FAIL ${job[0]}: the check did not finish" >"$RES/$id"
		fi
		cat "$RES/$id"
	done
	QUEUE=()
}

# ---- a. our files, read by the peers ------------------------------------------

echo "interop: [$(($(date +%s) - started)) s] a. our files (gen_probe: 100000 rows, row groups of 30000) read by probestore, duckdb, polars, hyparquet"
variants=("zstd 1" "zstd 2" "snappy 1" "gzip 1" "none 1")
seed=0
for v in "${variants[@]}"; do
	read -r codec pv <<<"$v"
	seed=$((seed + 1))
	f=$OUT/ours/ours_${codec}_v${pv}.parquet
	"$GEN_PROBE" "$f" --rows 100000 --codec "$codec" --row-group-rows 30000 \
		--page-version "$pv" --seed "$seed" --expect "$f.expect.jsonl" 2>"$f.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		{ echo "gen_probe failed (exit $rc)"; cat "$f.err"; } >"$f.expect.jsonl.why"
	fi
	for reader in probestore duckdb polars hyparquet; do
		queue "$reader reads ours $codec v$pv" "$f.expect.jsonl" "$reader" "$f"
	done
done
run_queue

# ---- a2. page index, bloom filters and page CRCs, checked by duckdb and hyparquet ----

echo "interop: [$(($(date +%s) - started)) s] a2. page index and bloom filters (check_index.mjs)"
for v in "zstd 1" "snappy 2"; do
	read -r codec pv <<<"$v"
	f=$OUT/ours/index_${codec}_v${pv}.parquet
	id=idx_${codec}_$pv
	if ! "$GEN_PROBE" "$f" --rows 100000 --codec "$codec" --row-group-rows 30000 --page-version "$pv" \
		--seed 9 --bloom 10 --crc 1 --expect "$f.expect.jsonl" 2>"$f.err"; then
		{ echo "FAIL gen_probe --bloom (exit $?)"; sed 's/^/    /' "$f.err"; } >"$RES/$id"
	else
		out=$("${TO[@]}" "${NODE[@]}" "$HERE/check_index.mjs" "$f" "$f.expect.jsonl" \
			--bloom original_url,status_code,web_server,root_target_url 2>&1)
		if [ $? -eq 0 ]; then
			echo "ok page index and bloom filters of ours $codec v$pv: ${out#check_index: ok }" >"$RES/$id"
		else
			{ echo "FAIL page index and bloom filters of ours $codec v$pv"; sed 's/^/    /' <<<"$out" | head -n 24; } >"$RES/$id"
		fi
		# with CRCs, every reader still reads the same values
		for reader in probestore duckdb hyparquet; do
			queue "$reader reads ours $codec v$pv with bloom filters and CRCs" "$f.expect.jsonl" "$reader" "$f"
		done
	fi
	cat "$RES/$id"
done
run_queue

# ---- a3. the store's scan files: the seed's schema in DuckDB -------------------------

echo "interop: [$(($(date +%s) - started)) s] a3. store scan files (examples/scan_diff) in duckdb"
SCAN_DIFF=${SCAN_DIFF:-$BUILD/examples/scan_diff}
rm -rf "$OUT/store"
if ! "$SCAN_DIFF" "$OUT/store" >"$OUT/store.log" 2>&1; then
	{ echo "FAIL examples/scan_diff"; sed 's/^/    /' "$OUT/store.log"; } >"$RES/store"
else
	for f in "$OUT"/store/probe_results/*/scan_*.parquet; do
		id=store_$(basename "$f" .parquet)
		out=$("${TO[@]}" "${NODE[@]}" "$HERE/check_store_schema.mjs" "$f" 2>&1)
		if [ $? -eq 0 ]; then
			echo "ok duckdb sees the seed's schema in $(basename "$f")" >"$RES/$id"
		else
			{ echo "FAIL duckdb schema of $(basename "$f")"; sed 's/^/    /' <<<"$out"; } >"$RES/$id"
		fi
		cat "$RES/$id"
		"${TO[@]}" "$PROBESTORE" cat "$f" >"$f.probestore.jsonl" 2>"$f.err"
		for reader in duckdb hyparquet polars; do
			queue "$reader reads the store's $(basename "$f") like probestore" "$f.probestore.jsonl" "$reader" "$f"
		done
	done
fi
run_queue

# ---- a3b. schema version 2 scans with every httpx field, and a version 1 scan ----

echo "interop: [$(($(date +%s) - started)) s] a3b. schema version 2 and 1 scans (probestore ingest) in duckdb, hyparquet, polars"
rm -rf "$OUT/store2"
if ! { "$PROBESTORE" --data "$OUT/store2" ingest --quiet --group-by host "$HERE/../cli/httpx-fields.jsonl" "$HERE/httpx-v2.jsonl" &&
	PROBESTORE_SCHEMA_VERSION=1 "$PROBESTORE" --data "$OUT/store2" ingest --quiet --group-by host \
		--scan-time 2025-01-01T00:00:00Z "$HERE/httpx-v2.jsonl"; } >"$OUT/store2.log" 2>&1; then
	{ echo "FAIL probestore ingest of the version 2 fixtures"; sed 's/^/    /' "$OUT/store2.log"; } >"$RES/store2"
else
	for f in "$OUT"/store2/probe_results/*/scan_*.parquet; do
		id=store2_$(basename "$(dirname "$f")")_$(basename "$f" .parquet)
		out=$("${TO[@]}" "${NODE[@]}" "$HERE/check_store_schema.mjs" "$f" 2>&1)
		if [ $? -eq 0 ]; then
			echo "ok duckdb sees the expected schema in $(basename "$(dirname "$f")")/$(basename "$f"): $out" >"$RES/$id"
		else
			{ echo "FAIL duckdb schema of $f"; sed 's/^/    /' <<<"$out"; } >"$RES/$id"
		fi
		cat "$RES/$id"
		"${TO[@]}" "$PROBESTORE" cat "$f" >"$f.probestore.jsonl" 2>"$f.err"
		for reader in duckdb hyparquet polars; do
			queue "$reader reads the version 2 store's $(basename "$(dirname "$f")")/$(basename "$f") like probestore" \
				"$f.probestore.jsonl" "$reader" "$f"
		done
	done
fi
run_queue

# ---- a4. the store's file history files: the seed's schema in DuckDB, appended files read by all ----

echo "interop: [$(($(date +%s) - started)) s] a4. store file history files (gen_history) in duckdb, hyparquet, polars"
GEN_HISTORY=${GEN_HISTORY:-$BUILD/tests/interop/gen_history}
rm -rf "$OUT/history"
if ! "$GEN_HISTORY" "$OUT/history" >"$OUT/history.list" 2>"$OUT/history.log" || [ ! -s "$OUT/history.list" ]; then
	{ echo "FAIL tests/interop/gen_history"; sed 's/^/    /' "$OUT/history.log"; } >"$RES/history"
	cat "$RES/history"
else
	while read -r f; do
		name=$(basename "$(dirname "$f")")/$(basename "$f" .parquet)
		[ "$(basename "$(dirname "$f")")" = archive ] || name=$(basename "$f" .parquet)
		id=history_${name//\//_}
		out=$("${TO[@]}" "${NODE[@]}" "$HERE/check_history_schema.mjs" "$f" 2>&1)
		if [ $? -eq 0 ]; then
			echo "ok duckdb sees the seed's file history schema in $name: ${out#check_history_schema: ok }" >"$RES/$id"
		else
			{ echo "FAIL duckdb file history schema of $name"; sed 's/^/    /' <<<"$out"; } >"$RES/$id"
		fi
		cat "$RES/$id"
		"${TO[@]}" "$PROBESTORE" cat "$f" >"$f.probestore.jsonl" 2>"$f.err"
		for reader in duckdb hyparquet polars; do
			queue "$reader reads the history file $name like probestore" "$f.probestore.jsonl" "$reader" "$f"
		done
	done <"$OUT/history.list"
fi
run_queue

# ---- b. the peers' files, read by probestore ------------------------------------

echo "interop: [$(($(date +%s) - started)) s] b. duckdb's and polars' files (write.mjs) read by probestore"
for lib in duckdb polars; do
	"${TO[@]}" "${NODE[@]}" "$HERE/write.mjs" "$lib" "$OUT/peers" >"$OUT/peers/write_$lib.log" 2>&1 &
done
wait
for lib in duckdb polars; do
	if [ ! -s "$OUT/peers/${lib}_manifest.json" ]; then
		seq_no=$((seq_no + 1))
		{
			echo "FAIL $lib writes its files (write.mjs)"
			tail -n 8 "$OUT/peers/write_$lib.log" | sed 's/^/    /'
		} >"$RES/w_$lib"
		cat "$RES/w_$lib"
	fi
done
# manifest rows: file <TAB> writer <TAB> reader <TAB> columns ("*" or a,b,c) <TAB> note; writer first
manifest=$("${NODE[@]}" -e '
	const fs = require("fs");
	for (const lib of ["duckdb", "polars"]) {
		const p = `${process.argv[1]}/${lib}_manifest.json`;
		if (!fs.existsSync(p)) continue;
		for (const f of JSON.parse(fs.readFileSync(p, "utf8"))) {
			const readers = Object.keys(f.readers).sort((a, b) => (b === f.writer) - (a === f.writer));
			for (const r of readers) {
				const c = f.readers[r];
				if (c === "*") console.log([f.file, f.writer, r, "*", ""].join("\t"));
				else console.log([f.file, f.writer, r, c.columns.join(","), `without ${c.without.join(",")}: ${c.why}`].join("\t"));
			}
		}
	}' "$OUT/peers")
declare -A catted=()
while IFS=$'\t' read -r file writer reader cols note; do
	[ -n "$file" ] || continue
	f=$OUT/peers/$file
	ref=$OUT/peers/${file%.parquet}.probestore.jsonl
	if [ -z "${catted[$file]:-}" ]; then
		catted[$file]=1
		"${TO[@]}" "$PROBESTORE" cat "$f" >"$ref" 2>"$ref.err"
		rc=$?
		if [ $rc -ne 0 ]; then
			{ echo "probestore cat failed (exit $rc)"; cat "$ref.err"; } >"$ref.why"
		fi
	fi
	queue "probestore reads $file like $reader" "$ref" "$reader" "$f" "$cols" "$note"
done <<<"$manifest"
run_queue

# ---- summary -------------------------------------------------------------------

passed=$(cat "$RES"/* 2>/dev/null | grep -c '^ok ')
failed=$(cat "$RES"/* 2>/dev/null | grep -c '^FAIL ')
if [ "$failed" -eq 0 ] && [ "${INTEROP_KEEP:-0}" != 1 ]; then
	rm -rf "$OUT/ours" # the 100000-row expectations are large
fi
echo "interop: took $(($(date +%s) - started)) s; outputs in $OUT"
echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
