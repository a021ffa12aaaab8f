#!/usr/bin/env bash
# Installs what probestore needs to build and test on Debian (run as root);
# json-c is only for the JSON library comparison of scripts/bench.sh.
# Idempotent and quiet when everything is already there.
set -euo pipefail

packages=(build-essential cmake pkg-config clang libclang-rt-dev
          libzstd-dev zlib1g-dev libsnappy-dev liblz4-dev libbrotli-dev
          libyaml-dev libjansson-dev libcjson-dev libjson-c-dev libssl-dev libxxhash-dev)
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
fi
