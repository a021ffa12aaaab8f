#!/usr/bin/env bash
# Installs what probestore needs to build and test on Debian (run as root);
# json-c is only for the JSON library comparison of scripts/bench.sh.
# Idempotent and quiet when everything is already there.
set -euo pipefail

packages=(build-essential cmake pkg-config clang libclang-rt-dev
          libzstd-dev zlib1g-dev libsnappy-dev liblz4-dev libbrotli-dev
          libyaml-dev libjansson-dev libcjson-dev libjson-c-dev libssl-dev libxxhash-dev)
# The S3 client: HTTP and SigV4 signing from libcurl, XML from expat.
packages+=(libcurl4-openssl-dev libexpat1-dev curl)
# What only the test suite needs (scripts/test.sh asks for it, and CI):
# the one-node Ceph cluster of the S3 tests (scripts/ceph.sh, about 70 MB)
# the browser the report's test (tests/browser) opens pages in, and Go for
# the tests of the Go package (bindings/go, scripts/test-go.sh).
if [ "${PROBESTORE_TEST_DEPS:-0}" = 1 ] || [ "${PROBESTORE_WITH_CEPH:-0}" = 1 ] || [ -n "${CI:-}" ]; then
  packages+=(ceph-mon ceph-osd radosgw ceph-common uuid-runtime iproute2 chromium golang-go)
fi
# ingest groups hosts by registrable domain (the Public Suffix List)
packages+=(libpsl-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Independent Parquet readers and writers used by the interop tests.
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "${PROBESTORE_SKIP_NPM:-0}" != 1 ]; then
  lock="$here/tests/interop/package-lock.json"
  stamp="$here/tests/interop/node_modules/.probestore-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
    echo "install-deps: npm ci in tests/interop"
    (cd "$here/tests/interop" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$lock" "$stamp"
  fi
  # playwright-core drives Debian's chromium in the report's browser test
  lock="$here/tests/browser/package-lock.json"
  stamp="$here/tests/browser/node_modules/.probestore-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
    echo "install-deps: npm ci in tests/browser"
    (cd "$here/tests/browser" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$lock" "$stamp"
  fi
fi
