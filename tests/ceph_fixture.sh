#!/usr/bin/env bash
# The CTest fixture ceph_s3: one Ceph for all the _s3 tests of a run.
#
#   tests/ceph_fixture.sh start DIR   starts scripts/ceph.sh in DIR (a cluster
#                                     left there by an interrupted run is
#                                     stopped first); without Ceph installed
#                                     it says so and succeeds, so that the
#                                     _s3 tests skip, unless
#                                     PROBESTORE_REQUIRE_CEPH=1
#   tests/ceph_fixture.sh stop DIR    stops it and removes DIR
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
src=$(cd "$(dirname "$0")/.." && pwd)
cmd=$1
dir=$2
case $cmd in
start)
	bash "$src/scripts/ceph.sh" stop "$dir"
	for b in ceph-mon ceph-osd radosgw radosgw-admin; do
		if ! command -v "$b" >/dev/null 2>&1; then
			if [ "${PROBESTORE_REQUIRE_CEPH:-}" = 1 ]; then
				echo "ceph_fixture.sh: $b is not installed, and PROBESTORE_REQUIRE_CEPH=1 requires the S3 tests" >&2
				exit 1
			fi
			echo "ceph_fixture.sh: $b is not installed: the _s3 tests will skip"
			exit 0
		fi
	done
	# a loaded machine sometimes keeps radosgw from answering in time: one
	# more try, after the log of the first
	for try in 1 2; do
		bash "$src/scripts/ceph.sh" start "$dir" && exit 0
		echo "ceph_fixture.sh: start $try failed; the end of radosgw's log:"
		tail -n 20 "$dir/log/client.rgw.a.log" 2>/dev/null
		bash "$src/scripts/ceph.sh" stop "$dir"
	done
	exit 1
	;;
stop)
	bash "$src/scripts/ceph.sh" stop "$dir"
	;;
*)
	echo "usage: $0 start|stop DIR" >&2
	exit 2
	;;
esac
