/* Pruning property test: on random data and random predicates, the rows a
 * pruned scan returns equal the rows of a full scan filtered row by row.
 * Also checks that pruning does skip row groups and pages when it can,
 * and the predicate parser. */
#include <pthread.h>
#include <unistd.h>

#include "bloom.h"
#include "parq/parq.h"
#include "test.h"
#include "thrift.h"
#include "util.h"

#define ROWS 30000

static const char *words[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
                              "iota", "kappa", "lambda", "mu", "nginx", "apache", "caddy", "iis"};
#define NWORDS 16

/* id (sorted int64), status (optional int32), name (optional string),
 * score (optional double), tags (list<string>), flag (boolean). */
static void write_file(const char *path, uint64_t seed, bool dict, bool bloom, int page_version)
{
	parq_schema *s;
	parq_logical S = parq_lt_string();
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "id", PARQ_INT64, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "status", PARQ_INT32, PARQ_OPTIONAL, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "name", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "score", PARQ_DOUBLE, PARQ_OPTIONAL, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_list(s, NULL, "tags", PARQ_OPTIONAL, PARQ_BYTE_ARRAY, PARQ_REQUIRED, &S, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "flag", PARQ_BOOLEAN, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_finish(s));

	static int64_t id[ROWS];
	static int32_t st[ROWS];
	static int16_t sdef[ROWS], ndef[ROWS], cdef[ROWS], tdef[ROWS * 4], trep[ROWS * 4];
	static parq_bytes names[ROWS], tags[ROWS * 4];
	static double score[ROWS];
	static uint8_t flag[ROWS];
	int64_t ns = 0, nn = 0, nc = 0, nt = 0, tv = 0;
	uint64_t r = seed;
	static const int codes[] = {200, 200, 200, 301, 302, 403, 404, 500};
	for (int i = 0; i < ROWS; i++) {
		id[i] = i * 3 + (int64_t)(test_rand(&r) % 3);
		/* stretches where a column is all null or all the same */
		bool stretch = (i / 2000) % 4 == 1;
		sdef[i] = stretch ? 0 : test_rand(&r) % 10 != 0;
		if (sdef[i])
			st[ns++] = (i / 5000) % 2 ? codes[test_rand(&r) % 8] : 200 + (int32_t)(i / 1000);
		ndef[i] = test_rand(&r) % 8 != 0;
		if (ndef[i]) {
			const char *w = words[(i / 3000 * 2 + test_rand(&r) % 3) % NWORDS];
			names[nn++] = (parq_bytes){(const uint8_t *)w, (uint32_t)strlen(w)};
		}
		cdef[i] = test_rand(&r) % 6 != 0;
		if (cdef[i])
			score[nc++] = (double)(int64_t)(test_rand(&r) % 20000) / 100.0 - 50.0;
		int k = (int)(test_rand(&r) % 4);
		if (k == 0) {
			trep[nt] = 0;
			tdef[nt++] = test_rand(&r) % 2; /* null list or empty list */
		}
		for (int j = 0; j < k; j++) {
			const char *w = words[(i / 4000 + test_rand(&r) % 4) % NWORDS];
			trep[nt] = j ? 1 : 0;
			tdef[nt++] = 2;
			tags[tv++] = (parq_bytes){(const uint8_t *)w, (uint32_t)strlen(w)};
		}
		flag[i] = test_rand(&r) % 2;
	}
	parq_column_batch cols[6] = {
		{.num_rows = ROWS, .num_levels = ROWS, .num_values = ROWS, .values = id},
		{.num_rows = ROWS, .num_levels = ROWS, .num_values = ns, .def_levels = sdef, .values = st},
		{.num_rows = ROWS, .num_levels = ROWS, .num_values = nn, .def_levels = ndef, .bytes = names},
		{.num_rows = ROWS, .num_levels = ROWS, .num_values = nc, .def_levels = cdef, .values = score},
		{.num_rows = ROWS, .num_levels = nt, .num_values = tv, .def_levels = tdef, .rep_levels = trep, .bytes = tags},
		{.num_rows = ROWS, .num_levels = ROWS, .num_values = ROWS, .values = flag},
	};
	parq_column_options co[3] = {
		{.leaf = 1, .dictionary = -1, .encoding = -1, .bloom_fpp = bloom ? 0.01 : 0},
		{.leaf = 2, .dictionary = -1, .encoding = -1, .bloom_fpp = bloom ? 0.01 : 0},
		{.leaf = 4, .dictionary = -1, .encoding = -1, .bloom_fpp = bloom ? 0.05 : 0},
	};
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.codec = PARQ_CODEC_SNAPPY;
	o.dictionary = dict;
	o.page_rows = 700;
	o.row_group_rows = 5000;
	o.data_page_version = page_version;
	o.columns = co;
	o.n_columns = 3;
	parq_writer *w;
	CHECK_OK(parq_writer_open(&w, path, s, &o));
	/* in several calls, so batches and pages do not line up */
	int64_t done = 0, lev4 = 0, val[6] = {0};
	while (done < ROWS) {
		int64_t n = 1 + (int64_t)(test_rand(&r) % 3000);
		if (n > ROWS - done)
			n = ROWS - done;
		parq_column_batch b[6];
		for (int c = 0; c < 6; c++) {
			b[c] = cols[c];
			b[c].num_rows = n;
		}
		/* slice each column */
		int64_t cnt[6] = {0};
		for (int c = 0; c < 6; c++) {
			if (c == 4)
				continue;
			const int16_t *d = cols[c].def_levels;
			for (int64_t i = done; i < done + n; i++)
				cnt[c] += !d || d[i] == 1;
			b[c].num_levels = n;
			b[c].num_values = cnt[c];
			if (d)
				b[c].def_levels = d + done;
		}
		b[0].values = id + val[0];
		b[1].values = st + val[1];
		b[2].bytes = names + val[2];
		b[3].values = score + val[3];
		b[5].values = flag + val[5];
		int64_t l1 = lev4, rows_seen = 0, tvals = 0;
		while (l1 < nt) {
			if (trep[l1] == 0) {
				if (rows_seen == n)
					break;
				rows_seen++;
			}
			tvals += tdef[l1] == 2;
			l1++;
		}
		b[4].num_levels = l1 - lev4;
		b[4].num_values = tvals;
		b[4].def_levels = tdef + lev4;
		b[4].rep_levels = trep + lev4;
		b[4].bytes = tags + val[4];
		CHECK_OK(parq_writer_write(w, b, n));
		for (int c = 0; c < 6; c++)
			val[c] += c == 4 ? tvals : cnt[c];
		lev4 = l1;
		done += n;
	}
	CHECK_OK(parq_writer_close(w, NULL));
	parq_schema_free(s);
}

