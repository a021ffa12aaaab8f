#!/usr/bin/env bash
# Checks the product benchmark's parts that decide what it measures:
# bench_gen's targets and subdomains data (deterministic, the shape
# docs/benchmarks.md describes) and bench/product_report.mjs's comparison
# of answers (a MISMATCH line exactly where DuckDB's answer differs).
#
#   bash bench/check_bench.sh BENCH_GEN WORKDIR
set -euo pipefail
gen=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null 2>&1; then
	echo "check_bench: node is not installed (scripts/install-deps.sh): skipped"
	exit 77
fi
rm -rf "$work"
mkdir -p "$work"
fail() { echo "check_bench: $*" >&2; exit 1; }

# the same seed gives the same bytes; another seed other bytes
"$gen" --rows 20000 --format targets "$work/t1.jsonl"
"$gen" --rows 20000 --format targets "$work/t2.jsonl"
"$gen" --rows 20000 --seed 2 --format targets "$work/t3.jsonl"
cmp -s "$work/t1.jsonl" "$work/t2.jsonl" || fail "targets: two runs with seed 1 differ"
cmp -s "$work/t1.jsonl" "$work/t3.jsonl" && fail "targets: seeds 1 and 2 give the same bytes"
"$gen" --rows 20000 --format subdomains "$work/s1.jsonl"
"$gen" --rows 20000 --format subdomains "$work/s2.jsonl"
cmp -s "$work/s1.jsonl" "$work/s2.jsonl" || fail "subdomains: two runs with seed 1 differ"

node - "$work/t1.jsonl" "$work/s1.jsonl" <<'EOF' || exit 1
const fs = require('fs');
const read = (f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const fail = (m) => { console.error(`check_bench: ${m}`); process.exit(1); };
const host = (u) => new URL(u).hostname;

const t = read(process.argv[2]);
if (t.length !== 20000) fail(`targets: ${t.length} lines, not 20000`);
const inputs = new Set(t.map((r) => r.input));
if (inputs.size !== 50) fail(`targets: ${inputs.size} distinct inputs, not 50`);
for (const i of inputs) if (!/^t\d\d-example\.com$/.test(i)) fail(`targets: input ${i} is not a target's domain`);
for (const r of t) if (!host(r.url).endsWith(`.${r.input}`)) fail(`targets: ${r.url} is not under its input ${r.input}`);
const techs = t.flatMap((r) => r.tech ?? []);
if (!techs.includes('WordPress') || !techs.some((x) => /^WordPress:\d+\.\d+\.\d+$/.test(x)))
  fail('targets: WordPress should appear both with and without a version');

const s = read(process.argv[3]);
const subs = new Set(s.map((r) => r.input));
if (subs.size !== 14000) fail(`subdomains: ${subs.size} distinct subdomains in 20000 lines, not 14000`);
for (const r of s) if (host(r.url) !== r.input) fail(`subdomains: ${r.url} is not on its input ${r.input}`);
const domains = new Set([...subs].map((h) => h.slice(h.indexOf('.') + 1)));
if (domains.size !== 20) fail(`subdomains: ${domains.size} registrable domains, not 20`);
if (![...domains].some((d) => d.endsWith('.co.uk'))) fail('subdomains: no domain under co.uk');
EOF

# the report: no MISMATCH when the answers agree, one naming the case when they differ
rec() { printf '{"case":"%s","who":"%s","seconds":%s,"rss_mb":10,"status":0,"answer":%s}\n' "$@"; }
{
	rec 'query, no filter (count)' probestore 0.2 500
	rec 'query, no filter (count)' 'duckdb (2 threads)' 0.1 500
	rec 'query status 200, tech (window)' probestore 0.2 '["a","b","c"]'
	rec 'query status 200, tech (window)' 'duckdb (2 threads)' 0.4 '["a","b","c"]'
} >"$work/same.jsonl"
out=$(node "$here/product_report.mjs" "$work/same.jsonl")
grep -q MISMATCH <<<"$out" && fail "report: MISMATCH where the answers agree: $out"
grep -q 'within 2x of DuckDB count(\*), 2 threads *2.00x DuckDB.s time *met' <<<"$out" ||
	fail "report: the count target should be met at exactly 2x: $out"
grep -q 'window: >= 2x faster than DuckDB, 2 threads *2.00x as fast *met' <<<"$out" ||
	fail "report: the window target should be met at 2x as fast: $out"
{
	rec 'query, no filter (count)' probestore 0.2 500
	rec 'query, no filter (count)' 'duckdb (2 threads)' 0.1 501
	rec 'query status 200, tech (window)' probestore 0.2 '["a","b","c"]'
	rec 'query status 200, tech (window)' 'duckdb (1 thread)' 0.4 '["a","c","b"]'
} >"$work/differ.jsonl"
out=$(node "$here/product_report.mjs" "$work/differ.jsonl")
grep -q 'MISMATCH query, no filter (count): probestore 500, duckdb (2 threads) 501' <<<"$out" ||
	fail "report: no MISMATCH for counts 500 and 501: $out"
grep -q 'MISMATCH query status 200, tech (window): .*first difference at row 1: b vs c' <<<"$out" ||
	fail "report: no MISMATCH for a window in another order: $out"
grep -q '^2 MISMATCHES' <<<"$out" || fail "report: two mismatches should be counted: $out"
echo "check_bench: data and report checks passed"
