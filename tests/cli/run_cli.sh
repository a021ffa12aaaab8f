#!/usr/bin/env bash
# CLI tests: runs the probestore binary on the bundled httpx sample and on
# small inputs, and compares what it prints (standard output, standard error
# and exit status of every command) with the golden transcripts in golden/.
#
#   PROBESTORE=build/probestore bash tests/cli/run_cli.sh
#
# Environment: PROBESTORE (the binary, required), CLI_WORK (work directory,
# default a temporary one), PROBESTORE_UPDATE_GOLDEN=1 (write the transcripts
# to golden/ instead of comparing; review the diff before committing).
#
# CLI_BACKEND=s3 runs the sections whose commands only use the store against
# S3-compatible storage (AWS_ENDPOINT_URL, the keys and PROBESTORE_S3_BUCKET,
# as tests/with_ceph.sh sets them): every --data DIR, PROBESTORE_DATA and
# store file path DIR/probe_results/... becomes s3://BUCKET/<run>/DIR..., and
# s3://BUCKET/<run>/ is taken out of what the commands print, so that the
# same golden transcripts are compared. The commands that take a FILE
# (count FILE, cat, inspect) read local files only: for them the object is
# first downloaded with curl and the command reads the copy. The sections
# about local files are left out, each with a line saying so.
set -u
exec </dev/null

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
PS=${PROBESTORE:?set PROBESTORE to the probestore binary}
case $PS in /*) ;; *) PS=$(pwd)/$PS ;; esac
W=${CLI_WORK:-$(mktemp -d)}
rm -rf "$W"
mkdir -p "$W"
cd "$W" || exit 1
UPDATE=${PROBESTORE_UPDATE_GOLDEN:-0}
# the tests set what they need; nothing from the caller's environment
S3_BUCKET=${PROBESTORE_S3_BUCKET:-}
while read -r v; do unset "$v"; done < <(env | sed -n 's/^\(PROBESTORE_[A-Z_]*\)=.*/\1/p')
export TZ=UTC LC_ALL=C