/* MATCH's test in these tests: the first letter, ignoring ASCII case;
 * counts its calls. */
static long match_calls;

static bool match_first_letter(void *ud, const uint8_t *p, size_t n)
{
	__atomic_add_fetch(&match_calls, 1, __ATOMIC_RELAXED);
	return n > 0 && (p[0] | 0x20) == (((const char *)ud)[0] | 0x20);
}

static parq_pred *random_leaf(uint64_t *r)
{
	parq_pred *p = NULL;
	int kind = (int)(test_rand(r) % 12);
	const char *w = words[test_rand(r) % NWORDS];
	parq_scalar ws = parq_scalar_bytes(w, (uint32_t)strlen(w));
	parq_scalar iv = parq_scalar_int((int64_t)(test_rand(r) % 90000));
	parq_scalar sv = parq_scalar_int(200 + (int64_t)(test_rand(r) % 320));
	parq_scalar dv = parq_scalar_double((double)(int64_t)(test_rand(r) % 300) - 60.0);
	parq_op op = (parq_op)(test_rand(r) % 6);
	switch (kind) {
	case 0: parq_pred_compare(&p, "id", op, &iv); break;
	case 1: parq_pred_compare(&p, "status", op, &sv); break;
	case 2: parq_pred_compare(&p, "name", op, &ws); break;
	case 3: parq_pred_compare(&p, "score", op, &dv); break;
	case 4: {
		parq_scalar set[3] = {parq_scalar_int(200), sv, parq_scalar_int(404)};
		parq_pred_in(&p, "status", set, 1 + test_rand(r) % 3);
		break;
	}
	case 5: parq_pred_null(&p, test_rand(r) % 2 ? "status" : "name", test_rand(r) % 2); break;
	case 6: parq_pred_prefix(&p, "name", w, 1 + (uint32_t)(test_rand(r) % 3)); break;
	case 7: parq_pred_contains(&p, "tags", &ws); break;
	case 8: {
		parq_scalar b = parq_scalar_bool(test_rand(r) % 2);
		parq_pred_compare(&p, "flag", PARQ_OP_EQ, &b);
		break;
	}
	case 9: {
		parq_scalar set[2] = {ws, parq_scalar_bytes("nope", 4)};
		parq_pred_in(&p, "name", set, 2);
		break;
	}
	case 11: {
		/* CONTAINS on a string column: a substring */
		size_t at = test_rand(r) % strlen(w);
		uint32_t len = (uint32_t)(1 + test_rand(r) % (strlen(w) - at));
		parq_scalar sub = parq_scalar_bytes(w + at, len);
		if (test_rand(r) % 2) {
			parq_pred_contains(&p, "name", &sub);
		} else {
			/* ignoring case: the needle in upper case, some letters */
			static char up[32];
			for (uint32_t i = 0; i < len; i++)
				up[i] = (char)(w[at + i] - (test_rand(r) % 2 ? 32 : 0));
			parq_pred_contains_nocase(&p, "name", up, len);
		}
		break;
	}
	case 10: {
		/* MATCH: a caller's test of strings, on a column or a list */
		static char prefix[NWORDS][2];
		int k = (int)(test_rand(r) % NWORDS);
		prefix[k][0] = (char)(words[k][0] ^ 0x20); /* the other case */
		parq_pred_match(&p, test_rand(r) % 2 ? "tags" : "name", match_first_letter, prefix[k]);
		break;
	}
	default: parq_pred_null(&p, "tags", test_rand(r) % 2); break;
	}
	return p;
}

static parq_pred *random_pred(uint64_t *r, int depth)
{
	if (depth >= 3 || test_rand(r) % 3 == 0)
		return random_leaf(r);
	parq_pred *a = random_pred(r, depth + 1), *b = random_pred(r, depth + 1), *p;
	if (test_rand(r) % 2)
		parq_pred_and(&p, a, b);
	else
		parq_pred_or(&p, a, b);
	return p;
}

/* Ids of the matching rows, by a full scan with row-by-row evaluation. */
static int64_t brute_force(parq_reader *rd, const parq_pred *p, int64_t *ids)
{
	/* a scan with no predicate reads everything; evaluate each row */
	parq_scan *s;
	CHECK_OK(parq_scan_open(&s, rd, NULL, NULL, 0));
	/* bind the predicate to all fields (positions = schema order) */
	parq_scan *bind_only;
	CHECK_OK(parq_scan_open(&bind_only, rd, p, NULL, 0));
	parq_scan_close(bind_only);
	int64_t n = 0;
	const parq_value *row;
	while (parq_scan_next(s, &row) == 0 && row) {
		bool m;
		CHECK_OK(parq_pred_eval_row(p, row, &m));
		if (m)
			ids[n++] = row->u.list.items[0].u.i64;
	}
	parq_scan_close(s);
	return n;
}

/* Matches counted without assembling rows equal the rows returned. */
static int64_t advanced(parq_reader *rd, const parq_pred *p)
{
	parq_scan *s;
	CHECK_OK(parq_scan_open(&s, rd, p, NULL, 0));
	const parq_value *row;
	CHECK_EQ_INT(parq_scan_row(s, &row), PARQ_EINVAL); /* nothing found yet */
	int64_t n = 0;
	bool found;
	while (parq_scan_advance(s, &found) == 0 && found) {
		/* every third match is assembled, the others passed over */
		if (n % 3 == 0) {
			CHECK_OK(parq_scan_row(s, &row));
			CHECK(row && row->u.list.n == (uint32_t)parq_reader_schema(rd)->root->n_children);
		}
		n++;
	}
	parq_scan_close(s);
	return n;
}

