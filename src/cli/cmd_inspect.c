/* probestore inspect: schema, row groups and column chunks of a Parquet file. */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "format.h"
#include "parq/meta.h"
#include "parq/parq.h"

static const char usage[] =
	"usage: probestore inspect FILE [--metadata-only]\n\n"
	"Prints a Parquet file's metadata: size, writer, rows, key-value metadata, the\n"
	"schema, and for each row group and column chunk its codec, encodings, sizes,\n"
	"page offsets and statistics (min, max, null count). Then reads every page and\n"
	"row, and fails (exit status 1) if the data is damaged.\n\n"
	"Options:\n"
	"  --metadata-only  print the metadata without reading the data\n";

static const char *logical_name(const parq_node *n, char *buf, size_t len)
{
	const parq_logical *l = &n->logical;
	static const char *units[] = {"MILLIS", "MICROS", "NANOS"};
	switch (l->kind) {
	case PARQ_LT_NONE: return NULL;
	case PARQ_LT_STRING: return "STRING";
	case PARQ_LT_MAP: return "MAP";
	case PARQ_LT_LIST: return "LIST";
	case PARQ_LT_ENUM: return "ENUM";
	case PARQ_LT_DATE: return "DATE";
	case PARQ_LT_JSON: return "JSON";
	case PARQ_LT_BSON: return "BSON";
	case PARQ_LT_UUID: return "UUID";
	case PARQ_LT_FLOAT16: return "FLOAT16";
	case PARQ_LT_UNKNOWN: return "UNKNOWN";
	case PARQ_LT_VARIANT: return "VARIANT";
	case PARQ_LT_GEOMETRY: return "GEOMETRY";
	case PARQ_LT_GEOGRAPHY: return "GEOGRAPHY";
	case PARQ_LT_OTHER: return "(unrecognized logical type)";
	case PARQ_LT_DECIMAL: snprintf(buf, len, "DECIMAL(%d,%d)", (int)l->precision, (int)l->scale); return buf;
	case PARQ_LT_TIME:
		snprintf(buf, len, "TIME(%s,%s)", units[l->unit % 3], l->utc ? "UTC" : "local");
		return buf;
	case PARQ_LT_TIMESTAMP:
		snprintf(buf, len, "TIMESTAMP(%s,%s)", units[l->unit % 3], l->utc ? "UTC" : "local");
		return buf;
	case PARQ_LT_INTEGER: snprintf(buf, len, "INT(%d,%s)", l->bit_width, l->is_signed ? "signed" : "unsigned"); return buf;
	}
	return NULL;
}

static void print_node(strbuf *o, const parq_node *n, int indent)
{
	static const char *reps[] = {"required", "optional", "repeated"};
	char lbuf[64];
	const char *lt = logical_name(n, lbuf, sizeof lbuf);
	sb_printf(o, "%*s%s ", indent, "", reps[n->repetition % 3]);
	if (n->is_group) {
		sb_printf(o, "group %s", n->name);
	} else {
		const char *t = n->type == PARQ_BYTE_ARRAY ? "binary" : n->type == PARQ_FIXED_LEN_BYTE_ARRAY ? "fixed_len_byte_array"
		              : n->type == PARQ_BOOLEAN ? "boolean" : n->type == PARQ_INT32 ? "int32" : n->type == PARQ_INT64 ? "int64"
		              : n->type == PARQ_INT96 ? "int96" : n->type == PARQ_FLOAT ? "float" : "double";
		sb_printf(o, "%s", t);
		if (n->type == PARQ_FIXED_LEN_BYTE_ARRAY)
			sb_printf(o, "(%d)", (int)n->type_length);
		sb_printf(o, " %s", n->name);
	}
	if (lt)
		sb_printf(o, " (%s)", lt);
	if (n->field_id >= 0)
		sb_printf(o, " = %d", (int)n->field_id);
	if (n->is_group) {
		sb_puts(o, " {\n");
		for (int i = 0; i < n->n_children; i++)
			print_node(o, n->children[i], indent + 2);
		sb_printf(o, "%*s}\n", indent, "");
	} else {
		sb_printf(o, ";  -- column %d, max def %d, max rep %d\n", n->leaf_index, n->max_def, n->max_rep);
	}
}

static void print_stat(strbuf *o, const char *label, const parq_node *leaf, parq_bytes v)
{
	strbuf t = {0};
	format_stat(&t, leaf, v.ptr, v.len);
	if (t.len > 80) {
		t.len = 77;
		sb_put(&t, "...", 3);
	}
	sb_printf(o, " %s %.*s", label, (int)t.len, t.data);
	sb_free(&t);
}

/* Metadata can be intact over damaged pages: read every row, as cat
 * would, so that inspect reports what makes the file unreadable. */
static int check_data(parq_reader *r)
{
	parq_row_reader *rr;
	if (parq_row_reader_open(&rr, r, NULL, 0)) {
		cli_error("%s", parq_errmsg());
		return EXIT_RUNTIME;
	}
	int64_t rows = 0;
	const parq_value *row;
	int rc;
	while (!(rc = parq_row_reader_next(rr, &row)) && row)
		rows++;
	parq_row_reader_close(rr);
	if (rc) {
		cli_error("%s", parq_errmsg());
		return EXIT_RUNTIME;
	}
	char line[96];
	int n = snprintf(line, sizeof line, "data: all %" PRId64 " rows read, every page decodes\n", rows);
	return cli_write(line, (size_t)n) ? EXIT_OK : EXIT_RUNTIME;
}

