#!/usr/bin/env bash
# cli_docs test: the manual page (docs/probestore.1) and docs/cli.md against
# the binary's own help. Every command that `probestore --help` lists has a
# section in both (.SS COMMAND, ## COMMAND), every option that the command's
# --help names appears in its sections, the global options appear in both,
# and the manual documents no command the binary lacks.
#
#   PROBESTORE=build/probestore bash tests/cli/check_docs.sh
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
PS=${PROBESTORE:?set PROBESTORE to the probestore binary}
MAN=$SRC/docs/probestore.1
MD=$SRC/docs/cli.md
failed=0

fail() {
	echo "cli_docs: $*"
	failed=1
}

# The manual's text without roff escapes for dashes and fonts.
man_text=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\%//g' "$MAN")

# Options named in a help text: --long ones, and -x short ones.
options() {
	grep -oE -- '(^|[][ ,|(])(--[a-z][a-z-]*|-[a-z])([]|, )=]|$)' <<<"$1" | grep -oE -- '--?[a-z][a-z-]*' | sort -u
}

# Does the text hold the option as a whole word?
has() {
	grep -qE -- "(^|[^a-z-])$2([^a-z-]|\$)" <<<"$1"
}

top=$("$PS" --help) || fail "probestore --help failed"
commands=$(sed -n '/^Commands:/,/^$/p' <<<"$top" | awk 'NF > 1 && $1 != "Commands:" && $1 != "help" { print $1 }')
[ -n "$commands" ] || fail "no commands in probestore --help"

man_global=$(awk '/^\.SH GLOBAL OPTIONS/ { on = 1; next } /^\.SH / { on = 0 } on' <<<"$man_text")
md_global=$(awk '/^## Global options/ { on = 1; next } /^## / { on = 0 } on' "$MD")
for opt in $(options "$(sed -n '/^Global options:/,$p' <<<"$top")"); do
	has "$man_global" "$opt" || fail "global option $opt is not in GLOBAL OPTIONS of docs/probestore.1"
	case $opt in --version | --help | -h) continue ;; esac
	has "$md_global" "$opt" || fail "global option $opt is not under 'Global options' in docs/cli.md"
done

checked=0
for c in $commands; do
	help=$("$PS" "$c" --help) || { fail "probestore $c --help failed"; continue; }
	[ "$help" = "$("$PS" help "$c")" ] || fail "probestore help $c differs from probestore $c --help"
	sec=$(awk -v c="$c" '/^\.SS / { on = ($2 == c); next } /^\.SH / { on = 0 } on' <<<"$man_text")
	mdsec=$(awk -v h="## $c" '/^## / { on = ($0 == h); next } on' "$MD")
	[ -n "$sec" ] || fail "docs/probestore.1 has no '.SS $c'"
	[ -n "$mdsec" ] || fail "docs/cli.md has no '## $c'"
	for opt in $(options "$help"); do
		has "$sec" "$opt" || fail "$c $opt is not in the $c section of docs/probestore.1"
		has "$mdsec" "$opt" || fail "$c $opt is not in the $c section of docs/cli.md"
		checked=$((checked + 1))
	done
done

for s in $(awk '/^\.SH COMMANDS/ { on = 1; next } /^\.SH / { on = 0 } on && /^\.SS / { print $2 }' <<<"$man_text"); do
	grep -qx -- "$s" <<<"$commands" || fail "docs/probestore.1 documents '$s', which probestore --help does not list"
done

if command -v groff >/dev/null 2>&1; then
	warnings=$(groff -ww -man -Tutf8 -z "$MAN" 2>&1)
	[ -z "$warnings" ] || fail "groff warns about docs/probestore.1: $warnings"
fi

[ $failed = 0 ] && echo "cli_docs: $(wc -w <<<"$commands") commands, $checked options, all documented"
exit $failed
