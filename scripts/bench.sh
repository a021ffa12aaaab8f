#!/usr/bin/env bash
# Benchmarks: probestore against DuckDB and Polars on the same data, in one
# run. Prints two tables of medians with the ratio probestore / peer: the
# product (the `probestore` command run as a user runs it, whole processes,
# against DuckDB; bench/product.mjs), then the libraries (bench/bench
# calling libparq and libprobestore).
#
#   bash scripts/bench.sh [--quick] [--rows N] [--lines N] [--runs R] [--out DIR] [--only CASES]
#
# --quick: library cases on 100,000 rows, product cases on 100,000 httpx
# lines and 5,000 subdomain lines, 3 runs (a few minutes); default
# 1,000,000 rows, 500,000 lines and 20,000 subdomain lines, 5 runs.
# --lines: the product table's httpx lines. --only: a comma-separated
# subset of product, s3, write, ingest, read, count, query, stream,
# history, json (the others are not run, and their targets show as not
# measured). s3: the command on a bucket against the same command on a
# local directory (ingest) and Polars scanParquet on the same objects
# (queries; bench/s3.mjs), on the S3 service the environment names
# (AWS_ENDPOINT_URL, keys, PROBESTORE_S3_BUCKET) or else on a one-node
# Ceph started for the run (scripts/ceph.sh); skipped without either.
# Needs the build tools and tests/interop's node packages
# (scripts/install-deps.sh). See docs/benchmarks.md.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rows=1000000 runs=5 out="$here/build-bench/out" quick=0 only=
lines=500000 sublines=20000
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 rows=100000 runs=3 lines=100000 sublines=5000 ;;
	--rows) rows=$2; shift ;;
	--lines) lines=$2; shift ;;
	--runs) runs=$2; shift ;;
	--out) out=$2; shift ;;
	--only) only=$2; shift ;;
	*) echo "usage: bench.sh [--quick] [--rows N] [--lines N] [--runs R] [--out DIR] [--only CASES]" >&2; exit 2 ;;
	esac
	shift
done

echo "== build (Release)"
cmake -S "$here" -B "$here/build-bench" -DCMAKE_BUILD_TYPE=Release -DPROBESTORE_TESTS=OFF -DPROBESTORE_WERROR=ON >/dev/null
cmake --build "$here/build-bench" -j "$(nproc)" --target bench bench_gen probestore >/dev/null
# the JSON library comparison, for the libraries installed
for lib in jansson jsonc cjson jtree; do
	cmake --build "$here/build-bench" --target "json_parse_$lib" >/dev/null 2>&1 || true
done
B=$here/build-bench/bench/bench
G=$here/build-bench/bench/bench_gen
PS=$here/build-bench/probestore
P=(node "$here/bench/peers.mjs")
PICK=(node "$here/bench/pick.mjs")
rm -rf "$out"
mkdir -p "$out"
res=$out/results.jsonl
: >"$res"

want() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }
library=0
for c in write ingest read count query stream history json; do want "$c" && library=1; done

if want s3; then
	ceph_dir=
	if [ -z "${AWS_ENDPOINT_URL:-}" ] && command -v radosgw >/dev/null; then
		ceph_dir=$out/ceph
		bash "$here/scripts/ceph.sh" start "$ceph_dir" >/dev/null
		# shellcheck disable=SC1091
		. "$ceph_dir/env"
	fi
	if [ -n "${AWS_ENDPOINT_URL:-}" ]; then
		mkdir -p "$out/s3"
		node "$here/bench/s3.mjs" --probestore "$PS" --bench "$B" --gen "$G" --out "$out/s3" \
			--lines "$lines" --runs "$runs" | tee "$out/s3/s3.txt"
	else
		echo "s3: no S3 service in the environment and no radosgw installed: not measured" | tee "$out/s3.txt"
	fi
	[ -z "$ceph_dir" ] || bash "$here/scripts/ceph.sh" stop "$ceph_dir" >/dev/null
fi

