#!/usr/bin/env bash
# cli_history test: `probestore history` end to end. Three versions of a
# bundle are added (new, changed, unchanged), then last, last --content,
# list, hosts, diffs and compact are checked value by value, and every
# usage error exits 2 with its message. Then a URL with a truncated archive
# file: last, list, diffs and add answer from the other files (exit 3), verify
# names it; verify lists temporary files, --repair removes those no lock
# holder keeps, --quarantine moves the bad history and scan files aside.
#
#   PROBESTORE=build/probestore bash tests/cli/run_history.sh
set -u
PS=${PROBESTORE:?set PROBESTORE to the probestore binary}
W=${CLI_WORK:-$(mktemp -d)}
rm -rf "$W"
mkdir -p "$W"
failed=0
fail() {
	echo "cli_history: $*"
	failed=1
}
expect() { # NAME WANT GOT
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}
field() { # JSON KEY: the value of a top-level key
	node -e 'const o = JSON.parse(process.argv[1]); const v = o[process.argv[2]]; console.log(typeof v === "object" ? JSON.stringify(v) : String(v))' "$1" "$2" 2>/dev/null ||
		sed -E "s/.*\"$2\":(\"([^\"]*)\"|([^,}]*)).*/\2\3/" <<<"$1"
}
P=("$PS" --data "$W/data")
URL=https://cdn.example.com/static/app.js
printf 'line one\nline two\nline three\n' >"$W/v1.js"
printf 'line one\nline 2\nline three\nline four\n' >"$W/v2.js"

out=$("${P[@]}" history add --url "$URL" --file "$W/v1.js" --content-type application/javascript --etag '"e1"' --time 2025-03-01T09:00:00Z)
expect "add v1 exit" 0 $?
expect "add v1 status" new "$(field "$out" status)"
expect "add v1 hash" "$(sha256sum "$W/v1.js" | cut -d' ' -f1)" "$(field "$out" hash)"
out=$("${P[@]}" history add --url "$URL" --time 2025-03-02T09:00:00Z <"$W/v2.js")
expect "add v2 status" changed "$(field "$out" status)"
expect "add v2 old hash" "$(sha256sum "$W/v1.js" | cut -d' ' -f1)" "$(field "$out" old_hash)"
expect "add v2 added" 2 "$(field "$out" lines_added)"
expect "add v2 deleted" 1 "$(field "$out" lines_deleted)"
expect "add v2 changed" 1 "$(field "$out" lines_changed)"
out=$("${P[@]}" history add --url "$URL" --file "$W/v2.js" --time 2025-03-03T09:00:00Z)
expect "add v3 status" unchanged "$(field "$out" status)"
expect "add v3 file" null "$(field "$out" file)"

