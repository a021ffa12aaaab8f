#!/usr/bin/env bash
# The shared libraries export their public API and nothing else: the
# functions libparq.so and libprobestore.so export equal, name for name,
# the functions their public headers declare with PARQ_API and PS_API; and
# no function of a public header lacks the marker.
#
#   bash tests/check_exports.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=${1:?usage: check_exports.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: check_exports.sh BUILD_DIR SOURCE_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

# Declarations in the headers: "MARKER type name(" (the marker on the
# declaration's first line); unmarked ones are lines that start like a
# function declaration of ours at the left margin.
declared() { # MARKER HEADERS...
	local marker=$1
	shift
	grep -hoE "^$marker [^(]*[ *](parq|ps)_[a-z0-9_]+\(" "$@" | grep -oE '(parq|ps)_[a-z0-9_]+\($' | tr -d '(' | sort -u
}
unmarked=$(grep -nE '^(const |unsigned )?[a-z_][a-z_0-9]*( \*+| +\**)(parq|ps)_[a-z0-9_]+\(' \
	"$src"/include/parq/*.h "$src"/include/probestore/*.h | grep -vE ':(typedef|static|extern) ' || true)
if [ -n "$unmarked" ]; then
	echo "check_exports: public functions without PARQ_API/PS_API:" >&2
	echo "$unmarked" >&2
	fail=1
fi

check() { # LIB MARKER HEADERS...
	local lib=$1 marker=$2
	shift 2
	declared "$marker" "$@" >"$work/declared"
	nm -D --defined-only "$build/$lib" | awk '$2 ~ /^[TWDBR]$/ {print $3}' | sort -u >"$work/exported"
	local extra missing
	extra=$(comm -13 "$work/declared" "$work/exported")
	missing=$(comm -23 "$work/declared" "$work/exported")
	if [ -n "$extra" ]; then
		echo "check_exports: $lib exports what no public header declares:" >&2
		echo "$extra" | sed 's/^/  /' >&2
		fail=1
	fi
	if [ -n "$missing" ]; then
		echo "check_exports: $lib does not export what its headers declare:" >&2
		echo "$missing" | sed 's/^/  /' >&2
		fail=1
	fi
	echo "check_exports: $lib: $(wc -l <"$work/exported") functions exported, $(wc -l <"$work/declared") declared"
}

[ -e "$build/libparq.so" ] && [ -e "$build/libprobestore.so" ] || {
	echo "check_exports: $build has no libparq.so or libprobestore.so" >&2
	exit 1
}
check libparq.so PARQ_API "$src"/include/parq/*.h
check libprobestore.so PS_API "$src"/include/probestore/*.h
exit $fail
