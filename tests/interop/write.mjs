#!/usr/bin/env node
// Writes the peers' Parquet files for probestore to read:
//   node write.mjs duckdb|polars OUTDIR
// For every compression codec the library offers: <lib>_<codec>.parquet (the
// "types" dataset, 5,000 rows, several row groups) and
// <lib>_probe_<codec>.parquet (the probe-result columns), plus a few variants
// (DuckDB Parquet v2 pages; Polars without statistics, with small pages).
// OUTDIR/<lib>_manifest.json lists the files and, per reader, "*" (reads the
// whole file) or {columns, without, why} when a reader cannot read some
// top-level columns, for run_interop.sh.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { typesDataset, probeDataset } from './lib/dataset.mjs';
import { serialize, JNum, JObj } from './lib/jsonl.mjs';
import * as F from './lib/format.mjs';

const ROWS = 5000;
const PROBE_ROWS = 5000;
const ROW_GROUP = 2000;

const [lib, outdir] = process.argv.slice(2);
if (!['duckdb', 'polars'].includes(lib) || !outdir) {
  process.stderr.write('usage: node write.mjs duckdb|polars OUTDIR\n');
  process.exit(2);
}
fs.mkdirSync(outdir, { recursive: true });
const manifest = [];

function floatText(kind, v) {
  if (v === null) return null;
  const t = kind === 'float' ? F.float32(v) : F.double(v);
  return typeof t === 'string' ? t : t.text; // "NaN"/"Infinity" or the number's text
}

// ---- DuckDB ------------------------------------------------------------------

const DUCK_JSON_TYPE = {
  int32: 'INTEGER', int64: 'BIGINT', double: 'VARCHAR', float: 'VARCHAR', bool: 'BOOLEAN', string: 'VARCHAR',
  list_string: 'VARCHAR[]', timestamp_ms: 'BIGINT', date: 'INTEGER', decimal_18_3: 'VARCHAR',
  struct: 'STRUCT(a INTEGER, b VARCHAR)',
};
function duckSelect(c) {
  const q = `"${c.name}"`;
  switch (c.kind) {
    case 'double': return `CAST(${q} AS DOUBLE) AS ${q}`;
    case 'float': return `CAST(${q} AS FLOAT) AS ${q}`;
    case 'timestamp_ms': return `CAST(epoch_ms(${q}) AS TIMESTAMP_MS) AS ${q}`;
    case 'date': return `CAST(DATE '1970-01-01' + ${q} AS DATE) AS ${q}`;
    case 'decimal_18_3': return `CAST(${q} AS DECIMAL(18,3)) AS ${q}`;
    case 'map_string_int': return `CASE WHEN "${c.name}__k" IS NULL THEN NULL ELSE map("${c.name}__k", "${c.name}__v") END AS ${q}`;
    default: return q;
  }
}
function duckJsonFields(c, v) {
  if (c.kind === 'map_string_int') {
    return v === null ? [[`${c.name}__k`, null], [`${c.name}__v`, null]]
      : [[`${c.name}__k`, v.map((e) => e[0])], [`${c.name}__v`, v.map((e) => (e[1] === null ? null : new JNum(String(e[1]))))]];
  }
  if (v === null) return [[c.name, null]];
  switch (c.kind) {
    case 'int32': case 'int64': case 'timestamp_ms': case 'date': return [[c.name, new JNum(String(v))]];
    case 'double': case 'float': return [[c.name, floatText(c.kind, v)]];
    case 'decimal_18_3': return [[c.name, F.decimal(v, 3)]];
    case 'struct': return [[c.name, new JObj([['a', v.a === null ? null : new JNum(String(v.a))], ['b', v.b]])]];
    default: return [[c.name, v]];
  }
}

