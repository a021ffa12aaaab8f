#!/usr/bin/env bash
# libFuzzer runs of the harnesses in fuzz/ (clang, ASan + UBSan).
#
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]   one harness
#   scripts/fuzz.sh all SECONDS [libFuzzer flags...]      every harness, one after the other
#   scripts/fuzz.sh check SECONDS                         every harness on the committed seeds
#                                                         only, nothing kept (what CI runs)
#   scripts/fuzz.sh seeds                                 rewrite fuzz/corpus/ from the writer
#   scripts/fuzz.sh list                                  the harness names
#
# A run starts from fuzz/corpus/TARGET (committed), the inputs earlier runs
# found (kept in $FUZZ_BUILD/corpus/TARGET), and, for the Parquet harnesses,
# the files of ../shared/parquet-testing (or $PARQUET_TESTING_DIR) where
# present: whole files for `read`, their footers and first page headers for
# `footer`, `page_header` and `thrift`. Those are read or cut into
# $FUZZ_BUILD, never copied into the repository.
#
# Limits: -timeout=10 (a hang), -rss_limit_mb=2048, -malloc_limit_mb=1024
# (an allocation past it is an out-of-memory finding), leaks detected.
# Crashing inputs land in $FUZZ_BUILD/artifacts/TARGET/; the exit status is
# non-zero when any run found something. The executions of each run are
# printed at the end ("stat::number_of_executed_units").
#
# Environment: FUZZ_BUILD (build directory, default build-fuzz),
# FUZZ_PARALLEL (harnesses run at once by all/check, default 1; check
# defaults to the number of CPUs), FUZZ_EXTRA_SEEDS=0 (no parquet-testing seeds).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

TARGETS=(thrift footer page_header read decode rle codec config url ingest jtree)
build=${FUZZ_BUILD:-$here/build-fuzz}
case $build in /*) ;; *) build=$here/$build ;; esac

usage() {
	sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

build_harnesses() {
	local cc=${FUZZ_CC:-clang}
	if ! command -v "$cc" >/dev/null; then
		echo "fuzz.sh: $cc not found (libFuzzer needs clang)" >&2
		exit 1
	fi
	cmake -S "$here" -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DPROBESTORE_FUZZ=ON -DPROBESTORE_TESTS=OFF -DPROBESTORE_WERROR=ON >/dev/null
	local t names=()
	for t in "${TARGETS[@]}"; do names+=("fuzz_$t"); done
	cmake --build "$build" -j "$(nproc)" --target "${names[@]}" fuzz_seeds >/dev/null
}

# Extra seeds cut from parquet-testing into $build/extra/TARGET.
extra_seeds() {
	local t=$1 pt=${PARQUET_TESTING_DIR:-$here/../shared/parquet-testing}
	local dir=$build/extra/$t
	[ "${FUZZ_EXTRA_SEEDS:-1}" = 1 ] && [ -d "$pt" ] || return 0
	case $t in read | footer | page_header | thrift) ;; *) return 0 ;; esac
	rm -rf "$dir"
	mkdir -p "$dir"
	local f base size flen
	while IFS= read -r -d '' f; do
		base=$(basename "$(dirname "$f")")_$(basename "$f")
		size=$(stat -c %s "$f")
		[ "$size" -ge 12 ] || continue
		case $t in
		read)
			# larger files would be cut at -max_len and lose their footer
			[ "$size" -le 262144 ] && ln -sf "$f" "$dir/$base"
			;;
		footer | thrift)
			flen=$(od -An -t u4 -j $((size - 8)) -N 4 "$f" | tr -d ' ')
			if [ "$flen" -gt 0 ] && [ "$flen" -le $((size - 12)) ] && [ "$flen" -le 262144 ]; then
				tail -c $((flen + 8)) "$f" | head -c "$flen" >"$dir/$base.footer"
			fi
			[ "$t" = thrift ] && tail -c +5 "$f" | head -c 256 >"$dir/$base.page"
			;;
		page_header)
			tail -c +5 "$f" | head -c 512 >"$dir/$base.page"
			;;
		esac
	done < <(find "$pt/data" "$pt/bad_data" -name '*.parquet' -type f -print0 2>/dev/null)
	echo "$dir"
}

max_len() {
	case $1 in
	read) echo 262144 ;;
	footer | thrift) echo 262144 ;;
	*) echo 65536 ;;
	esac
}

# run TARGET SECONDS MODE [flags...]; MODE is keep (the corpus grows in
# $build/corpus) or fresh (committed seeds only, nothing kept).
run_one() {
	local t=$1 secs=$2 mode=$3
	shift 3
	local bin=$build/fuzz/fuzz_$t
	[ -x "$bin" ] || { echo "fuzz.sh: no harness '$t' (scripts/fuzz.sh list)" >&2; return 2; }
	local work dirs=() extra
	if [ "$mode" = keep ]; then
		work=$build/corpus/$t
		mkdir -p "$work"
		dirs=("$work" "$here/fuzz/corpus/$t")
		extra=$(extra_seeds "$t")
		[ -n "$extra" ] && dirs+=("$extra")
	else
		work=$(mktemp -d)
		dirs=("$work" "$here/fuzz/corpus/$t")
	fi
	mkdir -p "$build/artifacts/$t" "$build/logs"
	local log=$build/logs/$t.log rc=0
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
		-max_len="$(max_len "$t")" -print_final_stats=1 -artifact_prefix="$build/artifacts/$t/" \
		"$@" "${dirs[@]}" >"$log" 2>&1 || rc=$?
	[ "$mode" = fresh ] && rm -rf "$work"
	local execs
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if [ "$rc" -ne 0 ]; then
		echo "FAIL $t (exit $rc, ${execs:-?} executions); log: $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant failed|.*runtime error)|Test unit written' "$log" | head -8
		return 1
	fi
	printf 'ok   %-12s %8s s %12s executions\n' "$t" "$secs" "${execs:-?}"
}

run_many() {
	local secs=$1 mode=$2 par=$3
	shift 3
	local t failed=0 pids=() names=() i
	for t in "${TARGETS[@]}"; do
		run_one "$t" "$secs" "$mode" "$@" &
		pids+=($!)
		names+=("$t")
		if [ "${#pids[@]}" -ge "$par" ]; then
			wait "${pids[0]}" || failed=1
			pids=("${pids[@]:1}")
		fi
	done
	for i in "${pids[@]}"; do wait "$i" || failed=1; done
	return $failed
}

[ $# -ge 1 ] || usage
target=$1
shift
case $target in
list)
	printf '%s\n' "${TARGETS[@]}"
	;;
seeds)
	build_harnesses
	rm -rf "$here/fuzz/corpus"
	"$build/fuzz/fuzz_seeds" "$here/fuzz/corpus"
	du -sh "$here"/fuzz/corpus/* | sed 's|'"$here"'/||'
	;;
all | check)
	[ $# -ge 1 ] || usage
	secs=$1
	shift
	build_harnesses
	if [ "$target" = check ]; then
		run_many "$secs" fresh "${FUZZ_PARALLEL:-$(nproc)}" "$@"
	else
		run_many "$secs" keep "${FUZZ_PARALLEL:-1}" "$@"
	fi
	;;
*)
	[ $# -ge 1 ] || usage
	secs=$1
	shift
	build_harnesses
	run_one "$target" "$secs" keep "$@"
	;;
esac