"${P[@]}" history last "$URL" --content >"$W/last.js"
cmp -s "$W/last.js" "$W/v2.js" || fail "last --content is not the second version byte for byte"
out=$("${P[@]}" history last "$URL")
expect "last timestamp" 2025-03-02T09:00:00.000Z "$(field "$out" timestamp)"
expect "last length" "$(wc -c <"$W/v2.js" | tr -d ' ')" "$(field "$out" content_length)"
out=$("${P[@]}" history list "$URL")
expect "list lines" 2 "$(wc -l <<<"$out" | tr -d ' ')"
expect "list newest first" 2025-03-02T09:00:00.000Z "$(field "$(head -n 1 <<<"$out")" timestamp)"
expect "list first etag" '"e1"' "$(field "$(tail -n 1 <<<"$out")" etag)"
out=$("${P[@]}" history list "$URL" --limit 1)
expect "list --limit 1" 1 "$(wc -l <<<"$out" | tr -d ' ')"
expect "hosts" cdn.example.com:443 "$("${P[@]}" history hosts)"
out=$("${P[@]}" history diffs "$URL" https://cdn.example.com/none.js 2>"$W/err"); rc=$?
expect "diffs with an unknown URL exit" 1 $rc
expect "diffs lines" 1 "$(wc -l <<<"$out" | tr -d ' ')"
first=$(head -n 1 <<<"$out")
expect "diffs found" true "$(field "$first" found)"
expect "diffs deleted" 1 "$(field "$first" lines_deleted)"
grep -q '"operation":"insert","text":"line four' <<<"$first" || fail "diffs: no insert of 'line four' in $first"
grep -q "https://cdn.example.com/none.js has no stored version" "$W/err" || fail "diffs unknown URL: $(cat "$W/err")"
# last and list show a diff as diffs does: operations by name, not -1/0/1
out=$("${P[@]}" history last "$URL")
grep -q '"diff_result":{"old_hash":"[0-9a-f]*","new_hash":"[0-9a-f]*","lines_added":2,' <<<"$out" ||
	fail "last: diff_result not in the form of diffs: $out"
grep -q '"operation":"insert","text":"line four' <<<"$out" || fail "last: no insert of 'line four' in $out"
grep -q '"operation":-\?[01]' <<<"$out" && fail "last: numeric diff operations in $out"
out=$("${P[@]}" history list "$URL" | head -n 1)
grep -q '"operation":"delete","text":"line two' <<<"$out" || fail "list: no delete of 'line two' in $out"
# one version only: a line with found false, exit 0
"${P[@]}" history add --url https://cdn.example.com/one.js --file "$W/v1.js" >/dev/null
out=$("${P[@]}" history diffs https://cdn.example.com/one.js); rc=$?
expect "diffs of one version exit" 0 $rc
expect "diffs of one version" '{"url":"https://cdn.example.com/one.js","found":false}' "$out"
out=$("${P[@]}" history compact "$URL")
expect "compact records" 2 "$(field "$out" records)"
# a URL without history: exit 1 and a message for list and compact, as for
# last; compact creates nothing for it (no directory, no lock file)
out=$("${P[@]}" history list https://cdn.example.com/none.js 2>"$W/err"); rc=$?
expect "list unknown exit" 1 $rc
expect "list unknown output" "" "$out"
grep -q "https://cdn.example.com/none.js has no stored version" "$W/err" || fail "list unknown: $(cat "$W/err")"
before=$(cd "$W/data" && find . | sort)
out=$("${P[@]}" history compact https://other.example.com/none.js "$URL" 2>"$W/err"); rc=$?
expect "compact unknown exit" 1 $rc
expect "compact unknown output" 1 "$(wc -l <<<"$out" | tr -d ' ')"
expect "compact known URL after an unknown one" "$URL" "$(field "$out" url)"
grep -q "https://other.example.com/none.js has no stored version" "$W/err" || fail "compact unknown: $(cat "$W/err")"
expect "compact unknown leaves nothing" "$before" "$(cd "$W/data" && find . | sort)"
"${P[@]}" history compact https://cdn.example.com/none.js 2>/dev/null
ls -A "$W/data/file_history/cdn.example.com_443" | grep -q "$(printf %s https://cdn.example.com/none.js | sha256sum | cut -c1-8)" &&
	fail "compact of a URL without history left a file behind"
# a global option after the command: refused, with where it goes
err=$("${P[@]}" history last "$URL" --data "$W/data" 2>&1 >/dev/null); rc=$?
expect "global option after the command exit" 2 $rc
grep -q "global option: give it before the command" <<<"$err" || fail "no hint for --data after the command: $err"

# errors: usage (2) and runtime (1), each with its message
err=$("${P[@]}" history 2>&1 >/dev/null); rc=$?
expect "no subcommand exit" 2 $rc
grep -q "missing subcommand" <<<"$err" || fail "no subcommand: $err"
err=$("${P[@]}" history add --file "$W/v1.js" 2>&1 >/dev/null); rc=$?
expect "add without --url exit" 2 $rc
grep -q "add needs --url URL" <<<"$err" || fail "add without --url: $err"
err=$("${P[@]}" history frob 2>&1 >/dev/null); rc=$?
expect "unknown subcommand exit" 2 $rc
err=$("${P[@]}" history last https://cdn.example.com/none.js 2>&1 >/dev/null); rc=$?
expect "last unknown exit" 1 $rc
grep -q "has no stored version" <<<"$err" || fail "last unknown: $err"
err=$("${P[@]}" history add --url "not a url" --file "$W/v1.js" 2>&1 >/dev/null); rc=$?
expect "add bad URL exit" 1 $rc
grep -q "not a url" <<<"$err" || fail "add bad URL: $err"
err=$("${P[@]}" history add --url "$URL" --file "$W/missing.js" 2>&1 >/dev/null); rc=$?
expect "add missing file exit" 1 $rc
grep -q "cannot open $W/missing.js" <<<"$err" || fail "add missing file: $err"

# a truncated archive file: last, list, diffs and add answer from the other files,
# name it on standard error and exit 3; verify names it and exits 1
D=("$PS" --data "$W/partial")
PU=https://cdn.example.com/static/partial.js
for v in 1 2 3 4 5 6; do
	{ head -c 3000 /dev/zero | tr '\0' 'a' | fold -w 60; echo "version $v"; } >"$W/p$v.js"
	PROBESTORE_HISTORY_MAX_FILE_SIZE=4000 "${D[@]}" history add --url "$PU" --file "$W/p$v.js" \
		--time "2025-04-0${v}T09:00:00Z" >/dev/null || fail "partial: add v$v failed"
done
PDIR="$W/partial/file_history/cdn.example.com_443"
oldest=$(ls "$PDIR/archive" | sort | head -1)
[ -n "$oldest" ] && [ "$(ls "$PDIR/archive" | wc -l)" -ge 2 ] || fail "partial: no archive files"
truncate -s 100 "$PDIR/archive/$oldest"
out=$("${D[@]}" history last "$PU" 2>"$W/err"); rc=$?
expect "last with a truncated archive exit" 3 $rc
expect "last with a truncated archive: newest" 2025-04-06T09:00:00.000Z "$(field "$out" timestamp)"
grep -q "archive/$oldest.*(file skipped)" "$W/err" || fail "last: the truncated file is not named: $(cat "$W/err")"
"${D[@]}" history list "$PU" >"$W/list" 2>"$W/err"; rc=$?
n=$(wc -l <"$W/list")
expect "list with a truncated archive exit" 3 $rc
[ "$n" -ge 4 ] && [ "$n" -lt 6 ] || fail "list with a truncated archive: $n versions"
grep -q "archive/$oldest.*(file skipped)" "$W/err" || fail "list: the truncated file is not named: $(cat "$W/err")"
out=$("${D[@]}" history diffs "$PU" 2>"$W/err"); rc=$?
expect "diffs with a truncated archive exit" 3 $rc
expect "diffs with a truncated archive: newest" 2025-04-06T09:00:00.000Z "$(field "$out" timestamp)"
grep -q "archive/$oldest.*(file skipped)" "$W/err" || fail "diffs: the truncated file is not named: $(cat "$W/err")"
out=$("${D[@]}" history add --url "$PU" --file "$W/p1.js" --time 2025-04-07T09:00:00Z 2>"$W/err"); rc=$?
expect "add with a truncated archive exit" 3 $rc
expect "add with a truncated archive: status" changed "$(field "$out" status)"
expect "add with a truncated archive: old hash" "$(sha256sum "$W/p6.js" | cut -d' ' -f1)" "$(field "$out" old_hash)"
"${D[@]}" verify >/dev/null 2>"$W/err"; rc=$?
expect "verify with a truncated archive exit" 1 $rc
grep -q "$oldest" "$W/err" || fail "verify: the truncated file is not named: $(cat "$W/err")"

# temporary files of writers: those nobody holds are reported and removed
# by --repair, those whose lock is held are kept
PHASH=$(basename "$(ls "$PDIR"/*.parquet)" .parquet)
printf 'partial' >"$PDIR/.$PHASH.parquet.tmp"
mkdir -p "$W/partial/probe_results/x.example.com_443"
STALE="$W/partial/probe_results/x.example.com_443/.scan_20250401_090000.parquet.tmp.AbC123"
LIVE="$W/partial/probe_results/x.example.com_443/.scan_20250402_090000.parquet.tmp.XyZ789"
printf 'stale' >"$STALE"
printf 'live' >"$LIVE"
# a holder that is the lock's only process: killing it releases the lock
(exec 9<"$LIVE" && flock -x 9 && exec sleep 30) >/dev/null 2>&1 &
holder=$!
for _ in $(seq 50); do flock -n -x "$LIVE" true 2>/dev/null || break; sleep 0.1; done
out=$("${D[@]}" verify 2>/dev/null); rc=$?
expect "verify with temporary files exit" 1 $rc
grep -q "temporary file $PDIR/.$PHASH.parquet.tmp (7 bytes): left by a writer that is gone (--repair removes it)" <<<"$out" ||
	fail "verify: stale history temporary file not reported: $out"
grep -q "temporary file $STALE (5 bytes): left by a writer that is gone" <<<"$out" || fail "verify: stale scan temporary file: $out"
grep -q "temporary file $LIVE (4 bytes): in use (its lock is held), kept" <<<"$out" || fail "verify: live temporary file: $out"
grep -q "^2 temporary files left by writers that are gone (0 removed), 1 in use$" <<<"$out" || fail "verify: temporary summary: $out"
[ -f "$STALE" ] && [ -f "$PDIR/.$PHASH.parquet.tmp" ] || fail "verify without --repair removed a temporary file"
# the URL's lock held: its temporary file is a live writer's
(exec 9<"$PDIR/.$PHASH.lock" && flock -x 9 && exec sleep 30) >/dev/null 2>&1 &
hholder=$!
for _ in $(seq 50); do flock -n -x "$PDIR/.$PHASH.lock" true 2>/dev/null || break; sleep 0.1; done
out=$("${D[@]}" verify --repair 2>/dev/null)
grep -q "temporary file $PDIR/.$PHASH.parquet.tmp (7 bytes): in use" <<<"$out" || fail "verify --repair: history temporary file under a held lock: $out"
[ -f "$PDIR/.$PHASH.parquet.tmp" ] || fail "verify --repair removed a temporary file whose URL lock is held"
[ -e "$STALE" ] && fail "verify --repair left the stale scan temporary file"
kill "$hholder" 2>/dev/null; wait "$hholder" 2>/dev/null
out=$("${D[@]}" verify --repair 2>/dev/null)
grep -q "^1 temporary file left by writers that are gone (1 removed), 1 in use$" <<<"$out" || fail "verify --repair summary: $out"
[ ! -e "$STALE" ] && [ ! -e "$PDIR/.$PHASH.parquet.tmp" ] || fail "verify --repair left a stale temporary file"
[ -f "$LIVE" ] || fail "verify --repair removed a temporary file a live writer holds"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
rm -f "$LIVE"

# --quarantine: the truncated archive moves under quarantine/, listings and
# verify no longer see it
BADSCAN="$W/partial/probe_results/x.example.com_443/scan_20250403_090000.parquet"
printf 'PAR1 not a scan' >"$BADSCAN"
out=$("${D[@]}" verify --quarantine 2>"$W/err"); rc=$?
expect "verify --quarantine exit" 1 $rc
Q="$W/partial/quarantine/file_history/cdn.example.com_443/archive/$oldest"
grep -q "moved $PDIR/archive/$oldest to $Q" <<<"$out" || fail "verify --quarantine: $out"
[ -f "$Q" ] && [ ! -e "$PDIR/archive/$oldest" ] || fail "verify --quarantine did not move the file"
grep -q "moved $BADSCAN to $W/partial/quarantine/probe_results/x.example.com_443/scan_20250403_090000.parquet" <<<"$out" ||
	fail "verify --quarantine: the bad scan: $out"
grep -q "^2 files moved to $W/partial/quarantine$" <<<"$out" || fail "verify --quarantine summary: $out"
"${D[@]}" scans --target x.example.com >/dev/null 2>&1
expect "scans of the quarantined scan's target exit" 1 $?
out=$("${D[@]}" verify 2>"$W/err"); rc=$?
expect "verify after quarantine exit" 0 $rc
grep -q "^2 files in $W/partial/quarantine not read$" <<<"$out" || fail "verify after quarantine: $out"
"${D[@]}" history last "$PU" >/dev/null 2>"$W/err"; rc=$?
expect "last after quarantine exit" 0 $rc
[ -s "$W/err" ] && fail "last after quarantine: $(cat "$W/err")"
"${D[@]}" history hosts >"$W/hosts"
expect "hosts after quarantine" cdn.example.com:443 "$(cat "$W/hosts")"

[ $failed = 0 ] && echo "cli_history: all checks passed"
exit $failed
