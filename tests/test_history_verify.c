/* Damage in history files: single-bit flips in every page kind (the
 * dictionary and data pages of each column, in the current file and in
 * archived ones) are found by ps_history_verify or leave every row's
 * values as they were; compaction refuses to re-encode a damaged record
 * and rewrites nothing; a record whose content does not match its hash is
 * found with intact checksums; a store that would merge a damaged record
 * appends without merging. */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "history/history_internal.h"
#include "history_test.h"

#define URL "https://verify.example.com:443/static/app.js"
#define VERSIONS 14
#define FLIPS_PER_REGION 6

static void edit(ps_config *c)
{
	c->history.compaction_threshold = 1000; /* one row group per version */
	c->history.max_file_size = 9000;        /* a few versions per file, the rest archived */
}

/* Row groups of several versions (merged at every second append), which
 * have dictionaries: the current file only (merged versions compress too
 * well to be archived). */
static void edit_merged(ps_config *c)
{
	c->history.compaction_threshold = 2;
}

static void edit_merge(ps_config *c)
{
	edit(c);
	c->history.compaction_threshold = 2;
}

static void spit(const char *path, const char *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	REQUIRE(f && fwrite(b, 1, n, f) == n);
	REQUIRE(fclose(f) == 0);
}

/* Every value of every row, read with page checksums ignored, into one
 * buffer; -1 when the file does not read that way. */
static int rows_digest(const char *path, ps_buf *out)
{
	out->len = 0;
	parq_reader_options ro;
	parq_reader_options_default(&ro);
	ro.verify_crc = false;
	parq_reader *r;
	if (parq_reader_open(&r, path, &ro))
		return -1;
	ps_history_cursor c;
	int rc = ps_history_cursor_open(&c, r, PS_H_ALL, NULL, 0, 4);
	if (!rc) {
		ps_history_raw raw;
		bool end = false;
		while (!(rc = ps_history_cursor_next(&c, &raw, &end)) && !end) {
			ps_buf_add(out, &raw.ts, sizeof raw.ts);
			for (int k = 0; k < PS_H_NCOLS; k++) {
				if (k == PS_H_TIMESTAMP)
					continue;
				uint32_t len = raw.has[k] ? raw.v[k].len : UINT32_MAX;
				ps_buf_add(out, &len, sizeof len);
				if (raw.has[k] && raw.v[k].len)
					ps_buf_add(out, raw.v[k].ptr, raw.v[k].len);
			}
		}
		ps_history_cursor_close(&c);
	}
	parq_reader_close(r);
	return rc ? -1 : 0;
}

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

typedef struct tally {
	int tried, detected, unchanged;
} tally;

enum { K_DICT, K_DATA, K_NKINDS };

/* Flips bits in each page region of each column chunk of path; with
 * compact (the current file), every detected flip is also given to a
 * compaction, which must refuse and leave the file as it was. */
static void flip_file(ps_store *st, const char *path, bool current, const char *archive_dir, uint64_t *seed,
                      tally t[PS_H_NCOLS][K_NKINDS])
{
	size_t n;
	char *orig = (char *)test_slurp(path, &n), *bad = malloc(n);
	REQUIRE(bad);
	ps_buf pristine = {0}, now = {0};
	REQUIRE(rows_digest(path, &pristine) == 0);
	ps_history_verify_result vr;
	CHECK_OK(ps_history_verify(st, path, NULL, &vr));
	CHECK(vr.records > 0);
	CHECK_EQ_INT(vr.hashes_checked, vr.records);
	int archived = count_files(archive_dir);

	parq_reader *r;
	REQUIRE(parq_reader_open(&r, path, NULL) == 0);
	const parq_file_meta *m = parq_reader_metadata(r);
	for (int g = 0; g < (int)m->n_row_groups; g++) {
		for (int k = 0; k < PS_H_NCOLS; k++) {
			const parq_meta_column *c = &m->row_groups[g].columns[k].meta;
			int64_t start = c->has_dictionary_page_offset ? c->dictionary_page_offset : c->data_page_offset;
			int64_t end = start + c->total_compressed_size;
			for (int kind = 0; kind < K_NKINDS; kind++) {
				int64_t lo = kind == K_DICT ? start : c->data_page_offset;
				int64_t hi = kind == K_DICT ? c->data_page_offset : end;
				if (kind == K_DICT && !c->has_dictionary_page_offset)
					continue;
				REQUIRE(lo < hi && hi <= (int64_t)n);
				for (int f = 0; f < FLIPS_PER_REGION; f++) {
					size_t at = (size_t)lo + (size_t)(test_rand(seed) % (uint64_t)(hi - lo));
					memcpy(bad, orig, n);
					bad[at] ^= (char)(1u << (test_rand(seed) % 8));
					spit(path, bad, n);
					tally *tk = &t[k][kind];
					tk->tried++;
					int vrc = ps_history_verify(st, path, NULL, NULL);
					if (vrc) {
						tk->detected++;
						/* the message names the file and the URL */
						if (!strstr(ps_errmsg(), path) || !strstr(ps_errmsg(), URL))
							fprintf(stderr, "verify's message lacks the file or the URL: %s\n", ps_errmsg());
						CHECK(strstr(ps_errmsg(), path) != NULL && strstr(ps_errmsg(), URL) != NULL);
						if (current && m->n_row_groups > 1) {
							ps_history_write_result wr;
							int crc = ps_history_compact(st, URL, &wr);
							if (!crc)
								fprintf(stderr, "compaction accepted a damaged file (byte %zu of %s, row group %d, "
								                "column %d)\n", at, path, g, k);
							CHECK(crc != 0);
							if (crc && !(strstr(ps_errmsg(), "refused") && strstr(ps_errmsg(), URL)))
								fprintf(stderr, "compaction's message: %s\n", ps_errmsg());
							CHECK(crc == 0 || (strstr(ps_errmsg(), "refused") && strstr(ps_errmsg(), URL)));
							size_t n2;
							char *after = (char *)test_slurp(path, &n2);
							CHECK(n2 == n && memcmp(after, bad, n) == 0);
							free(after);
							CHECK_EQ_INT(count_files(archive_dir), archived);
						}
					} else {
						/* undetected: then nothing that reads changed */
						bool same = rows_digest(path, &now) == 0 && now.len == pristine.len &&
						            memcmp(now.data, pristine.data, now.len) == 0;
						if (!same)
							fprintf(stderr, "undetected damage changed rows: byte %zu of %s (row group %d, column "
							                "%d, %s page)\n", at, path, g, k, kind == K_DICT ? "dictionary" : "data");
						CHECK(same);
						tk->unchanged += same;
					}
				}
			}
		}
	}
	parq_reader_close(r);
	spit(path, orig, n);
	CHECK_OK(ps_history_verify(st, path, NULL, NULL));
	ps_buf_free(&pristine);
	ps_buf_free(&now);
	free(orig);
	free(bad);
}