static int64_t pruned(parq_reader *rd, const parq_pred *p, int64_t *ids, parq_scan_stats *st)
{
	parq_scan *s;
	static const char *const fields[] = {"id"};
	CHECK_OK(parq_scan_open(&s, rd, p, fields, 1));
	int64_t n = 0;
	const parq_value *row;
	int rc;
	while ((rc = parq_scan_next(s, &row)) == 0 && row) {
		CHECK_EQ_INT(row->u.list.n, 1);
		ids[n++] = row->u.list.items[0].u.i64;
	}
	CHECK_EQ_INT(rc, 0);
	if (rc)
		fprintf(stderr, "scan: %s\n", parq_errmsg());
	parq_scan_get_stats(s, st);
	parq_scan_close(s);
	return n;
}

/* Matches counted by parq_scan_count, over row group g alone (or all:
 * -1), after passing the first match with parq_scan_advance. */
static int64_t counted(parq_reader *rd, const parq_pred *p, int g)
{
	parq_scan *s;
	int rc = g < 0 ? parq_scan_open(&s, rd, p, NULL, 0) : parq_scan_open_row_groups(&s, rd, p, NULL, 0, &g, 1);
	CHECK_OK(rc);
	if (rc)
		return -1;
	bool found;
	int64_t n = 0, rest = 0;
	CHECK_OK(parq_scan_advance(s, &found));
	n += found;
	CHECK_OK(parq_scan_count(s, &rest));
	{ int64_t more = -1; CHECK_OK(parq_scan_count(s, &more)); CHECK_EQ_INT(more, 0); } /* at the end: nothing more */
	parq_scan_close(s);
	return n + rest;
}

/* MATCH on a dictionary-encoded list is decided per dictionary entry: the
 * function sees each distinct tag about once per row group, not once per
 * element. */
static void test_match_dictionary(const char *path)
{
	write_file(path, 3, true, false, 1);
	parq_reader *rd;
	CHECK_OK(parq_reader_open(&rd, path, NULL));
	static char key[] = "D"; /* delta: in every row group */
	parq_pred *p;
	CHECK_OK(parq_pred_match(&p, "tags", match_first_letter, key));
	static int64_t a[ROWS];
	int64_t nb = brute_force(rd, p, a);
	match_calls = 0;
	int64_t n = counted(rd, p, -1);
	CHECK_EQ_INT(n, nb);
	CHECK(nb > 0);
	int rgs = parq_reader_num_row_groups(rd);
	/* pruning reads each dictionary once, the test once more */
	CHECK(match_calls <= (long)rgs * NWORDS * 2);
	printf("match: %ld calls for %lld matches in %d row groups\n", match_calls, (long long)n, rgs);
	parq_pred_free(p);
	/* the wrong kind of column is refused */
	CHECK_OK(parq_pred_match(&p, "status", match_first_letter, key));
	parq_scan *s;
	CHECK_EQ_INT(parq_scan_open(&s, rd, p, NULL, 0), PARQ_EINVAL);
	parq_pred_free(p);
	parq_reader_close(rd);
}

/* One predicate serves several scans on several threads at once: the
 * scans keep their own bindings and the tree is never written. */
typedef struct shared_scan {
	const char *path;
	const parq_pred *p;
	int64_t n;
} shared_scan;

static void *scan_shared(void *arg)
{
	shared_scan *t = arg;
	parq_reader *rd;
	t->n = -1;
	if (parq_reader_open(&rd, t->path, NULL))
		return NULL;
	int64_t total = 0;
	for (int round = 0; round < 5; round++) {
		parq_scan *s;
		int64_t n;
		if (parq_scan_open(&s, rd, t->p, NULL, 0) || parq_scan_count(s, &n)) {
			total = -1;
			break;
		}
		parq_scan_close(s);
		total += n;
	}
	parq_reader_close(rd);
	t->n = total;
	return NULL;
}

static void test_shared_predicate(const char *path)
{
	write_file(path, 21, true, true, 1);
	parq_reader *rd;
	CHECK_OK(parq_reader_open(&rd, path, NULL));
	static int64_t ids[ROWS];
	static char key[] = "g";
	parq_pred *p, *q, *both;
	CHECK_OK(parq_pred_parse(&p, "status IN (200, 404) AND (name CONTAINS 'ta' OR tags CONTAINS 'beta')"));
	CHECK_OK(parq_pred_match(&q, "tags", match_first_letter, key));
	CHECK_OK(parq_pred_or(&both, p, q));
	int64_t nb = brute_force(rd, both, ids);
	CHECK(nb > 0);
	enum { T = 4 };
	pthread_t th[T];
	shared_scan ts[T];
	for (int i = 0; i < T; i++) {
		ts[i] = (shared_scan){.path = path, .p = both};
		REQUIRE(pthread_create(&th[i], NULL, scan_shared, &ts[i]) == 0);
	}
	for (int i = 0; i < T; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ_INT(ts[i].n, 5 * nb);
	}
	parq_pred_free(both);
	parq_reader_close(rd);
}