BACKEND=${CLI_BACKEND:-local}
if [ "$BACKEND" = s3 ]; then
	if [ -z "${AWS_ENDPOINT_URL:-}" ] || [ -z "$S3_BUCKET" ]; then
		echo "cli: CLI_BACKEND=s3 needs AWS_ENDPOINT_URL and PROBESTORE_S3_BUCKET" >&2
		exit 2
	fi
	# the commands go through a wrapper that puts the data in the bucket and
	# takes the bucket's prefix out of what they print
	ROOT=s3://$S3_BUCKET/cli-$(date +%s)-$$
	{
		printf '#!/usr/bin/env bash\nroot=%q\nreal=%q\n' "$ROOT" "$PS"
		cat <<'EOF'
s3path() { case $1 in /* | s3://* | -) printf '%s' "$1" ;; *) printf '%s/%s' "$root" "$1" ;; esac; }
args=()
t=$(mktemp -d)
while [ $# -gt 0 ]; do
	case $1 in
	--data) args+=("$1"); shift; [ $# -gt 0 ] && args+=("$(s3path "$1")") ;;
	*/probe_results/* | */file_history/*)
		# FILE commands read local files: a copy of the object (a store's
		# own files, as in a local directory, are not copied)
		if [ -e "$1" ]; then
			args+=("$1")
		else
			mkdir -p "$t/$(dirname "$1")"
			curl -sf -o "$t/$1" --aws-sigv4 "aws:amz:${AWS_REGION:-us-east-1}:s3" \
				--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
				-H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
				"$AWS_ENDPOINT_URL/${root#s3://}/$1" || echo "probestore-s3: cannot download $root/$1" >&2
			args+=("$t/$1")
		fi
		;;
	*) args+=("$1") ;;
	esac
	[ $# -gt 0 ] && shift
done
[ -n "${PROBESTORE_DATA:-}" ] && export PROBESTORE_DATA="$(s3path "$PROBESTORE_DATA")"
"$real" "${args[@]}" >"$t/out" 2>"$t/err"
rc=$?
sed -e "s|$root/||g" -e "s|$t/||g" "$t/out"
sed -e "s|$root/||g" -e "s|$t/||g" "$t/err" >&2
rm -rf "$t"
exit $rc
EOF
	} >"$W/probestore-s3"
	chmod +x "$W/probestore-s3"
	PS=$W/probestore-s3
fi
# Sections about local files (damaged or junk files, directories) run on the
# local backend only.
local_only() {
	if [ "$BACKEND" != local ]; then
		echo "cli: $1: left out on $BACKEND (about local files: $2)"
		return 0
	fi
	return 1
}

SAMPLE=$SRC/examples/httpx-sample.jsonl
FIELDS=$HERE/httpx-fields.jsonl
failed=0
section=

begin() {
	section=$1
	: >"$W/$section.txt"
}

# The transcript of one command: "$ probestore ARGS", its standard output,
# "[stderr]" and its standard error if any, "[exit N]". Paths under the
# source tree and the work directory are shown relative to them.
run() {
	"$PS" "$@" >"$W/out" 2>"$W/err"
	local rc=$?
	{
		printf '$ probestore'
		local a
		for a in "$@"; do
			if [[ $a =~ ^[A-Za-z0-9_./:@%+,=-]+$ ]]; then
				printf ' %s' "$a"
			else
				printf " '%s'" "$a"
			fi
		done
		printf '\n'
		cat "$W/out"
		if [ -s "$W/err" ]; then
			echo "[stderr]"
			cat "$W/err"
		fi
		echo "[exit $rc]"
	} | sed -e "s|$SRC/||g" -e "s|$W/||g" -e "$NORM" >>"$W/$section.txt"
	return $rc
}
NORM='s/^$//'

# A comment line in the transcript.
note() {
	printf '# %s\n' "$*" >>"$W/$section.txt"
}

end() {
	local golden=$HERE/golden/$section.txt
	if [ "$UPDATE" = 1 ]; then
		mkdir -p "$HERE/golden"
		cp "$W/$section.txt" "$golden"
		echo "cli: wrote $golden"
	elif ! diff -u "$golden" "$W/$section.txt" >"$W/$section.diff" 2>&1; then
		echo "cli: $section: output differs from golden/$section.txt:"
		cat "$W/$section.diff"
		failed=1
	else
		echo "cli: $section: ok ($(grep -c '^\$ probestore' "$W/$section.txt") commands)"
	fi
}

check() { # check DESCRIPTION COMMAND...: a condition outside the transcripts
	if ! "${@:2}"; then
		echo "cli: FAILED: $1"
		failed=1
	fi
}

scan1() { grep '"timestamp":"2025-03-01' "$SAMPLE"; }
scan2() { grep '"timestamp":"2025-03-08' "$SAMPLE"; }
T1=2025-03-01T09:00:00Z
T2=2025-03-08T09:00:00Z

# ---------------------------------------------------------------------------
begin ingest
note "the sample: its first scan from standard input, the second from a file"
scan1 | run --data data ingest --group-by host --scan-time $T1 --session s1
scan2 >scan2.jsonl
run --data data ingest --group-by host scan2.jsonl --scan-time $T2 --session s2
note '- reads standard input too; --quiet prints nothing'
run --data data2 ingest --group-by host --quiet --scan-time $T1 - <"$SAMPLE"
run --data data2 count --target shop.example.com
note "one record per line of every httpx field, the scan time from each target's first record"
run --data fields ingest --group-by host "$FIELDS" --session f1
run --data fields query --format jsonl
note "an empty input writes nothing, unless --target names the target: then an empty scan"
run --data empty ingest --scan-time $T1
run --data empty ingest --target quiet.example.com --scan-time $T1 --session e1
run --data empty query --target quiet.example.com --count
note "--target puts every record in one scan"
scan1 | run --data one ingest --target example.com --scan-time $T1 --session o1
note "--codec"
scan1 | run --data codec ingest --codec snappy --target shop.example.com --scan-time $T1 --quiet
"$PS" inspect codec/probe_results/shop.example.com_443/scan_20250301_090000.parquet | grep -m1 -o 'SNAPPY' >>"$W/$section.txt"
note "configuration: utf8_repair replace turns invalid bytes into U+FFFD"
printf '{"url":"https://utf.example.com/","title":"caf\xe9 \xff"}\n' >badutf.jsonl
run --data utf ingest --group-by host badutf.jsonl --scan-time $T1 --session u1
run --data utf query --format csv
note "a data directory from PROBESTORE_DATA, and from the configuration file"
note "PROBESTORE_DATA=envdata"
scan1 | PROBESTORE_DATA=envdata run ingest --group-by host --quiet --scan-time $T1
run --data envdata count --target api.example.com
printf 'storage_config:\n  parquet_base_path: cfgdata\n  compression_codec: gzip\n' >store.yaml
scan1 | run --config store.yaml ingest --group-by host --quiet --scan-time $T1
"$PS" inspect cfgdata/probe_results/api.example.com_443/scan_20250301_090000.parquet | grep -m1 -o 'GZIP' >>"$W/$section.txt"
note "records of probestore itself: one scan per target and scan time, in time order"
"$PS" --data data query --scan all --format jsonl >all.jsonl
run --data copy ingest all.jsonl --session c1
end

# ---------------------------------------------------------------------------
begin group
note "httpx records are grouped by registrable domain by default: one scan per domain, as <domain>:443"
scan1 | run --data dom ingest --scan-time $T1 --session d1
scan2 | run --data dom ingest --scan-time $T2 --session d2
run --data dom count --target example.com --scan all
note "a subdomain that vanished shows as old"
printf '{"url":"https://a.example.org/"}\n{"url":"http://b.example.org:8080/x"}\n' | run --data gone ingest --scan-time $T1 --session g1
printf '{"url":"https://a.example.org/"}\n' | run --data gone ingest --scan-time $T2 --session g2
run --data gone diff --target example.org --format table
note "IP addresses and single-label hosts stay grouped by host and port; public suffixes of two labels count"
printf '%s\n' '{"url":"http://192.0.2.7:8080/"}' '{"url":"https://[2001:db8::5]/"}' '{"url":"http://intranet/"}' \
	'{"url":"https://a.b.example.co.uk:8443/x"}' '{"url":"http://www.example.co.uk/"}' '{"url":"https://x.github.io/"}' |
	run --data dom2 ingest --scan-time $T1 --session d3
note "--group-by host: one scan per host and port"
printf '{"url":"https://a.example.org/"}\n{"url":"http://b.example.org:8080/x"}\n' | run --data host ingest --group-by host --scan-time $T1 --session h1
run ingest --group-by nothing
note "the same ingest again writes nothing: each scan is stored already"
printf '{"url":"https://a.example.org/"}\n{"url":"http://b.example.org:8080/x"}\n' | run --data host ingest --group-by host --scan-time $T1 --session h1
note "an older scan ingested after a newer one: marks follow scan time"
printf '{"url":"https://a.example.net/"}\n{"url":"https://b.example.net/"}\n' | run --data late ingest --scan-time $T2 --session l2
printf '{"url":"https://a.example.net/"}\n{"url":"https://c.example.net/"}\n' | run --data late ingest --scan-time $T1 --session l1
run --data late query --target example.net --scan all --format csv
note "a URL twice (one line per method) is one URL"
printf '{"url":"https://a.example.net/","method":"GET"}\n{"url":"https://a.example.net/","method":"POST"}\n' | run --data twice ingest --scan-time $T1 --session t1
note "0 is 1970-01-01T00:00:00Z"
printf '{"url":"https://a.example.net/"}\n' | run --data zero ingest --scan-time 0 --session z1
printf '{"url":"https://a.example.net/"}\n' | run --data zero ingest --scan-time $T1 --session z2
run --data zero query --scan 0 --format csv
note "an escaped NUL never cuts a string"
printf '%s\n' '{"url":"https://a\u0000.example.net/","title":"a"}' '{"url":"https://b.example.net/","input":"evil\u0000/../../tmp"}' \
	'{"url":"https://c.example.net/","title":"a\u0000b"}' | run --data nul ingest --on-error skip --scan-time $T1 --session n1
end

# ---------------------------------------------------------------------------
begin query
note "every format"
run --data data query --target shop.example.com --format table
run --data data query --target shop.example.com --format jsonl
run --data data query --target shop.example.com --format csv
note "every filter"
run --data data query --status 200 --format table
run --data data query --status 4xx,301-302 --format table
run --data data query --status 401,503 --format table
run --data data query --tech nginx --format table
run --data data query --tech Nginx:1.25.3 --scan all --format table
run --data data query --tech react --diff new --format table
run --data data query --diff new --format table
run --data data query --diff existing --target api.example.com --format table
run --data data query --diff old --format table
run --data data query --diff old --format jsonl
run --data data query --diff old --scan $T1 --format table
run --data data query --content-type application/ --format table
run --data data query --url-contains health --format table
run --data data query --title-contains Shop --scan all --format table
run --data data query --errors --format table
run --data data query --errors --scan all --format table
note "which scans"
run --data data query --target api.example.com --scan all --format table
run --data data query --target api.example.com --scan 2025-03-01 --format table
run --data data query --target api.example.com --scan 20250301_090000 --format table
run --data data query --target api.example.com --scan 1741424400000 --format table
run --data data query --target api.example.com --since 2025-03-02 --format table
run --data data query --target api.example.com --until 2025-03-02 --format table
run --data data query --target api.example.com --since 2025-03-01 --until 2025-03-08 --format table
run --data data query --target api.example.com --scan 2025-03-05 --format table
note "limit, offset, count"
run --data data query --scan all --limit 3 --format table
run --data data query --scan all --limit 2 --offset 3 --format jsonl
run --data data query --scan all --offset 100 --format table
run --data data query --scan all --limit 0 --count
run --data data query --scan all --count
run --data data query --tech nginx --count
run --data data query --diff old --count
run --data data query --status 2xx --scan all --limit 1 --count
note "the same window counted on one thread and on three"
run --data data query --scan all --limit 2 --offset 3 --format jsonl --threads 1
run --data data query --scan all --limit 2 --offset 3 --format jsonl --threads 3
run --data data query --scan all --count --threads 3
run --data data query --threads x
note "without --format and not on a terminal: JSON Lines"
run --data data query --target staging.example.net:8443
note "configuration: default_limit"
printf 'storage_config:\n  parquet_reader:\n    default_limit: 2\n' >limit.yaml
run --data data --config limit.yaml query --format table
run --data data --config limit.yaml query --limit 0 --count
end

# ---------------------------------------------------------------------------
begin scans
NORM='s/"bytes":[0-9][0-9]*/"bytes":N/; s/^\([^,]*,[^,]*,[0-9]*,[0-9]*\),[0-9]*,/\1,N,/; s/ *[0-9.][0-9.]* \(B\|KiB\)  \([a-z]\)/  N KiB  \2/; s/ *SIZE  FILE/   SIZE  FILE/'
run --data data scans --format table
run --data data scans --format jsonl
run --data data scans --format csv
run --data data scans --target https://api.example.com/ --format jsonl
run --data empty scans --format table
run --data empty scans --target quiet.example.com
NORM='s/^$//'
end

# ---------------------------------------------------------------------------
begin diff
run --data data diff --target shop.example.com --format table
run --data data diff --target shop.example.com --format jsonl
run --data data diff --target shop.example.com --format csv
run --data data diff --format table
run --data data diff --changes --format table
run --data data diff --changes --target shop.example.com --format jsonl
run --data data diff --changes --target shop.example.com --format csv
run --data data query --diff changed --format jsonl
run --data data query --diff changed --scan all --count
run --data data timeline --target shop.example.com --format table
run --data data timeline --target shop.example.com --format jsonl
run --data data timeline --target shop.example.com --format csv
note "the reverse direction, scans named by time"
run --data data diff --target shop.example.com --from $T2 --to 2025-03-01 --format table
run --data data diff --target shop.example.com --to 20250301_090000 --format jsonl
run --data fields diff --target bare.example.org:8443 --format table
end

# ---------------------------------------------------------------------------
begin count
run --data data count --target shop.example.com
run --data data count --target shop.example.com --scan all
run --data data count --target shop.example.com --scan 2025-03-01
run --data data count --target shop.example.com --scan latest
run count data/probe_results/shop.example.com_443/scan_20250301_090000.parquet
run --data empty count --target quiet.example.com
end

# ---------------------------------------------------------------------------
begin roundtrip
note "ingest -> query -> ingest: the copy reads back identically, every scan"
"$PS" --data data query --scan all --format jsonl >a.jsonl
"$PS" --data rt ingest --quiet a.jsonl
"$PS" --data rt query --scan all --format jsonl >b.jsonl
check "round trip: query output of the copy equals the original's" cmp -s a.jsonl b.jsonl
run --data rt diff --target shop.example.com --format table
note "query prints the values cat prints for the scan file"
"$PS" --data data query --target shop.example.com --scan $T1 --format jsonl >q.jsonl
"$PS" cat data/probe_results/shop.example.com_443/scan_20250301_090000.parquet >c.jsonl
check "query --format jsonl equals cat of the scan file" cmp -s q.jsonl c.jsonl
note "the fields fixture through a second round"
"$PS" --data fields query --scan all --format jsonl >fa.jsonl
"$PS" --data fields2 ingest --quiet fa.jsonl
"$PS" --data fields2 query --scan all --format jsonl >fb.jsonl
check "round trip of the httpx fields fixture" cmp -s fa.jsonl fb.jsonl
run --data fields2 count --target fields.example.com
end

# ---------------------------------------------------------------------------
if ! local_only errors "missing, junk and half-written files, local configuration files"; then
begin errors
note "usage errors: exit status 2"
run
run frobnicate
run --bogus query
run --data
run --log-level loud query
run --log-format xml query
run help frobnicate
run query --format xml
run query --status 99
run query --status 200,abc
run query --diff gone
run query --limit -1
run query --limit
run query --scan yesterday
run query --scan all --since 2025-03-01
run query --diff old --scan all
run query --since 2025-03-08 --until 2025-03-01
run query --target 'https://exa mple.com'
run query stray
run ingest --format xml
run ingest --on-error ignore
run ingest --scan-time soon
run ingest --codec zip
run ingest --max-line-size big
run ingest --max-line-size 0
run ingest --session ''
run ingest - -
run ingest --frobnicate
run scans --target ''
run diff --from 2025-03-01
run count
run count a.parquet --target x.example.com
run count a.parquet --scan all
run verify extra
note "runtime errors: exit status 1, one line naming what and where"
run --data nowhere query
run --data nowhere scans
run --data data query --target nothing.example.com
run --data data scans --target nothing.example.com
run --data data diff --target nothing.example.com
run --data data query --target staging.example.net
printf '{"url":"http://ports.example.com/"}\n{"url":"http://ports.example.com:8080/"}\n' | "$PS" --data ports ingest --group-by host --quiet --scan-time $T1
run --data ports count --target ports.example.com
run --data data diff --target shop.example.com --to 2025-01-01
run --data data count --target shop.example.com --scan 2025-01-01
run count missing.parquet
printf 'not parquet at all' >junk.parquet
run count junk.parquet
run --data data ingest missing.jsonl
printf 'storage_config:\n  compresion_codec: zstd\n' >typo.yaml
run --config typo.yaml --data data scans
run --config missing.yaml --data data scans
note "PROBESTORE_CODEC=zip"
PROBESTORE_CODEC=zip run --data data scans
note "a bad line stops the ingest with its line number and nothing is written"
printf '{"url":"https://bad.example.com/a"}\n\n{"url":"https://bad.example.com/b",\n' >bad-json.jsonl
run --data bad ingest bad-json.jsonl
printf '{"url":"https://bad.example.com/a","status_code":"200"}\n' | run --data bad ingest
printf '{"url":"https://bad.example.com/a","status_code":999}\n' | run --data bad ingest
printf '{"title":"no url"}\n' | run --data bad ingest
printf '"just a string"\n' | run --data bad ingest
printf '{"url":"ftp://bad.example.com/"}\n' | run --data bad ingest
printf '{"url":"https://bad.example.com/","tech":"Nginx"}\n' | run --data bad ingest
printf '{"original_url":"https://bad.example.com/","scan_timestamp":"now"}\n' | run --data bad ingest
note "--format httpx takes probestore records for httpx ones, which lack url"
head -n1 all.jsonl | run --data bad ingest --format httpx
note "the first bad line of several inputs; the files before it are not written either"
run --data bad ingest scan2.jsonl bad-json.jsonl
check "a failed ingest writes nothing" test ! -e bad/probe_results
note "lines longer than the limit"
awk 'BEGIN { printf "{\"url\":\"https://long.example.com/\",\"body\":\""; for (i = 0; i < 3000; i++) printf "x"; print "\"}" }' >long.jsonl
run --data bad ingest long.jsonl --max-line-size 2K
note "PROBESTORE_MAX_LINE_SIZE=1K"
PROBESTORE_MAX_LINE_SIZE=1K run --data bad ingest long.jsonl
printf 'storage_config:\n  parquet_writer:\n    max_line_size: 1500B\n' >line.yaml
run --data bad --config line.yaml ingest long.jsonl
note "the flag over the configuration"
run --data long2 --config line.yaml ingest long.jsonl --max-line-size 4K --quiet
run --data long ingest long.jsonl --max-line-size 4K --scan-time $T1 --session l1
note "utf8_repair reject refuses invalid UTF-8 with the line and byte"
printf 'storage_config:\n  parquet_writer:\n    utf8_repair: reject\n' >reject.yaml
run --data bad --config reject.yaml ingest badutf.jsonl
note "--on-error skip reports each bad line and writes the rest"
cat bad-json.jsonl long.jsonl >mixed.jsonl
printf '{"url":"https://bad.example.com/c","status_code":0}\n' >>mixed.jsonl
run --data skip ingest --group-by host mixed.jsonl --on-error skip --max-line-size 2K --scan-time $T1 --session k1
run --data skip query --format table
printf '[]\n{}\n' | run --data skip2 ingest --on-error skip
note "a bucket where libcurl cannot be used: the library found is not libcurl"
mkdir -p nocurl && : >nocurl/empty.c && ${CC:-cc} -shared -o nocurl/libcurl.so.4 nocurl/empty.c
LD_LIBRARY_PATH=$W/nocurl AWS_ACCESS_KEY_ID=k AWS_SECRET_ACCESS_KEY=s AWS_ENDPOINT_URL=http://127.0.0.1:9 \
	run --data s3://bucket/p query --count
end
fi

# ---------------------------------------------------------------------------
if ! local_only verify "copies of the data directory damaged in place"; then
begin verify
run --data data verify
run --data data verify --verbose
cp -r data damaged
f=damaged/probe_results/api.example.com_443/scan_20250308_090000.parquet
head -c 2000 "$f" >"$f.cut" && mv "$f.cut" "$f"
printf 'PAR1 this is not a footer' >damaged/probe_results/shop.example.com_443/notes.parquet
note "an intact footer over a damaged page: the data is read, not only the metadata"
f=damaged/probe_results/shop.example.com_443/scan_20250301_090000.parquet
printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' | dd of="$f" bs=1 seek=60 conv=notrunc status=none
run --data damaged verify
NORM='s/"bytes":[0-9][0-9]*/"bytes":N/'
run --data damaged scans --target api.example.com --format jsonl
NORM='s/^$//'
end
fi

# ---------------------------------------------------------------------------
if ! local_only large "no file left behind after a failed ingest, checked with find"; then
begin large
note "more records than ingest buffers per target: the scans of big targets start early"
awk 'BEGIN { t = sprintf("%2000s", ""); gsub(/ /, "t", t)
	for (i = 0; i < 40000; i++)
		printf "{\"url\":\"https://big%d.example.com/p/%d\",\"input\":\"big%d.example.com\",\"title\":\"%s\",\"status_code\":200}\n", i % 3, i, i % 3, t }' >large.jsonl
cp large.jsonl large-bad.jsonl
echo '{"url":"https://big0.example.com/last","status_code":"200"}' >>large-bad.jsonl
note "a bad last line: the scans begun are dropped, nothing is left behind"
run --data large ingest --group-by host large-bad.jsonl --scan-time $T1
check "a failed large ingest leaves no file" test -z "$(find large -type f 2>/dev/null)"
run --data large ingest --group-by host large.jsonl --scan-time $T1 --session g1
run --data large query --scan all --count
run --data large query --target big1.example.com --url-contains /p/39997 --format csv
run --data large verify
end
fi

# ---------------------------------------------------------------------------
begin cells
note "table widths are terminal columns: CJK and emoji take 2, a combining mark 0; the title"
note "column stays within 40 columns, whatever the locale (this runs under LC_ALL=C)"
{
	printf '%s\n' '{"url":"https://cells.example.com/cjk","title":"日本語のタイトルがとても長い場合にはどうなるのでしょうか本当に長いタイトル","status_code":200,"tech":["Nginx"]}'
	printf '%s\n' '{"url":"https://cells.example.com/marks","title":"e\u0301te\u0301 😀 👍🏽 ok","status_code":200,"tech":["a;b","c,d","e\"f"]}'
	printf '%s\n' '{"url":"https://cells.example.com/emoji","title":"😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀","status_code":200}'
	printf '%s\n' '{"url":"https://cells.example.com/formula","title":"=HYPERLINK(\"http://evil.example/\",\"x\")","status_code":200,"tech":["@x"]}'
	printf '%s\n' '{"url":"https://cells.example.com/sign","title":"-1+2","webserver":"+srv","status_code":200}'
	printf '%s\n' '{"url":"https://cells.example.com/at","title":"@SUM(A1)","status_code":200}'
	printf '%s\n' '{"url":"https://cells.example.com/tab","title":"\tTab first","status_code":200}'
} >cells.jsonl
run --data cells ingest cells.jsonl --scan-time $T1 --session c1 --quiet
run --data cells query --format table
LC_ALL=C.UTF-8 "$PS" --data cells query --format table >cells-utf8.out 2>&1
"$PS" --data cells query --format table >cells-c.out 2>&1
check "the table is the same under C.UTF-8 and C" cmp -s cells-utf8.out cells-c.out
note "CSV: formulas get a leading ', lists are JSON arrays (an element may hold ; or ,)"
run --data cells query --format csv
end

# ---------------------------------------------------------------------------
# The progress line shows on a terminal only (script(1) provides one).
if local_only terminal "the progress line and the table on a terminal"; then
	:
elif command -v script >/dev/null 2>&1; then
	script -qec "'$PS' --data tty ingest --group-by host '$SAMPLE' --scan-time $T1" /dev/null >tty.out 2>&1
	check "progress line on a terminal" grep -Eq 'ingest: [0-9]+ records?, [0-9]+ records/s, [0-9.]+ KiB read' tty.out
	check "progress line cleared before the summary" grep -q $'\r\033\\[K' tty.out
	"$PS" --data notty ingest --group-by host "$SAMPLE" --scan-time $T1 >notty.out 2>notty.err
	check "no progress line when standard error is not a terminal" test ! -s notty.err
	script -qec "'$PS' --data tty query --target api.example.com" /dev/null >tty-query.out 2>&1
	check "a table on a terminal" grep -q 'STATUS  URL' tty-query.out
else
	echo "cli: script(1) not found; the terminal checks are left out"
fi

if [ $failed = 0 ]; then
	echo "cli: all passed"
	rm -rf "$W"
fi
exit $failed