static void build(ps_store *st)
{
	char buf[4096];
	uint64_t seed = 42;
	for (int v = 0; v < VERSIONS; v++) {
		/* one line changes per version: small diffs, several versions per file */
		int len = ht_fill(buf, sizeof buf, 0, 1500, seed, ";\n");
		len += snprintf(buf + len, sizeof buf - (size_t)len, "const VERSION = %d;\n", v);
		ps_history_fetch fe = {.url = URL, .content = buf, .content_len = (size_t)len,
		                       .content_type = "application/javascript", .etag = "\"abc\"",
		                       .last_modified = "Mon, 01 Dec 2025 09:00:00 GMT",
		                       .fetched_at_ms = 1764579600000 + v * 1000,
		                       .extracted_paths_json = "[{\"extracted_raw_path\":\"/api/v1\"}]"};
		ps_history_content_result res;
		CHECK_OK(ps_history_store_content(st, &fe, &res));
	}
}

static void bit_flips(const char *base, bool merged)
{
	ps_store *st = ht_open(base, merged ? edit_merged : edit);
	build(st);
	char cur[4096], archive[4200];
	CHECK_OK(ps_history_path(st, URL, cur, sizeof cur));
	snprintf(archive, sizeof archive, "%.*s/archive", (int)(strrchr(cur, '/') - cur), cur);
	int narch = merged ? 0 : count_files(archive);
	CHECK(merged || narch >= 2);
	tally cur_t[PS_H_NCOLS][K_NKINDS] = {{{0}}}, arch_t[PS_H_NCOLS][K_NKINDS] = {{{0}}};
	uint64_t seed = 7;
	flip_file(st, cur, true, archive, &seed, cur_t);
	DIR *d = merged ? NULL : opendir(archive);
	REQUIRE(merged || d);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p[4096 + 512];
		snprintf(p, sizeof p, "%s/%s", archive, e->d_name);
		flip_file(st, p, false, archive, &seed, arch_t);
	}
	if (d)
		closedir(d);
	int tried = 0, detected = 0, unchanged = 0;
	for (int w = 0; w < (merged ? 1 : 2); w++) {
		tally (*t)[K_NKINDS] = w ? arch_t : cur_t;
		for (int k = 0; k < PS_H_NCOLS; k++) {
			for (int kind = 0; kind < K_NKINDS; kind++) {
				tally *x = &t[k][kind];
				if (!x->tried)
					continue;
				printf("  %-8s %-20s %-10s %3d flips, %3d detected, %3d undetected with every row unchanged\n",
				       w ? "archive" : "current", ps_history_column_name(k), kind == K_DICT ? "dictionary" : "data",
				       x->tried, x->detected, x->unchanged);
				/* every page kind of every column is reached, and most flips in it are caught */
				CHECK(x->detected * 2 > x->tried);
				tried += x->tried;
				detected += x->detected;
				unchanged += x->unchanged;
			}
			CHECK(t[k][K_DATA].tried > 0);
		}
		if (merged) {
			/* url, hash and the short strings of several rows have dictionaries */
			CHECK(t[PS_H_URL][K_DICT].tried > 0 && t[PS_H_ETAG][K_DICT].tried > 0);
		} else {
			/* a row group of one record has none: a single value is PLAIN */
			for (int k = 0; k < PS_H_NCOLS; k++)
				CHECK_EQ_INT(t[k][K_DICT].tried, 0);
		}
	}
	printf("test_history_verify: %d bit flips in %d archived files and the current one, %d detected, %d "
	       "undetected, %d of which leave every row unchanged\n", tried, narch, detected, tried - detected, unchanged);
	ps_store_close(st);
}

