#!/usr/bin/env bash
# cli_report test: `probestore report` end to end on the httpx sample: the
# page written with -o (whole, no temporary file left) and to standard
# output, --target, --since and --until choosing targets and scans,
# --max-rows with the query command for the rest (which lists exactly the
# rows left out), and every usage and runtime error with its exit status.
#
#   PROBESTORE=build/probestore bash tests/cli/run_report.sh
set -u
PS=${PROBESTORE:?set PROBESTORE to the probestore binary}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
W=${CLI_WORK:-$(mktemp -d)}
rm -rf "$W"
mkdir -p "$W"
failed=0
fail() {
	echo "cli_report: $*"
	failed=1
}
expect() { # NAME WANT GOT
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}
has() { # NAME FILE TEXT
	grep -qF -- "$3" "$2" || fail "$1: $2 lacks '$3'"
}
lacks() { # NAME FILE TEXT
	! grep -qF -- "$3" "$2" || fail "$1: $2 holds '$3'"
}
P=("$PS" --data "$W/data")
sample=$SRC/examples/httpx-sample.jsonl
grep '"timestamp":"2025-03-01' "$sample" | "${P[@]}" ingest -q --group-by host --scan-time 2025-03-01T09:00:00Z
grep '"timestamp":"2025-03-08' "$sample" | "${P[@]}" ingest -q --group-by host --scan-time 2025-03-08T09:00:00Z
"${P[@]}" history add --url https://shop.example.com/static/app.js --file "$SRC/examples/monitored/app-v1.js" --time 2025-03-01T09:05:00Z >/dev/null
"${P[@]}" history add --url https://shop.example.com/static/app.js --file "$SRC/examples/monitored/app-v2.js" --time 2025-03-08T09:05:00Z >/dev/null

# the whole store to a file
"${P[@]}" report -o "$W/all.html"
expect "report -o exit" 0 $?
expect "no temporary file left" "" "$(find "$W" -maxdepth 1 -name 'all.html.tmp*')"
has "all" "$W/all.html" '<dd id="n-targets">3</dd>'
has "all" "$W/all.html" '<dd id="n-scans">6</dd>'
has "all" "$W/all.html" '<dd id="n-records">9</dd>'
has "all" "$W/all.html" '<dd id="n-files">1</dd>'
has "all" "$W/all.html" '<h4>New URLs (1)</h4>'
has "all" "$W/all.html" 'https://shop.example.com/old-checkout'
has "all" "$W/all.html" '+  return get(api + &quot;/admin/users?debug=1&quot;);'
tail -c 16 "$W/all.html" | grep -q '</html>' || fail "all: the page does not end with </html>"
# the same page on standard output (but for the time it was generated)
"${P[@]}" report >"$W/stdout.html"
expect "report to stdout exit" 0 $?
cmp -s <(grep -v '^<footer>' "$W/all.html") <(grep -v '^<footer>' "$W/stdout.html") ||
	fail "stdout: the page differs from the one written with -o"

# one target, a time range
"${P[@]}" report --target shop.example.com --until 2025-03-01 -o "$W/one.html"
has "one target" "$W/one.html" '<dd id="n-targets">1</dd>'
has "one target" "$W/one.html" '<dd id="n-scans">1</dd>'
has "one target" "$W/one.html" 'data-target="shop.example.com:443" data-scans="1"'
has "one target" "$W/one.html" '<h4>New URLs (4)</h4>'
lacks "one target" "$W/one.html" 'api.example.com'
lacks "one target, until" "$W/one.html" 'https://shop.example.com/app<'
"${P[@]}" report --target api.example.com --target shop.example.com --since 2025-03-02 -o "$W/two.html"
has "two targets" "$W/two.html" '<dd id="n-targets">2</dd>'
has "two targets" "$W/two.html" '<dd id="n-scans">2</dd>'
lacks "two targets" "$W/two.html" 'staging.example.net'

# targets without a scan in the range are left out, unless asked for
"${P[@]}" report --since 2025-03-09 -o "$W/later.html"
has "nothing later" "$W/later.html" '<dd id="n-targets">0</dd>'
has "nothing later" "$W/later.html" 'The store holds no scan and no monitored file in this range.'
"${P[@]}" report --target api.example.com --since 2025-03-09 -o "$W/later1.html"
has "asked, nothing later" "$W/later1.html" '<dd id="n-targets">1</dd>'
has "asked, nothing later" "$W/later1.html" 'No scan in the time range.'

# rows past --max-rows: counted, and the command given lists exactly them
"${P[@]}" report --target shop.example.com --until 2025-03-01 --max-rows 1 -o "$W/capped.html"
has "capped" "$W/capped.html" '3 more URLs not shown'
cmd=$(grep -o 'probestore query --target [^<]*--limit 0' "$W/capped.html" | head -n 1)
expect "capped: the query command" "probestore query --target shop.example.com:443 --scan 2025-03-01T09:00:00Z --diff new --limit 0" "$cmd"
n=$("${P[@]}" ${cmd#probestore } --format jsonl | wc -l)
expect "capped: the command lists every new URL" 4 "$n"

# errors
err() { # NAME WANT_STATUS WANT_MESSAGE ARGS...
	local name=$1 want=$2 msg=$3
	shift 3
	out=$("${P[@]}" report "$@" 2>&1 >/dev/null)
	local st=$?
	expect "$name status" "$want" "$st"
	grep -qF -- "$msg" <<<"$out" || fail "$name: message '$out' lacks '$msg'"
}
err "unknown option" 2 "unknown option '--bogus'" --bogus
err "argument" 2 "unexpected argument 'extra'" extra
err "bad since" 2 "--since" --since yesterday
err "since after until" 2 "is after --until" --since 2025-03-08 --until 2025-03-01
err "bad target" 2 "--target" --target 'http://'
err "bad max-rows" 2 "--max-rows" --max-rows -1
err "empty -o" 2 "-o needs a file name" -o ''
err "missing value" 2 "option -o needs a value" -o
err "target without scans" 1 "nowhere.example.com" --target nowhere.example.com -o "$W/none.html"
[ ! -e "$W/none.html" ] || fail "target without scans: $W/none.html written"
expect "no temporary file after an error" "" "$(find "$W" -maxdepth 1 -name 'none.html.tmp*')"
err "unwritable" 1 "cannot create" -o "$W/no/such/dir/r.html"
st=0
"$PS" --data "$W/nothing-here" report >/dev/null 2>&1 || st=$?
expect "missing data directory status" 1 "$st"

[ $failed = 0 ] && echo "cli_report: ok"
exit $failed
