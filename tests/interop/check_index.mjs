// Checks the page index and bloom filters of a file probestore wrote, with
// independent readers:
//
//   node check_index.mjs FILE EXPECT.jsonl --bloom col,col,...
//
// EXPECT.jsonl holds the file's rows (gen_probe --expect). Checks:
// - hyparquet reads every column chunk's OffsetIndex and ColumnIndex: the
//   page locations start at the chunk's first data page, are contiguous,
//   first_row_index starts at 0 and grows; for the top-level scalar columns,
//   each page's min/max bound every value of the page's rows and
//   null_counts equal the page's nulls;
// - for each --bloom column, DuckDB's parquet_bloom_probe() and hyparquet's
//   split-block filter never exclude a row group holding a value (200
//   sampled values), and exclude most row groups for absent values (the
//   excluded share must be at least 90% with a 1% target rate).
// Prints "check_index: ok (...)" or the first problems, exit 1.
import fs from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata, readColumnIndex, readOffsetIndex } from 'hyparquet';
import { hashParquetValue, readBloomFilter, sbbfContains } from 'hyparquet/src/bloom.js';

const args = process.argv.slice(2);
const file = args[0], expectPath = args[1];
const bloomAt = args.indexOf('--bloom');
const bloomCols = bloomAt >= 0 ? args[bloomAt + 1].split(',') : [];
if (!file || !expectPath) {
  console.error('usage: check_index.mjs FILE EXPECT.jsonl [--bloom col,col]');
  process.exit(2);
}

const problems = [];
const fail = (m) => { if (problems.length < 20) problems.push(m); };