async function writeDuckdb() {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const inst = await DuckDBInstance.create(':memory:', { threads: '1' });
  const con = await inst.connect();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'interop-duck-'));
  const load = async (table, ds) => {
    const jf = path.join(tmp, `${table}.jsonl`);
    const lines = [];
    for (let i = 0; i < ds.n; i++) {
      lines.push(serialize(new JObj(ds.columns.flatMap((c) => duckJsonFields(c, c.values[i])))));
    }
    fs.writeFileSync(jf, lines.join('\n') + '\n');
    const cols = ds.columns.flatMap((c) => (c.kind === 'map_string_int'
      ? [[`${c.name}__k`, 'VARCHAR[]'], [`${c.name}__v`, 'INTEGER[]']] : [[c.name, DUCK_JSON_TYPE[c.kind]]]));
    const spec = cols.map(([n, t]) => `'${n}': '${t}'`).join(', ');
    await con.run(`CREATE TABLE ${table} AS SELECT ${ds.columns.map(duckSelect).join(', ')}
      FROM read_json('${jf}', format = 'newline_delimited', columns = {${spec}})`);
  };
  const types = typesDataset(ROWS, 1, true);
  const probe = probeDataset(PROBE_ROWS, 2);
  await load('types_t', types);
  await load('probe_t', probe);
  fs.rmSync(tmp, { recursive: true, force: true });

  const polarsTypes = {
    columns: types.columns.filter((c) => c.kind !== 'map_string_int').map((c) => c.name),
    without: types.columns.filter((c) => c.kind === 'map_string_int').map((c) => c.name),
    why: 'nodejs-polars panics on DuckDB MAP columns',
  };
  const codecs = ['uncompressed', 'snappy', 'gzip', 'zstd', 'lz4_raw', 'brotli'];
  const files = [];
  for (const codec of codecs) {
    files.push({ file: `duckdb_${codec}.parquet`, table: 'types_t', opts: `COMPRESSION ${codec}` });
    files.push({ file: `duckdb_probe_${codec}.parquet`, table: 'probe_t', opts: `COMPRESSION ${codec}` });
  }
  files.push({ file: 'duckdb_zstd_v2.parquet', table: 'types_t', opts: 'COMPRESSION zstd, PARQUET_VERSION V2' });
  files.push({ file: 'duckdb_probe_snappy_v2.parquet', table: 'probe_t', opts: 'COMPRESSION snappy, PARQUET_VERSION V2' });
  for (const f of files) {
    const out = path.join(outdir, f.file);
    await con.run(`COPY (SELECT * FROM ${f.table} ORDER BY rowid) TO '${out}'
      (FORMAT parquet, ${f.opts}, ROW_GROUP_SIZE ${ROW_GROUP})`);
    const isTypes = f.table === 'types_t';
    manifest.push({
      file: f.file, writer: 'duckdb', rows: isTypes ? ROWS : PROBE_ROWS,
      readers: { duckdb: '*', hyparquet: '*', polars: isTypes ? polarsTypes : '*' },
    });
  }
}

// ---- Polars ------------------------------------------------------------------

async function writePolars() {
  const pl = (await import('nodejs-polars')).default;
  const series = (c) => {
    const v = c.values;
    switch (c.kind) {
      case 'int32': return pl.Series(c.name, v, pl.Int32);
      // Int64 through text: nodejs-polars loses precision (or nulls) on large JS numbers/BigInts
      case 'int64': return pl.Series(c.name, v.map((x) => (x === null ? null : String(x))), pl.Utf8).cast(pl.Int64);
      case 'double': return pl.Series(c.name, v, pl.Float64);
      case 'float': return pl.Series(c.name, v, pl.Float32);
      case 'bool': return pl.Series(c.name, v, pl.Bool);
      case 'string': return pl.Series(c.name, v, pl.Utf8);
      case 'list_string': return pl.Series(c.name, v, pl.List(pl.Utf8));
      case 'timestamp_ms': return pl.Series(c.name, v.map((x) => (x === null ? null : String(x))), pl.Utf8)
        .cast(pl.Int64).cast(pl.Datetime('ms'));
      case 'date': return pl.Series(c.name, v, pl.Int32).cast(pl.Date);
      default: throw new Error(`polars writer: no kind ${c.kind}`);
    }
  };
  const frame = (ds) => pl.DataFrame(ds.columns.map(series));
  const types = frame(typesDataset(ROWS, 1, false));
  const probe = frame(probeDataset(PROBE_ROWS, 2));
  const codecs = ['uncompressed', 'snappy', 'gzip', 'lz4', 'zstd', 'brotli'];
  const files = [];
  for (const codec of codecs) {
    files.push({ file: `polars_${codec}.parquet`, df: types, opts: { compression: codec } });
    files.push({ file: `polars_probe_${codec}.parquet`, df: probe, opts: { compression: codec } });
  }
  files.push({ file: 'polars_zstd_nostats.parquet', df: types, opts: { compression: 'zstd', statistics: false } });
  files.push({ file: 'polars_snappy_smallpages.parquet', df: types, opts: { compression: 'snappy', dataPagesizeLimit: 2048 } });
  files.push({ file: 'polars_probe_zstd_level19.parquet', df: probe, opts: { compression: 'zstd', compressionLevel: 19 } });
  for (const f of files) {
    const out = path.join(outdir, f.file);
    // maintainOrder: nodejs-polars' default sink options let rows be reordered
    await f.df.lazy().sinkParquet(out, {
      statistics: true, rowGroupSize: ROW_GROUP, ...f.opts,
      sinkOptions: { syncOnClose: 'all', maintainOrder: true, mkdir: true },
    }).collect();
    if (!fs.existsSync(out)) throw new Error(`polars did not write ${out}`);
    manifest.push({
      file: f.file, writer: 'polars', rows: f.df.height,
      readers: { duckdb: '*', hyparquet: '*', polars: '*' },
    });
  }
}

try {
  if (lib === 'duckdb') await writeDuckdb(); else await writePolars();
  fs.writeFileSync(path.join(outdir, `${lib}_manifest.json`), JSON.stringify(manifest, null, 1) + '\n');
  process.stdout.write(`write ${lib}: ${manifest.length} files in ${outdir}\n`);
} catch (e) {
  process.stderr.write(`write ${lib}: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
}
