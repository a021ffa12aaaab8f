#!/usr/bin/env bash
# The _s3 variants of the tests run through this: loads the endpoint, keys
# and bucket of the one-node Ceph that the CTest fixture ceph_s3 started in
# DIR (tests/ceph_fixture.sh), then runs the command. Without that Ceph the
# test skips (77), unless PROBESTORE_REQUIRE_CEPH=1. The footers the
# tests' stores keep (storage_config.s3.footer_cache_dir) go under DIR,
# not the user's cache directory.
#
#   tests/with_ceph.sh DIR COMMAND [ARG...]
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 DIR COMMAND [ARG...]" >&2; exit 2; }
dir=$1
shift
if [ -f "$dir/env" ]; then
	# shellcheck disable=SC1091
	. "$dir/env"
	export PROBESTORE_TEST_BACKEND=s3
	export XDG_CACHE_HOME="$dir/cache"
	exec "$@"
fi
if [ "${PROBESTORE_REQUIRE_CEPH:-}" = 1 ]; then
	echo "with_ceph.sh: no Ceph in $dir (see the output of the ceph_s3_start test)," \
		"and PROBESTORE_REQUIRE_CEPH=1 requires the S3 tests to run" >&2
	exit 1
fi
echo "SKIP: no Ceph in $dir (Debian: ceph-mon ceph-osd radosgw ceph-common;" \
	"scripts/install-deps.sh with PROBESTORE_WITH_CEPH=1)"
exit 77
