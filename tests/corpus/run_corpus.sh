#!/usr/bin/env bash
# Corpus test: every Parquet file under $PARQUET_TESTING_DIR/data is read by
# `probestore cat` (and checked by `probestore inspect`) and compared value by
# value with what DuckDB and hyparquet read from it (tests/interop/dump.mjs
# and compare.mjs). The documented disagreements are in expected.tsv; a file
# that differs without a line there fails, and so does a line that no longer
# holds. See docs/corpus.md.
#
#   bash tests/corpus/run_corpus.sh BUILD_DIR
#
# Environment: PARQUET_TESTING_DIR (the corpus; without it, or when it is
# absent, the test is skipped: exit 77); PROBESTORE (default
# BUILD_DIR/probestore); CORPUS_OUT (work directory, default
# BUILD_DIR/corpus-out); CORPUS_JOBS (files checked at once, default 2);
# CORPUS_KEEP=1 keeps every output; CORPUS_ONLY=REGEX checks only the
# files whose path matches; CORPUS_TABLE replaces expected.tsv. Without tests/interop/node_modules only
# probestore's side runs (each file reads, or fails as the table says), then
# the test exits 77, or 1 when PROBESTORE_REQUIRE_INTEROP=1.
#
# Prints one line per file and reader ("ok ..." / "FAIL ...") and ends with
# "corpus: N passed, M failed".
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
INTEROP=$(cd "$HERE/../interop" && pwd)
if [ $# -ne 1 ]; then
	echo "usage: run_corpus.sh BUILD_DIR" >&2
	exit 2
fi
BUILD=$(cd "$1" 2>/dev/null && pwd) || { echo "corpus: no build directory $1" >&2; exit 2; }
PROBESTORE=${PROBESTORE:-$BUILD/probestore}
TABLE=${CORPUS_TABLE:-$HERE/expected.tsv}
PEERS=(duckdb hyparquet)

CORPUS=${PARQUET_TESTING_DIR:-}
if [ -z "$CORPUS" ] || [ ! -d "$CORPUS/data" ]; then
	echo "corpus: parquet-testing not found (PARQUET_TESTING_DIR=${CORPUS:-unset}); skipping"
	exit 77
fi
DATA=$(cd "$CORPUS/data" && pwd)
if [ ! -x "$PROBESTORE" ]; then
	echo "corpus: $PROBESTORE not found; build the project first" >&2
	exit 1
fi

peers_missing=""
if [ ! -d "$INTEROP/node_modules" ]; then
	peers_missing="tests/interop/node_modules missing (run npm ci in tests/interop)"
elif ! command -v node >/dev/null 2>&1; then
	peers_missing="node not found (Node 20+ is needed)"
fi

OUT=${CORPUS_OUT:-$BUILD/corpus-out}
JOBS=${CORPUS_JOBS:-2}
RES=$OUT/results
rm -rf "$OUT"
mkdir -p "$OUT/files" "$RES"
started=$(date +%s)

TO=()
command -v timeout >/dev/null 2>&1 && TO=(timeout)
NODE=(node --max-old-space-size=4096)

# ---- the table ---------------------------------------------------------------

declare -A EXP_STATUS=() EXP_PATTERN=() LISTED=()
table_errors=()
lineno=0
while IFS=$'\t' read -r file reader status pattern _what _spec || [ -n "$file" ]; do
	lineno=$((lineno + 1))
	case $file in '' | '#'* | file) continue ;; esac
	case "$reader/$status" in
	probestore/error | duckdb/error | duckdb/differs | duckdb/reads | hyparquet/error | hyparquet/differs | hyparquet/reads | -/encrypted) ;;
	*)
		table_errors+=("expected.tsv:$lineno: unknown reader/status '$reader/$status'")
		continue
		;;
	esac
	if [ -n "${EXP_STATUS[$file|$reader]:-}" ]; then
		table_errors+=("expected.tsv:$lineno: a second line for $file and $reader")
	fi
	EXP_STATUS[$file|$reader]=$status
	EXP_PATTERN[$file|$reader]=${pattern:--}
	LISTED[$file]=1
done <"$TABLE"

# ---- one file ----------------------------------------------------------------

