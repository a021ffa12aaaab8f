#!/usr/bin/env bash
# A one-node Ceph cluster on 127.0.0.1 for the S3 tests: a monitor, one OSD
# on memstore (objects live in the OSD's memory) and radosgw with the beast
# frontend on a free loopback port, an S3 user with fixed test keys and a
# bucket. All state (configuration, keyrings, logs, PID files) lives under
# DIR; nothing listens on another address.
#
#   scripts/ceph.sh start DIR   start it; prints the endpoint and keys, and
#                               writes them to DIR/env as shell exports
#   scripts/ceph.sh env DIR     prints the exports of a running cluster
#   scripts/ceph.sh stop DIR    stops the daemons started in DIR (by PID,
#                               nothing else) and removes DIR
#   scripts/ceph.sh rgw-stop DIR   stops only radosgw (by its PID file), so
#                               that clients see the S3 service go away
#   scripts/ceph.sh rgw-start DIR  starts radosgw again on the same port and
#                               waits until it answers
#
# Environment: CEPH_BUCKET (default probestore-test), CEPH_REGION (default
# us-east-1). The keys are fixed test keys: this cluster is for tests only.
set -eEuo pipefail

access_key=PROBESTORETESTKEY000
secret_key=probestoretestsecret0000000000000000000
bucket=${CEPH_BUCKET:-probestore-test}
region=${CEPH_REGION:-us-east-1}

