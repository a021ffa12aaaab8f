#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds a program against
# it with pkg-config, statically and dynamically.
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
for f in lib/libparq.a include/parq/parq.h include/parq/meta.h bin/probestore; do
  [ -e "$tmp/prefix/$f" ] || { echo "install: $f missing"; exit 1; }
done
pc=$(find "$tmp/prefix" -name parq.pc | head -1)
[ -n "$pc" ] || { echo "install: parq.pc missing"; exit 1; }
[ -n "$(find "$tmp/prefix" -name probestore.pc)" ] || { echo "install: probestore.pc missing"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
cat > "$tmp/use.c" <<'C'
#include <parq/parq.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	parq_reader *r;
	if (argc < 2 || parq_reader_open(&r, argv[1], NULL)) {
		fprintf(stderr, "%s\n", parq_errmsg());
		return 1;
	}
	printf("%lld\n", (long long)parq_reader_num_rows(r));
	parq_reader_close(r);
	return 0;
}
C
"$build/examples/write_sample" "$tmp/s.parquet" 2>/dev/null
libdir=$(pkg-config --variable=libdir parq)
cc -std=c11 "$tmp/use.c" -o "$tmp/use_static" $(pkg-config --cflags parq) "$libdir/libparq.a" $(pkg-config --libs-only-l --static parq | sed 's/-lparq//')
cc -std=c11 "$tmp/use.c" -o "$tmp/use_shared" $(pkg-config --cflags --libs parq)
[ "$("$tmp/use_static" "$tmp/s.parquet")" = 8 ] || { echo "install: static program read a wrong row count"; exit 1; }
[ "$(LD_LIBRARY_PATH="$libdir" "$tmp/use_shared" "$tmp/s.parquet")" = 8 ] || { echo "install: shared program read a wrong row count"; exit 1; }
echo "install: 1 passed, 0 failed"