/* A record whose content does not match its hash, pages intact. */
static void hash_mismatch(const char *base)
{
	ps_store *st = ht_open(base, edit);
	const char *good = "console.log(1);\n", *other = "console.log(2);\n";
	char h[65];
	CHECK_OK(ps_sha256_hex(good, strlen(good), h));
	ps_history_record r1 = {.url = URL, .timestamp_ms = 1000, .hash = h, .content = (const uint8_t *)good,
	                        .content_len = strlen(good)};
	ps_history_record r2 = r1;
	r2.timestamp_ms = 2000;
	r2.content = (const uint8_t *)other; /* stored under good's hash */
	ps_history_record r3 = {.url = URL, .timestamp_ms = 3000, .hash = "not-a-sha256", .content = (const uint8_t *)"x",
	                        .content_len = 1};
	CHECK_OK(ps_history_store(st, &r1, NULL));
	CHECK_OK(ps_history_store(st, &r2, NULL));
	CHECK_OK(ps_history_store(st, &r3, NULL));
	char cur[4096];
	CHECK_OK(ps_history_path(st, URL, cur, sizeof cur));
	ps_history_verify_options o;
	ps_history_verify_options_default(&o);
	CHECK(o.check_hashes);
	ps_history_verify_result vr;
	CHECK_EQ_INT(ps_history_verify(st, cur, &o, &vr), PS_ECORRUPT);
	const char *msg = ps_errmsg();
	CHECK(strstr(msg, cur) && strstr(msg, "row group 1") && strstr(msg, URL) && strstr(msg, "does not match"));
	o.check_hashes = false;
	CHECK_OK(ps_history_verify(st, cur, &o, &vr));
	CHECK_EQ_INT(vr.records, 3);
	CHECK_EQ_INT(vr.hashes_checked, 0);
	size_t n;
	char *before = (char *)test_slurp(cur, &n);
	CHECK_EQ_INT(ps_history_compact(st, URL, NULL), PS_ECORRUPT);
	CHECK(strstr(ps_errmsg(), "refused") && strstr(ps_errmsg(), "row group 1") && strstr(ps_errmsg(), URL));
	size_t n2;
	char *after = (char *)test_slurp(cur, &n2);
	CHECK(n == n2 && memcmp(before, after, n) == 0);
	free(after);
	ps_store_close(st);

	/* a store past the compaction threshold appends without merging */
	st = ht_open(base, edit_merge);
	ps_history_record r4 = {.url = URL, .timestamp_ms = 4000, .hash = "h4", .content = (const uint8_t *)"y",
	                        .content_len = 1};
	ps_history_write_result wr;
	CHECK_OK(ps_history_store(st, &r4, &wr));
	CHECK(wr.stored && !wr.compacted);
	CHECK_EQ_INT(wr.row_groups, 4);
	CHECK_EQ_INT(ps_history_verify(st, cur, NULL, NULL), PS_ECORRUPT);
	ps_history_record *last;
	CHECK_OK(ps_history_last(st, URL, &last));
	CHECK(last && last->timestamp_ms == 4000);
	ps_history_record_free(last);
	free(before);
	ps_store_close(st);
}

/* A file that is not a history file, and a missing one. */
static void not_history(const char *base)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/nothing.parquet", base);
	CHECK(ps_history_verify(NULL, p, NULL, NULL) != 0);
	CHECK(strstr(ps_errmsg(), "nothing.parquet") != NULL);
	spit(p, "PAR1garbagePAR1", 15);
	CHECK_EQ_INT(ps_history_verify(NULL, p, NULL, NULL), PS_ECORRUPT);
	CHECK(ps_history_verify(NULL, NULL, NULL, NULL) == PS_EINVAL);
}

int main(void)
{
	char base[] = "/tmp/ps_hverify_XXXXXX";
	REQUIRE(mkdtemp(base));
	char a[256], m[256], b[256], c[256];
	snprintf(a, sizeof a, "%s/flips", base);
	snprintf(m, sizeof m, "%s/flips_merged", base);
	snprintf(b, sizeof b, "%s/hash", base);
	snprintf(c, sizeof c, "%s/other", base);
	mkdir(c, 0777);
	bit_flips(a, false);
	bit_flips(m, true);
	hash_mismatch(b);
	not_history(c);
	ht_rm_rf(base);
	return test_report("test_history_verify");
}
