#!/usr/bin/env bash
# bad_data test: every file under $PARQUET_TESTING_DIR/bad_data must make
# `probestore cat` and `probestore inspect` exit with status 1 and one message
# on stderr that names the file and what is wrong; never a crash (signal), a
# hang (20 s) or runaway memory (2 GiB). The exceptions and the expected
# messages are in bad_data.tsv; see docs/corpus.md.
#
#   bash tests/corpus/run_bad_data.sh BUILD_DIR
#
# Environment: PARQUET_TESTING_DIR (without it, or when it is absent, the test
# is skipped: exit 77); PROBESTORE (default BUILD_DIR/probestore);
# CORPUS_OUT (work directory, default BUILD_DIR/bad-data-out). Files listed as
# valid ("reads") are also compared with DuckDB's reading when
# tests/interop/node_modules is present; without it that comparison is left
# out (with a note), or fails the test when PROBESTORE_REQUIRE_INTEROP=1.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
INTEROP=$(cd "$HERE/../interop" && pwd)
if [ $# -ne 1 ]; then
	echo "usage: run_bad_data.sh BUILD_DIR" >&2
	exit 2
fi
BUILD=$(cd "$1" 2>/dev/null && pwd) || { echo "bad_data: no build directory $1" >&2; exit 2; }
PROBESTORE=${PROBESTORE:-$BUILD/probestore}
TABLE=$HERE/bad_data.tsv

CORPUS=${PARQUET_TESTING_DIR:-}
if [ -z "$CORPUS" ] || [ ! -d "$CORPUS/bad_data" ]; then
	echo "bad_data: parquet-testing not found (PARQUET_TESTING_DIR=${CORPUS:-unset}); skipping"
	exit 77
fi
BAD=$(cd "$CORPUS/bad_data" && pwd)
if [ ! -x "$PROBESTORE" ]; then
	echo "bad_data: $PROBESTORE not found; build the project first" >&2
	exit 1
fi
OUT=${CORPUS_OUT:-$BUILD/bad-data-out}
rm -rf "$OUT"
mkdir -p "$OUT"
started=$(date +%s)

# Memory: an address-space limit, unless the binary cannot start under one
# (AddressSanitizer reserves terabytes of shadow memory); then ASan's own
# resident-memory limit, which kills the process (and fails the check).
MEM_KB=$((2 * 1024 * 1024))
if (ulimit -v $MEM_KB && "$PROBESTORE" --version) >/dev/null 2>&1; then
	limit_note="ulimit -v $MEM_KB"
	use_ulimit=1
else
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=2048"
	limit_note="ASAN_OPTIONS hard_rss_limit_mb=2048 (ulimit -v cannot be used with this binary)"
	use_ulimit=0
fi

# run OUT_PREFIX ARGS...: probestore with the limits; stdout/stderr to files; echoes the exit status
run() {
	local pre=$1
	shift
	(
		[ $use_ulimit = 1 ] && ulimit -v $MEM_KB
		exec timeout -k 5 20 "$PROBESTORE" "$@"
	) >"$pre.out" 2>"$pre.err"
	echo $?
}

# what an exit status means
why_status() {
	case $1 in
	0) echo "succeeded" ;;
	1) echo "exited with 1" ;;
	124 | 137) echo "did not finish within 20 s (hang?)" ;;
	*) if [ "$1" -gt 128 ]; then echo "died of signal $(($1 - 128)) ($(kill -l $(($1 - 128)) 2>/dev/null))"; else echo "exited with $1"; fi ;;
	esac
}

declare -A STATUS=() DETAIL=()
failures=()
lineno=0
while IFS=$'\t' read -r file status detail _note || [ -n "$file" ]; do
	lineno=$((lineno + 1))
	case $file in '' | '#'* | file) continue ;; esac
	case $status in
	error | reads) ;;
	*) failures+=("bad_data.tsv:$lineno: unknown status '$status'"); continue ;;
	esac
	STATUS[$file]=$status
	DETAIL[$file]=${detail:--}
	[ -f "$BAD/$file" ] || failures+=("bad_data.tsv lists $file, which is not in the corpus")
done <"$TABLE"

peers_missing=""
if [ ! -d "$INTEROP/node_modules" ]; then
	peers_missing="tests/interop/node_modules missing (run npm ci in tests/interop)"
elif ! command -v node >/dev/null 2>&1; then
	peers_missing="node not found (Node 20+ is needed)"