const buf = fs.readFileSync(file);
const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
const view = new DataView(ab);
const meta = parquetMetadata(ab);
const rows = fs.readFileSync(expectPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
if (rows.length !== Number(meta.num_rows)) fail(`expectation has ${rows.length} rows, file ${meta.num_rows}`);

// byte-wise comparison of what the column index holds with the values
const enc = new TextEncoder();
function cmp(a, b) {
  if (typeof a === 'string' || typeof b === 'string') {
    const x = enc.encode(String(a)), y = enc.encode(String(b));
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  }
  const x = BigInt(a), y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const leaves = meta.schema.filter((e) => e.num_children === undefined);
let rgStart = 0, pagesChecked = 0;
for (const [g, rg] of meta.row_groups.entries()) {
  const nrows = Number(rg.num_rows);
  for (const [c, chunk] of rg.columns.entries()) {
    const m = chunk.meta_data;
    const name = m.path_in_schema.join('.');
    if (chunk.offset_index_offset === undefined || chunk.column_index_offset === undefined) {
      fail(`row group ${g} column ${name}: no page index`);
      continue;
    }
    const oi = readOffsetIndex({ view, offset: Number(chunk.offset_index_offset) });
    const ci = readColumnIndex({ view, offset: Number(chunk.column_index_offset) }, leaves[c]);
    const locs = oi.page_locations;
    if (ci.null_pages.length !== locs.length) fail(`${name}: ${ci.null_pages.length} column index entries, ${locs.length} pages`);
    if (Number(locs[0].offset) !== Number(m.data_page_offset)) fail(`${name} rg ${g}: first page at ${locs[0].offset}, data_page_offset ${m.data_page_offset}`);
    if (Number(locs[0].first_row_index) !== 0) fail(`${name} rg ${g}: first_row_index ${locs[0].first_row_index}`);
    for (let p = 1; p < locs.length; p++) {
      if (Number(locs[p].offset) !== Number(locs[p - 1].offset) + locs[p - 1].compressed_page_size)
        fail(`${name} rg ${g} page ${p}: not contiguous`);
      if (!(Number(locs[p].first_row_index) > Number(locs[p - 1].first_row_index)))
        fail(`${name} rg ${g} page ${p}: first_row_index does not grow`);
    }
    const end = Number(locs.at(-1).offset) + locs.at(-1).compressed_page_size;
    const chunkStart = Number(m.dictionary_page_offset ?? m.data_page_offset);
    if (end !== chunkStart + Number(m.total_compressed_size)) fail(`${name} rg ${g}: pages end at ${end}, chunk at ${chunkStart + Number(m.total_compressed_size)}`);
    if (m.path_in_schema.length !== 1) continue; // lists: locations only
    for (let p = 0; p < locs.length; p++) {
      const from = rgStart + Number(locs[p].first_row_index);
      const to = rgStart + (p + 1 < locs.length ? Number(locs[p + 1].first_row_index) : nrows);
      let nulls = 0;
      for (let i = from; i < to; i++) {
        const v = rows[i][name];
        if (v === null || v === undefined) { nulls++; continue; }
        if (ci.null_pages[p]) { fail(`${name} rg ${g} page ${p}: null page holds ${v}`); break; }
        if (cmp(ci.min_values[p], v) > 0 || cmp(ci.max_values[p], v) < 0) {
          fail(`${name} rg ${g} page ${p}: ${JSON.stringify(v)} outside [${ci.min_values[p]}, ${ci.max_values[p]}]`);
          break;
        }
      }
      if (ci.null_counts && Number(ci.null_counts[p]) !== nulls) fail(`${name} rg ${g} page ${p}: null_counts ${ci.null_counts[p]}, ${nulls} nulls`);
      pagesChecked++;
    }
  }
  rgStart += nrows;
}

// bloom filters
let probes = 0, absentExcluded = 0, absentProbes = 0;
const rgOf = [];
{ let at = 0; for (const [g, rg] of meta.row_groups.entries()) { for (let i = 0; i < Number(rg.num_rows); i++) rgOf[at++] = g; } }
if (bloomCols.length) {
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  const q = (s) => `'${String(s).replace(/'/g, "''")}'`;
  for (const col of bloomCols) {
    const c = leaves.findIndex((e) => e.name === col);
    if (c < 0) { fail(`no column ${col}`); continue; }
    const filters = meta.row_groups.map((rg, g) => {
      const m = rg.columns[c].meta_data;
      if (m.bloom_filter_offset === undefined) { fail(`${col} rg ${g}: no bloom filter`); return undefined; }
      return readBloomFilter({ view, offset: Number(m.bloom_filter_offset) });
    });
    // present values: every row group holding one must answer "maybe"
    const present = new Map();
    for (let i = 0; i < rows.length; i += Math.max(1, Math.floor(rows.length / 200))) {
      const v = rows[i][col];
      if (v === null || v === undefined) continue;
      if (!present.has(v)) present.set(v, new Set());
    }
    for (let i = 0; i < rows.length; i++) {
      const s = present.get(rows[i][col]);
      if (s) s.add(rgOf[i]);
    }
    const absent = [];
    for (let k = 0; k < 100; k++) absent.push(typeof [...present.keys()][0] === 'number' ? 100000 + k * 7 : `https://absent-${k}.invalid/x`);
    const duck = async (v) => {
      const lit = typeof v === 'number' ? String(v) : q(v);
      const r = await con.runAndReadAll(`SELECT row_group_id, bloom_filter_excludes FROM parquet_bloom_probe(${q(file)}, ${q(col)}, ${lit})`);
      return new Map(r.getRowObjects().map((o) => [Number(o.row_group_id), o.bloom_filter_excludes]));
    };
    for (const [v, groups] of present) {
      const d = await duck(v);
      const h = hashParquetValue(v, leaves[c]);
      for (const g of groups) {
        probes++;
        if (d.get(g) !== false) fail(`${col}=${JSON.stringify(v)}: DuckDB excludes row group ${g} that holds it (${d.get(g)})`);
        if (filters[g] && h !== undefined && !sbbfContains(filters[g].blocks, h)) fail(`${col}=${JSON.stringify(v)}: hyparquet's filter misses row group ${g}`);
      }
    }
    for (const v of absent) {
      const d = await duck(v);
      const h = hashParquetValue(v, leaves[c]);
      for (let g = 0; g < meta.row_groups.length; g++) {
        absentProbes++;
        const duckEx = d.get(g) === true;
        const hyEx = filters[g] && h !== undefined && !sbbfContains(filters[g].blocks, h);
        if (duckEx !== !!hyEx) fail(`${col}=${JSON.stringify(v)} rg ${g}: DuckDB excludes ${duckEx}, hyparquet ${!!hyEx}`);
        if (duckEx) absentExcluded++;
      }
    }
  }
  if (absentProbes && absentExcluded / absentProbes < 0.9) fail(`bloom filters exclude only ${absentExcluded} of ${absentProbes} absent probes`);
  con.closeSync?.();
}

if (problems.length) {
  console.log(`check_index: ${file}: FAIL`);
  for (const p of problems) console.log(`  ${p}`);
  process.exit(1);
}
console.log(`check_index: ok (${pagesChecked} pages bounded, ${probes} present and ${absentProbes} absent bloom probes, ${absentExcluded} excluded)`);