if want product; then
node "$here/bench/product.mjs" --probestore "$PS" --bench "$B" --gen "$G" --out "$out/product" \
	--lines "$lines" --subdomain-lines "$sublines" --runs "$runs"
fi

if [ "$library" = 1 ]; then
echo "== library: data, $rows rows (seed 1)"
"$G" --rows "$rows" --format rows "$out/rows.jsonl"
"$G" --rows "$rows" --format httpx "$out/httpx.jsonl"
fi

# rec CASE WHO UNIT EXPR [EXTRA] -- COMMAND...: runs COMMAND $runs times
rec() {
	local kase=$1 who=$2 unit=$3 expr=$4 extra=${5:-}
	shift 5
	[ "$1" = -- ] && shift
	for _ in $(seq "$runs"); do
		"$@" | "${PICK[@]}" "$kase" "$who" "$unit" "$expr" "$extra" >>"$res"
	done
	printf '  %-28s %s\n' "$kase" "$who"
}

peers() { # CASE UNIT EXPR EXTRA OP ARGS...: DuckDB and Polars, 1 thread and default
	local kase=$1 unit=$2 expr=$3 extra=$4 op=$5
	shift 5
	for peer in duckdb polars; do
		[ "$op" = ingest ] && [ "$peer" = polars ] && continue
		BENCH_THREADS=1 POLARS_MAX_THREADS=1 rec "$kase" "$peer (1 thread)" "$unit" "$expr" "$extra" -- \
			env BENCH_THREADS=1 POLARS_MAX_THREADS=1 "${P[@]}" "$op" "$peer" "$@"
		rec "$kase" "$peer ($(nproc) threads)" "$unit" "$expr" "$extra" -- "${P[@]}" "$op" "$peer" "$@"
	done
}

if want write; then
echo "== write (rows in memory to Parquet)"
for codec in zstd snappy; do
	rec "write $codec" probestore rows/s "m.rows / m.seconds" "(m.bytes / 1e6).toFixed(2) + ' MB file'" -- \
		"$B" write --rows "$rows" --codec "$codec" --out "$out/ours_$codec.parquet"
	peers "write $codec" rows/s "m.rows / m.seconds" "(m.bytes / 1e6).toFixed(2) + ' MB file'" write \
		"$out/rows.jsonl" "$out/peer_$codec.parquet" "$codec"
done

elif want read || want stream; then
	"$B" write --rows "$rows" --codec zstd --out "$out/ours_zstd.parquet" >/dev/null
fi

if want ingest; then
echo "== ingest (httpx JSON Lines to a ZSTD scan file)"
if "$PS" ingest --help >/dev/null 2>&1; then
	rec "ingest httpx" probestore rows/s "m.rows / m.seconds" "" -- bash -c '
		rm -rf "$3/ingest"; s=$EPOCHREALTIME
		"$1" --data "$3/ingest" ingest --quiet --target bench.example.com --codec zstd "$2" >/dev/null
		e=$EPOCHREALTIME; awk -v s="$s" -v e="$e" -v n="$4" "BEGIN { printf \"{\\\"rows\\\":%d,\\\"seconds\\\":%.6f}\\n\", n, e - s }"' \
		_ "$PS" "$out/httpx.jsonl" "$out" "$rows"
else
	echo "  (probestore ingest is not available in this build: skipped)"
fi
peers "ingest httpx" rows/s "m.rows / m.seconds" "" ingest "$out/httpx.jsonl" "$out/peer_ingest.parquet"
fi

if want read; then
echo "== full read (every value into a checksum)"
rec "full read" probestore rows/s "m.rows / m.seconds" "(m.uncompressed_bytes / m.seconds / 1e6).toFixed(0) + ' MB/s of uncompressed pages'" -- \
	"$B" read "$out/ours_zstd.parquet"
peers "full read" rows/s "m.rows / m.seconds" "" read "$out/ours_zstd.parquet"
rec "raw zstd decompression" machine MB/s "m.mb_per_s" "" -- "$B" zstd "$out/rows.jsonl"
fi