static void test_property(const char *path)
{
	static int64_t a[ROWS], b[ROWS];
	int64_t skipped_rg = 0, skipped_pages = 0, nonempty = 0;
	for (int f = 0; f < 4; f++) {
		write_file(path, 100 + (uint64_t)f, f != 1, f >= 2, 1 + f % 2);
		parq_reader *rd;
		CHECK_OK(parq_reader_open(&rd, path, NULL));
		uint64_t r = 7 + (uint64_t)f;
		for (int q = 0; q < 150; q++) {
			parq_pred *p = random_pred(&r, 0);
			REQUIRE(p);
			parq_scan_stats st;
			int64_t nb = brute_force(rd, p, a);
			int64_t np = pruned(rd, p, b, &st);
			CHECK_EQ_INT(np, nb);
			if (q % 10 == 0)
				CHECK_EQ_INT(advanced(rd, p), nb);
			CHECK_EQ_INT(counted(rd, p, -1), nb);
			if (q % 10 == 5) {
				/* each row group on its own, as threads read them */
				int64_t sum = 0;
				for (int g = 0; g < parq_reader_num_row_groups(rd); g++)
					sum += counted(rd, p, g);
				CHECK_EQ_INT(sum, nb);
			}
			int diff = np != nb;
			for (int64_t i = 0; i < np && i < nb && !diff; i++)
				diff = a[i] != b[i];
			if (diff) {
				test_failures++;
				fprintf(stderr, "file %d query %d: pruned scan returned different rows\n", f, q);
			}
			test_checks++;
			CHECK_EQ_INT(st.rows_matched, np);
			skipped_rg += st.row_groups_skipped;
			skipped_pages += st.pages_skipped;
			nonempty += nb > 0;
			parq_pred_free(p);
		}
		parq_reader_close(rd);
	}
	/* the property would hold without any pruning: make sure some happened */
	CHECK(skipped_rg > 50);
	CHECK(skipped_pages > 100);
	CHECK(nonempty > 100);
	printf("pruning: %lld row groups and %lld pages skipped\n", (long long)skipped_rg, (long long)skipped_pages);
}

/* Targeted cases: statistics, page index, dictionary and bloom filter. */
static void test_targeted(const char *path)
{
	static int64_t ids[ROWS];
	write_file(path, 1, true, true, 1);
	parq_reader *rd;
	CHECK_OK(parq_reader_open(&rd, path, NULL));
	parq_scan_stats st;
	parq_pred *p;

	/* sorted id: a narrow range reads one row group, few pages */
	CHECK_OK(parq_pred_parse(&p, "id >= 30000 AND id < 30300"));
	int64_t n = pruned(rd, p, ids, &st);
	CHECK(n >= 95 && n <= 101);
	CHECK_EQ_INT(st.row_groups, 6);
	CHECK_EQ_INT(st.row_groups_skipped, 5);
	CHECK(st.pages_skipped > 0);
	CHECK(st.rows_read <= 1400);
	parq_pred_free(p);

	/* a value absent from the file: dictionaries and bloom filters rule it out */
	CHECK_OK(parq_pred_parse(&p, "name = 'omega'"));
	n = pruned(rd, p, ids, &st);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(st.row_groups_skipped, 6);
	CHECK_EQ_INT(st.rows_read, 0);
	parq_pred_free(p);

	CHECK_OK(parq_pred_parse(&p, "tags CONTAINS 'omega' OR status IN (1, 2)"));
	n = pruned(rd, p, ids, &st);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(st.row_groups_skipped, 6);
	parq_pred_free(p);

	/* CONTAINS ignoring case is a substring test of strings: not of a
	 * list, not of numbers */
	parq_scan *sc = NULL;
	const char *const tags[] = {"tags"};
	CHECK_OK(parq_pred_contains_nocase(&p, "tags", "NGINX", 5));
	CHECK(parq_scan_open(&sc, rd, p, tags, 1) == PARQ_EINVAL && !sc);
	CHECK(strstr(parq_errmsg(), "'tags' is not a string column (CONTAINS ignoring case)") != NULL);
	parq_pred_free(p);
	CHECK_OK(parq_pred_contains_nocase(&p, "id", "1", 1));
	CHECK(parq_scan_open(&sc, rd, p, tags, 1) == PARQ_EINVAL && !sc);
	parq_pred_free(p);

	/* nothing to prune: everything read */
	CHECK_OK(parq_pred_parse(&p, "id >= 0"));
	n = pruned(rd, p, ids, &st);
	CHECK_EQ_INT(n, ROWS);
	CHECK_EQ_INT(st.rows_read, ROWS);
	parq_pred_free(p);
	parq_reader_close(rd);
}

static void test_parser(void)
{
	parq_pred *p = NULL;
	CHECK_OK(parq_pred_parse(&p, "a = 1 AND (b != 'x''y' OR c IS NOT NULL) OR d IN (1, 2.5, 'z') AND e STARTS WITH 'http'"));
	parq_pred_free(p);
	CHECK_OK(parq_pred_parse(&p, "tags contains 'Nginx' and status >= 400 or flag = true"));
	parq_pred_free(p);
	const char *bad[] = {"", "a", "a =", "a = 'x", "a IN ()", "a IN (1", "(a = 1", "a = 1 b = 2", "a IS 3",
	                     "a STARTS 'x'", "= 1", "a = 1 AND"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		p = NULL;
		CHECK_EQ_INT(parq_pred_parse(&p, bad[i]), PARQ_EINVAL);
		CHECK(strstr(parq_errmsg(), "where:") != NULL);
		CHECK(p == NULL);
	}
}

/* Writes the rows of b (one batch per leaf) to path in one call. */
static void write_all(const char *path, parq_schema *s, const parq_writer_options *o, const parq_column_batch *b,
                      int64_t rows)
{
	parq_writer *w;
	CHECK_OK(parq_writer_open(&w, path, s, o));
	CHECK_OK(parq_writer_write(w, b, rows));
	CHECK_OK(parq_writer_close(w, NULL));
	parq_schema_free(s);
}

/* ---- shapes the vector test reads: both paths must agree ---- */

#define KROWS 4000

/* id, s {u: UINT32, f: FLOAT} (optional group), fx FIXED_LEN_BYTE_ARRAY(4),
 * ts INT96, two2 (2-level list: a group whose repeated child is INT32),
 * nums (a bare repeated INT64), arr (legacy: repeated group "array" whose
 * one field is the element struct), ol (3-level list of optional strings). */