fi

echo "bad_data: $BAD; each run under timeout 20 s and $limit_note"
passed=0
failed=0
notes=()
while IFS= read -r -d '' f; do
	rel=${f#"$BAD"/}
	case $rel in *.md) continue ;; esac # the directory's documentation
	pre=$OUT/${rel//\//__}
	want=${STATUS[$rel]:-error}
	pat=${DETAIL[$rel]:--}
	problems=()
	if [ "$want" = error ]; then
		for cmd in cat inspect; do
			rc=$(run "$pre.$cmd" "$cmd" "$f")
			if [ "$rc" -ne 1 ]; then
				problems+=("$cmd $(why_status "$rc"), expected exit status 1")
			elif [ "$(wc -l <"$pre.$cmd.err")" -ne 1 ]; then
				problems+=("$cmd printed $(wc -l <"$pre.$cmd.err") lines on stderr, expected one message")
			elif ! grep -qF "probestore: $f: " "$pre.$cmd.err"; then
				problems+=("$cmd's message does not name the file")
			elif [ "$pat" != - ] && ! grep -qE -- "$pat" "$pre.$cmd.err"; then
				problems+=("$cmd's message does not match /$pat/")
			fi
		done
		msg=$(sed "s|^probestore: $f: ||" "$pre.cat.err" | head -n 1)
	else
		# a valid file after all: cat must print what DuckDB prints
		read -r want_rows want_sum <<<"$pat"
		rc=$(run "$pre.cat" cat "$f")
		if [ "$rc" -ne 0 ]; then
			problems+=("cat $(why_status "$rc"), expected it to read the file: $(head -n 1 "$pre.cat.err")")
		else
			rows=$(wc -l <"$pre.cat.out")
			sum=$(sha256sum "$pre.cat.out" | cut -d' ' -f1)
			[ "$rows" = "$want_rows" ] || problems+=("cat printed $rows rows, expected $want_rows")
			[ "$sum" = "$want_sum" ] || problems+=("cat's output has SHA-256 $sum, expected $want_sum (DuckDB's)")
		fi
		rc=$(run "$pre.inspect" inspect "$f")
		if [ "$rc" -ne 0 ]; then
			problems+=("inspect $(why_status "$rc"): $(head -n 1 "$pre.inspect.err")")
		elif [ "$(tail -n 1 "$pre.inspect.out")" != "data: all $want_rows rows read, every page decodes" ]; then
			problems+=("inspect ends with '$(tail -n 1 "$pre.inspect.out")'")
		fi
		msg="reads $want_rows rows"
		if [ -z "$peers_missing" ]; then
			timeout 300 node "$INTEROP/dump.mjs" duckdb "$f" --threads 1 >"$pre.duckdb.jsonl" 2>"$pre.duckdb.err"
			rc=$?
			if [ $rc -ne 0 ]; then
				problems+=("DuckDB failed to read it (exit $rc): $(head -n 1 "$pre.duckdb.err")")
			elif ! cmp=$(node "$INTEROP/compare.mjs" "$pre.cat.out" "$pre.duckdb.jsonl" --label "probestore vs duckdb"); then
				problems+=("$cmp")
			else
				msg="$msg, the same as DuckDB"
			fi
		elif [ "${PROBESTORE_REQUIRE_INTEROP:-0}" = 1 ]; then
			problems+=("$peers_missing: cannot compare with DuckDB (PROBESTORE_REQUIRE_INTEROP=1)")
		else
			notes+=("$rel: compared with DuckDB's recorded reading only ($peers_missing)")
		fi
	fi
	if [ ${#problems[@]} -eq 0 ]; then
		echo "ok   $rel: $([ "$want" = error ] && echo "refused: ")$msg"
		passed=$((passed + 1))
	else
		for p in "${problems[@]}"; do
			echo "FAIL $rel: $p"
			failed=$((failed + 1))
		done
		for c in cat inspect; do
			[ -s "$pre.$c.err" ] && head -n 5 "$pre.$c.err" | sed "s/^/    $c: /"
		done
	fi
done < <(find "$BAD" -type f -print0 | LC_ALL=C sort -z)

for f in "${failures[@]}"; do
	echo "FAIL $f"
	failed=$((failed + 1))
done
for n in "${notes[@]}"; do
	echo "note: $n"
done
echo "bad_data: took $(($(date +%s) - started)) s; $passed passed, $failed failed"
[ $failed -eq 0 ]