if want count; then
echo "== count (1,000 small scan files)"
"$B" files --rows 100 --files 1000 --out "$out/count"
cdir=$(echo "$out"/count/probe_results/*)
rec "count 1000 files" probestore ms "m.seconds" "m.rows + ' rows'" -- "$B" count "$cdir"
peers "count 1000 files" ms "m.seconds" "m.rows + ' rows'" count "$cdir"
fi

if want query; then
echo "== selective query (status 200 and a technology, limit 100 offset 50, total)"
"$B" store --rows "$rows" --out "$out/store"
rec "selective query" probestore ms "m.seconds" "m.total + ' matches'" -- "$B" query "$out/store" --tech Laravel
peers "selective query" ms "m.seconds" "m.total + ' matches'" query "$out/store" Laravel
fi

if want stream; then
echo "== streaming a scan (peak resident memory)"
big=$out/ours_zstd.parquet
rec "stream peak memory" probestore MB "m.max_rss_kb / 1024" "" -- "$B" rss "$B" stream "$big"
for peer in duckdb polars; do
	rec "stream peak memory" "$peer" MB "m.max_rss_kb / 1024" "" -- "$B" rss "${P[@]}" stream "$peer" "$big"
done
rec "node baseline memory" node MB "m.max_rss_kb / 1024" "" -- "$B" rss node -e 0
fi

if want history; then
echo "== file history (a 200 KB bundle, three lines changed per version; medians of 10 appends)"
versions=1,100,1000,10000
[ "$quick" = 1 ] && versions=1,100,1000
"$B" history --versions "$versions" --out "$out/history" | node -e '
	const lines = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean).map(JSON.parse);
	for (const m of lines) {
		const c = (k, who, v, extra) => console.log(JSON.stringify({ case: `${k} (${m.versions} versions)`, who, unit: "ms", value: v, extra }));
		c("history append", "probestore", m.append_s, `min ${(m.append_min_s * 1e3).toFixed(1)} ms, max ${(m.append_max_s * 1e3).toFixed(1)} ms, file ${(m.file_bytes / 1e6).toFixed(1)} MB`);
		c("history append", "rewrite the whole file", m.rewrite_s, "decode and re-encode every row, fsync");
		c("history last record", "probestore", m.last_s, `min ${(m.last_min_s * 1e3).toFixed(2)} ms, max ${(m.last_max_s * 1e3).toFixed(2)} ms`);
	}' >>"$res"
echo "  history append / last record at $versions versions"
fi

if want json; then
echo "== JSON parsers (parse and walk every httpx line)"
for lib in jansson jsonc cjson jtree; do
	exe=$here/build-bench/bench/json_parse_$lib
	[ -x "$exe" ] && rec "json parse httpx" "$lib" MB/s "m.mb_per_s" "m.lines + ' lines'" -- "$exe" "$out/httpx.jsonl"
done
fi


if want product; then
	echo
	echo "== the product: the probestore command (whole process) against DuckDB"
	node "$here/bench/product_report.mjs" "$out/product/product.jsonl"
	echo "results: $out/product/product.jsonl (bench/product_report.mjs FILE --markdown for docs/benchmarks.md)"
fi
if want s3 && [ -f "$out/s3/s3.txt" ]; then
	echo
	cat "$out/s3/s3.txt"
	echo "results: $out/s3/s3.jsonl"
fi
if [ "$library" = 1 ]; then
	echo
	echo "== the libraries: bench/bench calling libparq and libprobestore"
	node "$here/bench/report.mjs" "$res"
	echo "results: $res (bench/report.mjs $res --markdown for docs/benchmarks.md)"
fi
if [ "$quick" = 1 ]; then
	sizes=
	want product && sizes="$lines httpx lines for the product"
	[ "$library" = 1 ] && sizes="${sizes:+$sizes, }$rows rows for the libraries"
	echo "(quick run: $runs runs; $sizes)"
fi
exit 0