static void write_kinds(const char *path)
{
	parq_schema *s;
	parq_logical U = parq_lt_int(32, false), S = parq_lt_string();
	parq_node *g, *a2, *arr, *rep;
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "id", PARQ_INT64, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_group(s, NULL, "s", PARQ_OPTIONAL, NULL, &g));
	CHECK_OK(parq_schema_add_leaf(s, g, "u", PARQ_INT32, PARQ_OPTIONAL, &U, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, g, "f", PARQ_FLOAT, PARQ_OPTIONAL, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "fx", PARQ_FIXED_LEN_BYTE_ARRAY, PARQ_OPTIONAL, NULL, 4, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "ts", PARQ_INT96, PARQ_OPTIONAL, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_group(s, NULL, "two2", PARQ_OPTIONAL, NULL, &a2));
	CHECK_OK(parq_schema_add_leaf(s, a2, "item", PARQ_INT32, PARQ_REPEATED, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "nums", PARQ_INT64, PARQ_REPEATED, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_group(s, NULL, "arr", PARQ_OPTIONAL, NULL, &arr));
	CHECK_OK(parq_schema_add_group(s, arr, "array", PARQ_REPEATED, NULL, &rep));
	CHECK_OK(parq_schema_add_leaf(s, rep, "v", PARQ_INT32, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_list(s, NULL, "ol", PARQ_OPTIONAL, PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL));
	CHECK_OK(parq_schema_finish(s));
	REQUIRE(s->n_leaves == 9);

	/* levels and values per leaf, filled row by row */
	static int16_t def[9][KROWS * 4], rep_l[9][KROWS * 4];
	static uint8_t vals[9][KROWS * 4 * 12];
	static parq_bytes strs[KROWS * 4];
	static const char *w[] = {"x", "yy", "", "zzz"};
	int64_t nl[9] = {0}, nv[9] = {0};
	uint64_t r = 99;
#define LEVEL(c, d, rl) (def[c][nl[c]] = (int16_t)(d), rep_l[c][nl[c]++] = (int16_t)(rl))
#define VALUE(c, p, n) (memcpy(vals[c] + nv[c]++ * (n), (p), (n)))
	for (int i = 0; i < KROWS; i++) {
		int64_t id = i;
		LEVEL(0, 0, 0);
		VALUE(0, &id, 8);
		int sd = (int)(test_rand(&r) % 5); /* 0: s null; else s present */
		for (int c = 1; c <= 2; c++) {
			bool present = sd && test_rand(&r) % 4;
			LEVEL(c, sd ? 1 + present : 0, 0);
			if (!present)
				continue;
			if (c == 1) {
				uint32_t u = test_rand(&r) % 2 ? (uint32_t)(test_rand(&r) % 10) : 4000000000u - (uint32_t)(test_rand(&r) % 10);
				VALUE(1, &u, 4);
			} else {
				float f = (float)(test_rand(&r) % 8) / 4.0f;
				VALUE(2, &f, 4);
			}
		}
		bool fxp = test_rand(&r) % 3;
		LEVEL(3, fxp, 0);
		if (fxp)
			VALUE(3, test_rand(&r) % 2 ? "abcd" : "abzz", 4);
		bool tsp = test_rand(&r) % 2;
		LEVEL(4, tsp, 0);
		if (tsp) {
			uint8_t t[12] = {0};
			t[0] = (uint8_t)i;
			VALUE(4, t, 12);
		}
		/* two2: null, empty or 1..3 items; nums: empty or 1..3; arr likewise */
		for (int c = 5; c <= 7; c++) {
			int k = (int)(test_rand(&r) % 5) - 1; /* -1 null (or empty for nums), 0 empty */
			int top = c == 6 ? 0 : 1;         /* def of an empty list */
			if (k <= 0) {
				LEVEL(c, c == 6 ? 0 : k < 0 ? 0 : top, 0);
				continue;
			}
			for (int j = 0; j < k; j++) {
				LEVEL(c, top + 1, j ? 1 : 0);
				int32_t v32 = (int32_t)(test_rand(&r) % 6);
				int64_t v64 = (int64_t)(test_rand(&r) % 20);
				if (c == 6)
					VALUE(c, &v64, 8);
				else
					VALUE(c, &v32, 4);
			}
		}
		/* ol: null, empty, or items of which some are null */
		int k = (int)(test_rand(&r) % 5) - 1;
		if (k <= 0) {
			LEVEL(8, k < 0 ? 0 : 1, 0);
		} else {
			for (int j = 0; j < k; j++) {
				bool ep = test_rand(&r) % 4;
				LEVEL(8, ep ? 3 : 2, j ? 1 : 0);
				if (ep) {
					const char *x = w[test_rand(&r) % 4];
					strs[nv[8]++] = (parq_bytes){(const uint8_t *)x, (uint32_t)strlen(x)};
				}
			}
		}
	}
#undef LEVEL
#undef VALUE
	parq_column_batch b[9];
	for (int c = 0; c < 9; c++) {
		const parq_node *leaf = s->leaves[c];
		b[c] = (parq_column_batch){.num_rows = KROWS, .num_levels = nl[c], .num_values = nv[c],
		                           .def_levels = leaf->max_def ? def[c] : NULL,
		                           .rep_levels = leaf->max_rep ? rep_l[c] : NULL,
		                           .values = c == 8 ? NULL : vals[c], .bytes = c == 8 ? strs : NULL};
	}
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.page_rows = 300;
	o.row_group_rows = 1500;
	write_all(path, s, &o, b, KROWS);
}

static void test_vector_kinds(const char *path)
{
	static int64_t a[KROWS], b[KROWS];
	write_kinds(path);
	parq_reader *rd;
	CHECK_OK(parq_reader_open(&rd, path, NULL));
	const char *exprs[] = {
		"s.u >= 3000000000", "s.u < 5", "s.u = 7", "s.u IN (1, 3999999995)", "s.u <> 2", "s.u IS NULL",
		"s.u IS NOT NULL", "s.u >= 2.5", "s.u < -1", "s.f > 0.5", "s.f = 1", "s.f IS NULL", "s IS NULL",
		"fx = 'abcd'", "fx STARTS WITH 'ab'", "fx < 'abz'", "fx IS NULL", "ts IS NULL", "ts IS NOT NULL",
		"ts = 5", "two2 CONTAINS 3", "two2 IS NULL", "nums CONTAINS 10", "nums CONTAINS 19", "arr CONTAINS 2",
		"ol CONTAINS 'x'", "ol CONTAINS ''", "ol CONTAINS 'zzz' OR s.u < 3", "id < 100 OR (s.f >= 1 AND fx = 'abzz')",
		"ol IS NULL OR nums CONTAINS 4", "two2 CONTAINS 1 AND NOT_A_COLUMN = 1",
	};
	int64_t nonempty = 0;
	for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
		parq_pred *p = NULL;
		int rc = parq_pred_parse(&p, exprs[i]);
		CHECK_OK(rc);
		if (rc)
			continue;
		parq_scan *probe;
		rc = parq_scan_open(&probe, rd, p, NULL, 0);
		/* a bad column is refused, not vectorized past; so is a constant
		 * the column's values can never equal (INT96 and an integer) */
		if (strstr(exprs[i], "NOT_A_COLUMN") || !strcmp(exprs[i], "ts = 5")) {
			CHECK_EQ_INT(rc, PARQ_EINVAL);
			parq_pred_free(p);
			continue;
		}
		CHECK_OK(rc);
		parq_scan_close(probe);
		parq_scan_stats st;
		int64_t nb = brute_force(rd, p, a);
		int64_t np = pruned(rd, p, b, &st);
		CHECK_EQ_INT(np, nb);
		CHECK_EQ_INT(advanced(rd, p), nb);
		bool same = np == nb;
		for (int64_t j = 0; j < np && j < nb && same; j++)
			same = a[j] == b[j];
		if (!same)
			fprintf(stderr, "'%s': the scan and row-by-row evaluation disagree\n", exprs[i]);
		CHECK(same);
		nonempty += nb > 0 && nb < KROWS;
		/* the legacy "array" form never holds scalars: nothing matches */
		if (strcmp(exprs[i], "arr CONTAINS 2") == 0)
			CHECK_EQ_INT(nb, 0);
		parq_pred_free(p);
	}
	CHECK(nonempty >= 20);
	parq_reader_close(rd);
}

/* Reads column `col` of row group 0's bloom filter into b (free:
 * parq_bloom_free). */
static void read_bloom(parq_reader *rd, int col, parq_bloom *b)
{
	const parq_meta_column *ch = &parq_reader_metadata(rd)->row_groups[0].columns[col].meta;
	REQUIRE(ch->has_bloom_filter_offset);
	uint8_t head[64];
	CHECK_OK(parq_reader_pread(rd, head, sizeof head, ch->bloom_filter_offset));
	parq_meta_bloom_header h;
	size_t used;
	CHECK_OK(parq_meta_decode_bloom_header(head, sizeof head, &h, &used));
	uint8_t *bits = malloc((size_t)h.num_bytes);
	REQUIRE(bits);
	CHECK_OK(parq_reader_pread(rd, bits, (size_t)h.num_bytes, ch->bloom_filter_offset + (int64_t)used));
	REQUIRE(parq_bloom_view(b, bits, (uint32_t)h.num_bytes) == 0); /* a copy */
	free(bits);
}

/* A bloom filter is sized for the distinct values of its chunk, not the
 * rows: 6,000 rows holding 1,000 values in shuffled order. */
static void test_bloom_size(const char *path)
{
	enum { N = 6000, D = 1000 };
	REQUIRE(parq_bloom_size(D, 0.01) != parq_bloom_size(N, 0.01));
	parq_schema *s;
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "v", PARQ_INT64, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_finish(s));
	static int64_t v[N];
	uint64_t r = 5;
	for (int i = 0; i < N; i++)
		v[i] = (int64_t)((uint64_t)(i % D) * 0x9E3779B97F4A7C15ull); /* every byte varies */
	for (int i = N - 1; i > 0; i--) {
		int j = (int)(test_rand(&r) % (uint64_t)(i + 1));
		int64_t t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
	parq_column_options co = {.leaf = 0, .dictionary = 0, .encoding = -1, .bloom_fpp = 0.01};
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.columns = &co;
	o.n_columns = 1;
	parq_column_batch b = {.num_rows = N, .num_levels = N, .num_values = N, .values = v};
	write_all(path, s, &o, &b, N);
	parq_reader *rd;
	CHECK_OK(parq_reader_open(&rd, path, NULL));
	parq_bloom bf;
	read_bloom(rd, 0, &bf);
	CHECK_EQ_INT(bf.num_bytes, parq_bloom_size(D, 0.01));
	parq_bloom_free(&bf);
	parq_reader_close(rd);
}

static bool has_encoding(const parq_meta_column *m, int32_t enc)
{
	for (uint32_t i = 0; i < m->n_encodings; i++)
		if (m->encodings[i] == enc)
			return true;
	return false;
}

/* A dictionary-encoded chunk's bloom filter hashes each distinct value once
 * (not once per row), yet holds every value: those first met in later
 * pages and, once the dictionary is given up, those of the PLAIN pages. A
 * chunk of many rows but few values still gets its filter. */
static void test_bloom_dictionary(const char *path)
{
	enum { N = 9000, PLAIN_FROM = 3000, PLAIN_TO = 6000 };
	parq_schema *s;
	parq_logical S = parq_lt_string();
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "s", PARQ_BYTE_ARRAY, PARQ_REQUIRED, &S, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "n", PARQ_INT32, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_finish(s));
	static char text[N][16];
	static parq_bytes sv[N];
	static int32_t nv[N];
	for (int i = 0; i < N; i++) {
		/* 20 repeated values, then distinct ones (the dictionary outgrows
		 * its limit), then 20 values met only after that */
		if (i < PLAIN_FROM)
			snprintf(text[i], sizeof text[i], "a%d", i % 20);
		else if (i < PLAIN_TO)
			snprintf(text[i], sizeof text[i], "b%d", i);
		else
			snprintf(text[i], sizeof text[i], "c%d", i % 20);
		sv[i] = (parq_bytes){(const uint8_t *)text[i], (uint32_t)strlen(text[i])};
		/* 7 values, then 5 more from the second half on */
		nv[i] = i < N / 2 ? i % 7 : 100 + i % 5;
	}
	parq_column_options co[2] = {
		{.leaf = 0, .dictionary = -1, .encoding = -1, .bloom_fpp = 0.01},
		{.leaf = 1, .dictionary = -1, .encoding = -1, .bloom_fpp = 0.01},
	};
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.page_rows = 500;
	o.dictionary_page_limit = 4096;
	o.columns = co;
	o.n_columns = 2;
	parq_writer *w;
	CHECK_OK(parq_writer_open(&w, path, s, &o));
	for (int at = 0; at < N; at += 700) { /* batches across pages */
		int n = N - at < 700 ? N - at : 700;
		parq_column_batch b[2] = {
			{.num_rows = n, .num_levels = n, .num_values = n, .bytes = sv + at},
			{.num_rows = n, .num_levels = n, .num_values = n, .values = nv + at},
		};
		CHECK_OK(parq_writer_write(w, b, n));
	}
	CHECK_OK(parq_writer_close(w, NULL));
	parq_schema_free(s);

	parq_reader *rd;
	CHECK_OK(parq_reader_open(&rd, path, NULL));
	REQUIRE(parq_reader_num_row_groups(rd) == 1);
	const parq_meta_column *m = &parq_reader_metadata(rd)->row_groups[0].columns[0].meta;
	CHECK(has_encoding(m, PARQ_ENC_RLE_DICTIONARY) && has_encoding(m, PARQ_ENC_PLAIN));
	parq_bloom b;
	read_bloom(rd, 0, &b);
	int missing = 0;
	for (int i = 0; i < N; i++)
		missing += !parq_bloom_check(&b, parq_bloom_hash(sv[i].ptr, sv[i].len));
	CHECK_EQ_INT(missing, 0);
	CHECK_EQ_INT(b.num_bytes, parq_bloom_size(20 + (PLAIN_TO - PLAIN_FROM) + 20, 0.01));
	/* absent values: at most the filter's few false positives */
	int present = 0;
	for (int i = 0; i < 1000; i++) {
		char t[16];
		snprintf(t, sizeof t, "z%d", i);
		present += parq_bloom_check(&b, parq_bloom_hash(t, strlen(t)));
	}
	CHECK(present < 50);
	parq_bloom_free(&b);

	m = &parq_reader_metadata(rd)->row_groups[0].columns[1].meta;
	CHECK(has_encoding(m, PARQ_ENC_RLE_DICTIONARY));
	read_bloom(rd, 1, &b);
	for (int i = 0; i < N; i++)
		missing += !parq_bloom_check(&b, parq_bloom_hash(&nv[i], 4));
	CHECK_EQ_INT(missing, 0);
	CHECK_EQ_INT(b.num_bytes, parq_bloom_size(12, 0.01));
	int32_t absent = 50;
	CHECK(!parq_bloom_check(&b, parq_bloom_hash(&absent, 4)));
	parq_bloom_free(&b);
	parq_reader_close(rd);

	/* what a chunk of 200,000 rows and 5 values holds for its filter: 5
	 * hashes, not 1.6 MB of them */
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "n", PARQ_INT32, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_finish(s));
	o.columns = co + 1;
	co[1].leaf = 0;
	o.n_columns = 1;
	o.row_group_rows = 1000000;
	CHECK_OK(parq_writer_open(&w, path, s, &o));
	for (int k = 0; k < 200; k++) {
		int32_t v[1000];
		for (int i = 0; i < 1000; i++)
			v[i] = (k * 1000 + i) % 5;
		parq_column_batch bb = {.num_rows = 1000, .num_levels = 1000, .num_values = 1000, .values = v};
		CHECK_OK(parq_writer_write(w, &bb, 1000));
	}
	CHECK(parq_writer_memory(w) < 400000);
	CHECK_OK(parq_writer_close(w, NULL));
	parq_schema_free(s);
}