# say ok|FAIL READER TEXT [DETAIL_FILE]: one result line, then up to 24 lines
# of detail, indented
say() {
	printf '%-4s %-10s %s\n' "$1" "$2" "$3" >>"$res"
	if [ $# -ge 4 ]; then head -n 24 "$4" | sed 's/^/    /' >>"$res"; fi
}

# Prints "ok|FAIL reader file: text" lines for one file into $RES/ID.
check_file() {
	local id=$1 rel=$2
	local f=$DATA/$rel base=$OUT/files/${rel//\//__}
	local res=$RES/$id
	: >"$res"
	if [ "${EXP_STATUS[$rel|-]:-}" = encrypted ]; then
		# encrypted files are not read; probestore must say why it cannot
		"${TO[@]}" 120 "$PROBESTORE" cat "$f" >/dev/null 2>"$base.probestore.err"
		if [ $? -eq 1 ] && grep -qi 'encrypt' "$base.probestore.err"; then
			say ok - "$rel: encrypted, needs keys (probestore: $(head -n 1 "$base.probestore.err" | sed "s|^probestore: $f: ||"))"
		else
			say FAIL probestore "$rel: listed as encrypted, but probestore does not refuse it as encrypted" "$base.probestore.err"
		fi
		return
	fi

	# probestore: cat and inspect
	local ps_rc in_rc ps_status rows
	"${TO[@]}" 120 "$PROBESTORE" cat "$f" >"$base.probestore.jsonl" 2>"$base.probestore.err"
	ps_rc=$?
	"${TO[@]}" 120 "$PROBESTORE" inspect "$f" >"$base.inspect.out" 2>"$base.inspect.err"
	in_rc=$?
	rows=$(wc -l <"$base.probestore.jsonl")
	local want=${EXP_STATUS[$rel|probestore]:-ok} pat=${EXP_PATTERN[$rel|probestore]:--}
	if [ "$want" = ok ]; then
		local data_line
		data_line=$(tail -n 1 "$base.inspect.out")
		if [ $ps_rc -ne 0 ]; then
			say FAIL probestore "$rel: cat exited with $ps_rc" "$base.probestore.err"
		elif [ $in_rc -ne 0 ]; then
			say FAIL probestore "$rel: inspect exited with $in_rc" "$base.inspect.err"
		elif [ "$data_line" != "data: all $rows rows read, every page decodes" ]; then
			say FAIL probestore "$rel: cat printed $rows rows, inspect says '$data_line'"
		else
			say ok probestore "$rel: $rows rows"
		fi
		ps_status=ok
	else
		# an expected error: exit 1 and one message naming the file, from both commands
		local cmd rc errf problem
		for cmd in cat inspect; do
			if [ $cmd = cat ]; then rc=$ps_rc errf=$base.probestore.err; else rc=$in_rc errf=$base.inspect.err; fi
			problem=""
			if [ "$rc" -ne 1 ]; then
				problem="exited with $rc, not 1"
			elif ! head -n 1 "$errf" | grep -qF "probestore: $f: "; then
				problem="the message does not name the file"
			elif [ "$pat" != - ] && ! grep -qE -- "$pat" "$errf"; then
				problem="the message does not match /$pat/"
			fi
			if [ -n "$problem" ]; then
				say FAIL probestore "$rel: expected.tsv says probestore refuses it; $cmd $problem" "$errf"
			fi
		done
		grep -q '^FAIL' "$res" ||
			say ok probestore "$rel: refused as documented: $(head -n 1 "$base.probestore.err" | sed "s|^probestore: $f: ||")"
		ps_status=error
	fi

	[ -z "$peers_missing" ] || return
	local peer
	for peer in "${PEERS[@]}"; do
		local got=$base.$peer.jsonl rc observed detail
		"${TO[@]}" 300 "${NODE[@]}" "$INTEROP/dump.mjs" "$peer" "$f" --threads 1 >"$got" 2>"$got.err"
		rc=$?
		if [ $rc -ne 0 ]; then
			observed=error
			detail=$(grep -v '^ *at ' "$got.err" | head -n 1 | sed "s|^dump $peer $f: ||")
			[ -n "$detail" ] || detail="exit status $rc"
		elif [ "$ps_status" != ok ]; then
			observed=reads
			detail="$(wc -l <"$got") rows"
		else
			detail=$("${NODE[@]}" "$INTEROP/compare.mjs" "$base.probestore.jsonl" "$got" 2>&1)
			rc=$?
			if [ $rc -eq 0 ]; then
				observed=same
			elif [ $rc -eq 1 ]; then
				observed=differs
			else
				observed="compare-error"
			fi
		fi
		want=${EXP_STATUS[$rel|$peer]:-same}
		pat=${EXP_PATTERN[$rel|$peer]:--}
		printf '%s\n' "$detail" >"$got.detail"
		if [ "$observed" != "$want" ]; then
			if [ "$want" = same ]; then
				say FAIL "$peer" "$rel: probestore and $peer disagree ($observed), and expected.tsv does not list it" "$got.detail"
			else
				say FAIL "$peer" "$rel: expected.tsv says $want, but now: $observed (update the table and docs/corpus.md)" "$got.detail"
			fi
		elif [ "$pat" != - ] && ! grep -qE -- "$pat" "$got.detail"; then
			say FAIL "$peer" "$rel: $want as documented, but not matching /$pat/" "$got.detail"
		elif [ "$want" = same ]; then
			say ok "$peer" "$rel: same values"
		elif [ "$want" = differs ]; then
			# the summary, then the first differing values
			say ok "$peer" "$rel: $want as documented: $(head -n 1 "$got.detail")"
			grep -A2 -m2 '^  row ' "$got.detail" | sed 's/^/  /' >>"$res"
		else
			say ok "$peer" "$rel: $want as documented: $(head -n 1 "$got.detail")"
		fi
	done
	if [ "${CORPUS_KEEP:-0}" != 1 ] && ! grep -q '^FAIL' "$res"; then
		rm -f "$base".*
	fi
}

# ---- all files ---------------------------------------------------------------

echo "corpus: $DATA, probestore vs ${peers_missing:+(peers skipped) }${PEERS[*]}, $JOBS at a time"
declare -A SEEN=()
files=()
not_parquet=0
while IFS= read -r -d '' f; do
	rel=${f#"$DATA"/}
	SEEN[$rel]=1
	head4=$(head -c 4 "$f" | od -An -c | tr -d ' \n')
	tail4=$(tail -c 4 "$f" | od -An -c | tr -d ' \n')
	if [ "$tail4" = PARE ] && [ "${EXP_STATUS[$rel|-]:-}" != encrypted ]; then
		table_errors+=("$rel is encrypted (PARE footer) but expected.tsv does not list it as encrypted")
		continue
	fi
	if [ "$head4" != PAR1 ] && [ "$tail4" != PAR1 ] && [ "$tail4" != PARE ]; then
		not_parquet=$((not_parquet + 1)) # README.md, *.csv, bloom filter .bin files
		continue
	fi
	if [ -n "${CORPUS_ONLY:-}" ] && ! grep -qE -- "$CORPUS_ONLY" <<<"$rel"; then
		continue
	fi
	files+=("$rel")
done < <(find "$DATA" -type f -print0 | LC_ALL=C sort -z)

for key in "${!EXP_STATUS[@]}"; do
	file=${key%|*}
	[ -n "${SEEN[$file]:-}" ] || table_errors+=("expected.tsv lists $file, which is not in the corpus")
done

running=0
n=0
for rel in "${files[@]}"; do
	n=$((n + 1))
	check_file "$(printf '%04d' $n)" "$rel" &
	running=$((running + 1))
	if [ $running -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

n=0
for rel in "${files[@]}"; do
	n=$((n + 1))
	id=$(printf '%04d' $n)
	if [ ! -s "$RES/$id" ]; then
		echo "FAIL probestore $rel: the check did not finish" >"$RES/$id"
	fi
	cat "$RES/$id"
done
for e in "${table_errors[@]}"; do
	echo "FAIL $e"
done | sort -u >"$RES/table"
cat "$RES/table"

passed=$(cat "$RES"/* | grep -c '^ok ')
failed=$(cat "$RES"/* | grep -c '^FAIL ')
echo "corpus: ${#files[@]} Parquet files ($not_parquet other files ignored); took $(($(date +%s) - started)) s; outputs in $OUT"
echo "corpus: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
if [ -n "$peers_missing" ]; then
	if [ "${PROBESTORE_REQUIRE_INTEROP:-0}" = 1 ]; then
		echo "corpus: $peers_missing; comparison with ${PEERS[*]} not run (PROBESTORE_REQUIRE_INTEROP=1: failing)" >&2
		exit 1
	fi
	echo "corpus: $peers_missing; probestore read every file as documented, comparison with ${PEERS[*]} skipped"
	exit 77
fi
exit 0