static int run(const cli_global *g, int argc, char **argv)
{
	(void)g;
	const char *path = NULL;
	bool metadata_only = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--metadata-only") == 0) {
			metadata_only = true;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("inspect", "unknown option '%s'", argv[i]);
		if (path)
			return cli_usage_error("inspect", "unexpected argument '%s'", argv[i]);
		path = argv[i];
	}
	if (!path)
		return cli_usage_error("inspect", "missing FILE");
	parq_reader *r;
	ps_store *store;
	if (cli_parquet_open(g, path, &r, &store))
		return EXIT_RUNTIME;
	const parq_file_meta *m = parq_reader_metadata(r);
	const parq_schema *s = parq_reader_schema(r);
	strbuf o = {0};
	sb_printf(&o, "file: %s\nsize: %" PRId64 " bytes\n", path, parq_reader_file_size(r));
	sb_printf(&o, "format version: %d\n", (int)m->version);
	if (m->has_created_by)
		sb_printf(&o, "created by: %.*s\n", (int)m->created_by.len, (const char *)m->created_by.ptr);
	sb_printf(&o, "rows: %" PRId64 "\nrow groups: %u\ncolumns: %d\n", parq_reader_num_rows(r), m->n_row_groups,
	          s->n_leaves);
	if (m->n_kv) {
		sb_puts(&o, "key-value metadata:\n");
		for (uint32_t i = 0; i < m->n_kv; i++) {
			const parq_meta_kv *kv = &m->kv[i];
			int vl = kv->has_value ? (int)kv->value.len : 0;
			bool cut = vl > 200;
			sb_printf(&o, "  %.*s = %.*s%s\n", (int)kv->key.len, (const char *)kv->key.ptr, cut ? 200 : vl,
			          kv->has_value ? (const char *)kv->value.ptr : "", cut ? "..." : "");
		}
	}
	sb_puts(&o, "schema:\n  message schema {\n");
	for (int i = 0; i < s->root->n_children; i++)
		print_node(&o, s->root->children[i], 4);
	sb_puts(&o, "  }\n");
	for (uint32_t g2 = 0; g2 < m->n_row_groups; g2++) {
		const parq_meta_row_group *rg = &m->row_groups[g2];
		sb_printf(&o, "row group %u: %" PRId64 " rows, %" PRId64 " bytes uncompressed", g2, rg->num_rows,
		          rg->total_byte_size);
		if (rg->has_total_compressed_size)
			sb_printf(&o, ", %" PRId64 " compressed", rg->total_compressed_size);
		sb_putc(&o, '\n');
		for (uint32_t c = 0; c < rg->n_columns; c++) {
			const parq_meta_column *cm = &rg->columns[c].meta;
			const parq_node *leaf = s->leaves[c];
			sb_printf(&o, "  column %s: %s %s, encodings", leaf->path, parq_type_name((parq_type)cm->type),
			          parq_codec_name((parq_codec)cm->codec));
			for (uint32_t e = 0; e < cm->n_encodings; e++)
				sb_printf(&o, "%s%s", e ? "," : " ", parq_encoding_name((parq_encoding)cm->encodings[e]));
			sb_printf(&o, "\n    values %" PRId64 ", compressed %" PRId64 " bytes, uncompressed %" PRId64 " bytes",
			          cm->num_values, cm->total_compressed_size, cm->total_uncompressed_size);
			if (cm->has_dictionary_page_offset)
				sb_printf(&o, ", dictionary page @%" PRId64, cm->dictionary_page_offset);
			sb_printf(&o, ", data page @%" PRId64 "\n", cm->data_page_offset);
			if (cm->has_stats) {
				const parq_meta_stats *st = &cm->stats;
				sb_puts(&o, "    statistics:");
				if (st->has_min_value)
					print_stat(&o, "min", leaf, st->min_value);
				else if (st->has_min)
					print_stat(&o, "min (legacy)", leaf, st->min);
				if (st->has_max_value)
					print_stat(&o, "max", leaf, st->max_value);
				else if (st->has_max)
					print_stat(&o, "max (legacy)", leaf, st->max);
				if (st->has_null_count)
					sb_printf(&o, " nulls %" PRId64, st->null_count);
				if (st->has_distinct_count)
					sb_printf(&o, " distinct %" PRId64, st->distinct_count);
				sb_putc(&o, '\n');
			}
			const parq_meta_chunk *ch = &rg->columns[c];
			if (ch->has_column_index_offset || ch->has_offset_index_offset || cm->has_bloom_filter_offset) {
				sb_puts(&o, "    index:");
				if (ch->has_column_index_offset)
					sb_printf(&o, " column index @%" PRId64 " (%d bytes)", ch->column_index_offset,
					          (int)ch->column_index_length);
				if (ch->has_offset_index_offset)
					sb_printf(&o, " offset index @%" PRId64 " (%d bytes)", ch->offset_index_offset,
					          (int)ch->offset_index_length);
				if (cm->has_bloom_filter_offset)
					sb_printf(&o, " bloom filter @%" PRId64, cm->bloom_filter_offset);
				sb_putc(&o, '\n');
			}
		}
	}
	bool ok = cli_write(o.data, o.len);
	sb_free(&o);
	int rc = ok ? EXIT_OK : EXIT_RUNTIME;
	if (ok && !metadata_only)
		rc = check_data(r);
	parq_reader_close(r);
	cli_store_close(store);
	return rc;
}

const cli_command cmd_inspect = {"inspect", "show a Parquet file's schema, row groups and statistics", usage, run};