/* A substring test runs one search over values that follow one another
 * in memory: in the corpus's DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY
 * pages the values are decoded back to back, so a needle made of the end
 * of one value and the start of the next is found in memory and must not
 * count. Counts equal a test of each value read back. */
static void substring_file(const char *dir, const char *file, const char *col)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	parq_reader *rd;
	CHECK_OK(parq_reader_open(&rd, path, NULL));
	enum { MAXV = 4096 };
	static char vals[MAXV][128];
	static bool present[MAXV];
	int64_t n = 0;
	parq_scan *s;
	const char *const fields[] = {col};
	CHECK_OK(parq_scan_open(&s, rd, NULL, fields, 1));
	const parq_value *row;
	while (n < MAXV && parq_scan_next(s, &row) == 0 && row) {
		const parq_value *v = &row->u.list.items[0];
		present[n] = v->kind == PARQ_V_BYTES;
		snprintf(vals[n], sizeof vals[n], "%.*s", present[n] ? (int)v->u.bytes.len : 0,
		         present[n] ? (const char *)v->u.bytes.ptr : "");
		n++;
	}
	parq_scan_close(s);
	REQUIRE(n > 100);
	/* needles across two present neighbours, inside one value, and whole */
	uint64_t r = 17;
	int across = 0, checked = 0;
	for (int k = 0; k < 120; k++) {
		char needle[300];
		int64_t i = (int64_t)(test_rand(&r) % (uint64_t)(n - 1)), j = i + 1;
		while (j < n && !present[j])
			j++;
		if (!present[i] || j >= n || !vals[i][0] || !vals[j][0])
			continue;
		size_t li = strlen(vals[i]), lj = strlen(vals[j]);
		if (k % 3 == 0) {
			size_t a = 1 + test_rand(&r) % (li < 3 ? li : 3), b = 1 + test_rand(&r) % (lj < 3 ? lj : 3);
			snprintf(needle, sizeof needle, "%s%.*s", vals[i] + li - a, (int)b, vals[j]);
			across++;
		} else if (k % 3 == 1) {
			size_t at = test_rand(&r) % li;
			snprintf(needle, sizeof needle, "%.*s", (int)(1 + test_rand(&r) % (li - at)), vals[i] + at);
		} else {
			memcpy(needle, vals[i], li + 1);
		}
		int64_t want = 0;
		for (int64_t x = 0; x < n; x++)
			want += present[x] && strstr(vals[x], needle) != NULL;
		parq_scalar sub = parq_scalar_bytes(needle, (uint32_t)strlen(needle));
		parq_pred *p;
		CHECK_OK(parq_pred_contains(&p, col, &sub));
		int64_t got = counted(rd, p, -1);
		if (got != want)
			fprintf(stderr, "%s %s CONTAINS '%s': %lld, expected %lld\n", file, col, needle, (long long)got,
			        (long long)want);
		CHECK_EQ_INT(got, want);
		parq_pred_free(p);
		checked++;
	}
	CHECK(across > 10 && checked > 60);
	parq_reader_close(rd);
}

