#!/usr/bin/env bash
# Tests the Go package bindings/go against a build of libprobestore:
#   scripts/test-go.sh BUILD_DIR
# `#cgo pkg-config: probestore` finds the build tree's static libraries
# through BUILD_DIR/probestore-uninstalled.pc; then go vet and go test
# -race (in a sanitizer build, go test -asan instead: the race detector
# and ASan do not mix), with the probestore command of BUILD_DIR for the
# round-trip tests; last, in an ordinary build, a program is built against
# `cmake --install` of BUILD_DIR through the installed probestore.pc.
# Exits 77 (skipped) where go is absent, unless CI is set.
set -euo pipefail
build=$(cd "${1:?usage: test-go.sh BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v go >/dev/null 2>&1; then
  if [ -n "${CI:-}" ]; then
    echo "test-go: go is not installed (golang-go; scripts/install-deps.sh) and CI requires this test" >&2
    exit 1
  fi
  echo "test-go: go is not installed (golang-go); skipped"
  exit 77
fi
for f in libprobestore.a libparq.a probestore probestore-uninstalled.pc; do
  [ -e "$build/$f" ] || { echo "test-go: $build/$f missing (build first)" >&2; exit 1; }
done

export PKG_CONFIG_PATH="$build"
export PROBESTORE_BIN="$build/probestore"
export CGO_ENABLED=1
# Go's build cache does not see changes to C headers outside the package:
# a hash of the public headers and of the libraries in the flags does (a
# changed struct would otherwise be read with its old layout).
stamp=$(cat "$src"/include/parq/*.h "$src"/include/probestore/*.h "$build/libprobestore.a" "$build/libparq.a" |
  sha256sum | cut -c1-16)
export CGO_CFLAGS="${CGO_CFLAGS:-} -DPROBESTORE_BUILD_STAMP=$stamp"
# Builds of the tests land in the Go cache; keep it out of the home
# directory when that is not writable (CI containers).
if ! [ -w "${HOME:-/nonexistent}" ]; then
  export GOCACHE="${GOCACHE:-$build/go-cache}" GOPATH="${GOPATH:-$build/go-path}"
fi
cd "$src/bindings/go"

sanitize=$(sed -n 's/^PROBESTORE_SANITIZE:STRING=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
if [ -n "$sanitize" ]; then
  # The libraries call the sanitizers' runtimes: link them, with the
  # compiler that built the libraries (their runtimes differ by compiler).
  export CC="${cc:-cc}"
  export CGO_LDFLAGS="-fsanitize=$sanitize"
  export CGO_CFLAGS="$CGO_CFLAGS -fsanitize=$sanitize -fno-omit-frame-pointer"
  # Go's own allocations are not the libraries' business; leaks are
  # checked by the C tests.
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
  go vet ./...
  if [[ ",$sanitize," == *,address,* ]]; then
    echo "test-go: go test -asan (sanitizers: $sanitize)"
    go test -count=1 -asan ./...
  else
    go test -count=1 ./...
  fi
  exit 0
fi

go vet ./...
go test -count=1 -race ./...

# The installed library, as users build against it.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
pc=$(find "$tmp/prefix" -name probestore.pc | head -1)
[ -n "$pc" ] || { echo "test-go: probestore.pc was not installed" >&2; exit 1; }
libdir=$(dirname "$(dirname "$pc")")
PKG_CONFIG_PATH=$(dirname "$pc") go build -o "$tmp/quickstart" ./examples/quickstart
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/quickstart" "$tmp/data" 2>/dev/null)
expected="https://example.com/ 200 new
https://example.com/login 302 new"
if [ "$(printf '%s\n' "$out" | sed 's/ [0-9-]*$//')" != "$expected" ]; then
  printf 'test-go: the program built against the installed library printed:\n%s\n' "$out" >&2
  exit 1
fi
echo "test-go: go vet, go test -race and a program against the installed library passed"