usage() {
	echo "usage: $0 start|stop|env|rgw-stop|rgw-start DIR" >&2
	exit 2
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$2

starting=0
trap '[ "$starting" != 1 ] || die "a command failed at line $LINENO"' ERR

# A failed start stops what it started and keeps DIR, with its logs.
die() {
	echo "ceph.sh: $*" >&2
	if [ "$starting" = 1 ]; then
		stop_daemons
		echo "ceph.sh: daemons stopped; logs in $dir/log (remove $dir with: $0 stop $dir)" >&2
	fi
	exit 1
}

# A TCP port on 127.0.0.1 that nothing listens on. Another program may take
# it before the daemon binds it; start then fails and says which port.
free_port() {
	local p tries=0
	while [ $tries -lt 200 ]; do
		p=$((20000 + RANDOM % 30000))
		if ! ss -Htln "sport = :$p" | grep -q .; then
			echo "$p"
			return 0
		fi
		tries=$((tries + 1))
	done
	die "no free port on 127.0.0.1"
}

print_env() {
	cat "$dir/env"
}

# Stops every daemon whose PID file is in DIR/run, waiting for each to exit.
stop_daemons() {
	local f pid i
	for f in "$dir"/run/*.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f" 2>/dev/null || true)
		[[ $pid =~ ^[0-9]+$ ]] || continue
		# only a process still running one of the Ceph daemons we started
		if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$dir/ceph.conf"; then
			kill "$pid" 2>/dev/null || true
			for i in $(seq 1 100); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
		fi
	done
}

# radosgw alone, by its PID file: it stops answering, the cluster stays.
rgw_stop() {
	local f=$dir/run/client.rgw.a.pid pid i
	[ -f "$f" ] || die "radosgw is not running in $dir (no $f)"
	pid=$(cat "$f" 2>/dev/null || true)
	[[ $pid =~ ^[0-9]+$ ]] || die "$f holds no PID"
	if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$dir/ceph.conf"; then
		kill "$pid" 2>/dev/null || true
		for i in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
}

# radosgw again, on the port of DIR/ceph.conf; returns once it answers.
rgw_start() {
	[ -f "$dir/env" ] || die "no cluster in $dir"
	local endpoint i
	endpoint=$(sed -n 's/.*AWS_ENDPOINT_URL=\([^ ]*\).*/\1/p' "$dir/env")
	[ -n "$endpoint" ] || die "$dir/env names no endpoint"
	radosgw -c "$dir/ceph.conf" -n client.rgw.a || die "radosgw did not start (see $dir/log/client.rgw.a.log)"
	for i in $(seq 1 600); do
		curl -s -o /dev/null --max-time 1 "$endpoint/" && return 0
		sleep 0.1
	done
	die "radosgw does not answer on $endpoint (see $dir/log/client.rgw.a.log)"
}

start() {
	for b in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool curl; do
		command -v "$b" >/dev/null 2>&1 || die "$b is not installed (Debian: ceph-mon ceph-osd radosgw ceph-common)"
	done
	[ ! -e "$dir/ceph.conf" ] || die "$dir already holds a cluster (stop it first)"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	mkdir -p "$dir/run" "$dir/log" "$dir/mon" "$dir/osd" "$dir/rgw"
	starting=1
	local t0 fsid monport rgwport conf
	t0=$(date +%s.%N)
	fsid=$(uuidgen)
	monport=$(free_port)
	rgwport=$(free_port)
	while [ "$rgwport" = "$monport" ]; do rgwport=$(free_port); done
	conf=$dir/ceph.conf
	cat >"$conf" <<EOF
[global]
fsid = $fsid
mon initial members = a
mon host = [v2:127.0.0.1:$monport]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.0/8
cluster network = 127.0.0.0/8
ms bind msgr1 = false
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
run dir = $dir/run
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
mon cluster log file = $dir/log/cluster.log
crash dir = $dir/crash
osd objectstore = memstore
memstore device bytes = 2147483648
osd data = $dir/osd/\$id
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
# the monitor commits its maps every 50 ms, not every second: radosgw
# creates its pools one map change at a time (S3-ready in 6 s, not 17)
paxos propose interval = 0.05
paxos min wait = 0.01
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
mon max pg per osd = 1000
osd memory target = 268435456
mon data avail warn = 1
mon data avail crit = 0

[mon.a]
mon data = $dir/mon/a
keyring = $dir/mon/keyring

[osd.0]
keyring = $dir/osd/keyring

[client]
keyring = $dir/admin.keyring

[client.rgw.a]
keyring = $dir/rgw/keyring
# tcp_nodelay: without it every request after the first on a kept-alive
# connection waits about 40 ms for the client's delayed ACK (Nagle)
rgw frontends = beast endpoint=127.0.0.1:$rgwport tcp_nodelay=1
# 4 request threads, not 512: on a machine of two cores radosgw spent half
# its CPU switching between them (a count over 50 objects, 56 requests:
# 47 ms of radosgw CPU with 512 threads, 27 with 4, 25 with 2)
rgw thread pool size = 4
rgw data = $dir/rgw
rgw dns name = localhost
# deleted objects' space back in seconds, not hours: the OSD keeps them in memory
rgw gc obj min wait = 5
rgw gc processor period = 10
EOF
	local c=(-c "$conf")
	# keyrings: the monitor's, the admin's (imported into the monitor's)
	ceph-authtool --create-keyring "$dir/mon/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
	ceph-authtool --create-keyring "$dir/admin.keyring" --gen-key -n client.admin \
		--cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
	ceph-authtool "$dir/mon/keyring" --import-keyring "$dir/admin.keyring" >/dev/null
	monmaptool --create --addv a "[v2:127.0.0.1:$monport]" --fsid "$fsid" "$dir/mon/monmap" >/dev/null
	ceph-mon "${c[@]}" --mkfs -i a --monmap "$dir/mon/monmap" --keyring "$dir/mon/keyring" \
		>"$dir/log/mkfs-mon.out" 2>&1 || die "ceph-mon --mkfs failed: $(tail -3 "$dir/log/mkfs-mon.out")"
	ceph-mon "${c[@]}" -i a || die "ceph-mon did not start on 127.0.0.1:$monport (see $dir/log/mon.a.log)"
	timeout 30 ceph "${c[@]}" mon stat >/dev/null 2>&1 || die "the monitor does not answer (see $dir/log/mon.a.log)"

	# the OSD: --mkfs writes no keyring, so create it and register it
	local ouuid
	ouuid=$(uuidgen)
	ceph "${c[@]}" osd new "$ouuid" 0 >/dev/null
	ceph-authtool --create-keyring "$dir/osd/keyring" --gen-key -n osd.0 >/dev/null
	ceph "${c[@]}" auth add osd.0 -i "$dir/osd/keyring" mon 'allow profile osd' osd 'allow *' mgr 'allow profile osd' \
		>/dev/null 2>&1
	mkdir -p "$dir/osd/0"
	ceph-osd "${c[@]}" -i 0 --mkfs --osd-uuid "$ouuid" >"$dir/log/mkfs-osd.out" 2>&1 ||
		die "ceph-osd --mkfs failed: $(tail -3 "$dir/log/mkfs-osd.out")"
	ceph-osd "${c[@]}" -i 0 2>"$dir/log/osd.0.err" || die "ceph-osd did not start (see $dir/log/osd.0.log)"

	# radosgw creates its pools itself once the OSD is up
	ceph "${c[@]}" auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' mgr 'allow rw' \
		-o "$dir/rgw/keyring" >/dev/null 2>&1
	local i
	for i in $(seq 1 300); do
		ceph "${c[@]}" osd stat 2>/dev/null | grep -q '1 up' && break
		sleep 0.1
	done
	ceph "${c[@]}" osd stat 2>/dev/null | grep -q '1 up' || die "the OSD did not come up (see $dir/log/osd.0.log)"
	radosgw "${c[@]}" -n client.rgw.a || die "radosgw did not start (see $dir/log/client.rgw.a.log)"
	local endpoint=http://127.0.0.1:$rgwport
	for i in $(seq 1 600); do
		curl -s -o /dev/null --max-time 1 "$endpoint/" && break
		sleep 0.1
	done
	curl -s -o /dev/null --max-time 1 "$endpoint/" || die "radosgw does not answer on $endpoint (see $dir/log/client.rgw.a.log)"

	radosgw-admin "${c[@]}" -n client.admin user create --uid=probestore-test --display-name="probestore test" \
		--access-key="$access_key" --secret-key="$secret_key" >/dev/null 2>"$dir/log/user-create.err" ||
		die "radosgw-admin user create failed: $(tail -3 "$dir/log/user-create.err")"
	local code empty=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
	for i in $(seq 1 50); do
		code=$(curl -s -o "$dir/log/bucket-create.out" -w '%{http_code}' -X PUT \
			--aws-sigv4 "aws:amz:$region:s3" --user "$access_key:$secret_key" \
			-H "x-amz-content-sha256: $empty" "$endpoint/$bucket") || code=000
		[ "$code" = 200 ] && break
		sleep 0.2
	done
	[ "$code" = 200 ] || die "creating bucket $bucket failed with HTTP $code: $(cat "$dir/log/bucket-create.out")"

	cat >"$dir/env" <<EOF
export AWS_ENDPOINT_URL=$endpoint AWS_ACCESS_KEY_ID=$access_key AWS_SECRET_ACCESS_KEY=$secret_key AWS_REGION=$region PROBESTORE_S3_BUCKET=$bucket
EOF
	starting=0
	local t1
	t1=$(date +%s.%N)
	echo "ceph.sh: S3 ready at $endpoint, bucket $bucket, in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s" >&2
	print_env
}

case $cmd in
start)
	start
	;;
env)
	[ -f "$dir/env" ] || die "no cluster in $dir"
	print_env
	;;
rgw-stop)
	dir=$(cd "$dir" && pwd)
	rgw_stop
	;;
rgw-start)
	dir=$(cd "$dir" && pwd)
	rgw_start
	;;
stop)
	[ -d "$dir" ] || exit 0
	dir=$(cd "$dir" && pwd)
	stop_daemons
	rm -rf "$dir"
	;;
*)
	usage
	;;
esac