static void test_substring_runs(void)
{
	const char *dir = getenv("PARQUET_TESTING_DIR");
	char data[4096];
	snprintf(data, sizeof data, "%s/data", dir ? dir : "");
	if (!dir || access(data, R_OK) != 0) {
		printf("test_pruning: substring runs over DELTA_*BYTE_ARRAY pages skipped: no parquet-testing "
		       "corpus (PARQUET_TESTING_DIR)\n");
		return;
	}
	substring_file(data, "delta_length_byte_array.parquet", "FRUIT");
	substring_file(data, "delta_byte_array.parquet", "c_email_address");
	substring_file(data, "delta_byte_array.parquet", "c_first_name");
}

typedef const void *(*finder)(const void *h, size_t n, const void *nd, size_t k);

static const void *libc_memmem(const void *h, size_t n, const void *nd, size_t k) { return memmem(h, n, nd, k); }

/* The first occurrence of nd in h ignoring ASCII case, the slow way. */
static const void *find_nocase_ref(const void *hay, size_t n, const void *needle, size_t k)
{
	const uint8_t *h = hay, *nd = needle;
	for (size_t i = 0; i + k <= n; i++) {
		size_t j = 0;
		while (j < k && (h[i + j] >= 'A' && h[i + j] <= 'Z' ? h[i + j] + 32 : h[i + j]) ==
		                    (nd[j] >= 'A' && nd[j] <= 'Z' ? nd[j] + 32 : nd[j]))
			j++;
		if (j == k)
			return h + i;
	}
	return NULL;
}

/* f gives ref's answer at every offset of haystacks of every length up to
 * 80 (the vector loop's edges) over the alphabet abc, with needles of 1 to
 * max_k bytes, two in three taken from the haystack (with their lower case
 * letters made upper case at random when flip) so that most are found. */
static void memmem_against(const char *name, finder f, finder ref, const char *abc, size_t max_k, bool flip)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	size_t na = strlen(abc);
	uint8_t h[80], nd[40];
	int found = 0, compared = 0;
	for (size_t n = 0; n <= sizeof h; n++) {
		for (int round = 0; round < 40; round++) {
			for (size_t i = 0; i < n; i++) {
				x = x * 6364136223846793005u + 1442695040888963407u;
				h[i] = (uint8_t)abc[(x >> 40) % na];
			}
			size_t k = 1 + (size_t)round % max_k;
			x = x * 6364136223846793005u + 1442695040888963407u;
			if (n >= k && round % 3) {
				memcpy(nd, h + (x >> 33) % (n - k + 1), k);
				for (size_t i = 0; flip && i < k; i++)
					if ((x >> (i % 60)) & 1 && nd[i] >= 'a' && nd[i] <= 'z')
						nd[i] = (uint8_t)(nd[i] - 32);
			} else {
				for (size_t i = 0; i < k; i++)
					nd[i] = (uint8_t)abc[(x >> (3 * i % 60)) % na];
			}
			const void *want = ref(h, n, nd, k), *got = f(h, n, nd, k);
			if (got != want) {
				fprintf(stderr, "%s: haystack %zu, needle %zu: %td, expected %td\n", name, n, k,
				        got ? (const uint8_t *)got - h : -1, want ? (const uint8_t *)want - h : -1);
				CHECK(got == want);
			}
			found += want != NULL;
			compared++;
		}
	}
	CHECK(found > 1000 && compared - found > 500);
}

/* parq_memmem gives memmem's answer, over a two-letter alphabet so that
 * first and last bytes match often without the middle; parq_memmem_nocase
 * the slow way's, over letters in both cases and '@' and '`', which
 * differ in bit 0x20 as the cases of a letter do but are not the same
 * byte ignoring case. */
static void test_memmem(void)
{
	memmem_against("parq_memmem", parq_memmem, libc_memmem, "ab", 40, false);
	memmem_against("parq_memmem_nocase", parq_memmem_nocase, find_nocase_ref, "aAbB@`", 8, true);

	/* a needle whose middle is what fails, past a 16-byte block */
	const char *hay = "0123456789abcdef0123456789adminxadmxnadmin";
	CHECK(parq_memmem(hay, strlen(hay), "admin", 5) == hay + 26);
	CHECK(parq_memmem(hay, strlen(hay), "admxn", 5) == hay + 32);
	CHECK(parq_memmem(hay, strlen(hay), "adminx", 6) == hay + 26);
	CHECK(parq_memmem(hay, strlen(hay) - 1, "admin", 5) == hay + 26);
	CHECK(parq_memmem(hay + 27, strlen(hay) - 28, "admin", 5) == NULL);
	CHECK(parq_memmem(hay, 0, "a", 1) == NULL);
	const char *url = "https://Example.COM/wp-ADMIN/index.php?q=@dmin";
	CHECK(parq_memmem_nocase(url, strlen(url), "admin", 5) == url + 23);
	CHECK(parq_memmem_nocase(url, strlen(url), "`DMIN", 5) == NULL);
	CHECK(parq_memmem_nocase(url, strlen(url), "@DMIN", 5) == url + strlen(url) - 5);
	CHECK(parq_memmem_nocase(url, strlen(url), "example.com", 11) == url + 8);
	CHECK(parq_memmem_nocase(url, strlen(url), "", 0) == url);
}

int main(void)
{
	char path[] = "/tmp/parq_pruning_XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	close(fd);
	test_parser();
	test_memmem();
	test_substring_runs();
	test_targeted(path);
	test_bloom_size(path);
	test_bloom_dictionary(path);
	test_vector_kinds(path);
	test_match_dictionary(path);
	test_shared_predicate(path);
	test_property(path);
	unlink(path);
	return test_report("test_pruning");
}
