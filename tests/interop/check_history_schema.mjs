// DuckDB reads a probestore file history file with exactly the seed's
// column names, types and repetitions (FileHistoryRecord) and the store's
// key-value metadata, and every diff_result_json it reads is the seed's
// ContentDiffResult: valid JSON with the seed's keys in the seed's order.
//
//   node check_history_schema.mjs HISTORY.parquet
//
// (the values are compared by run_interop.sh with compare.mjs).
import { DuckDBInstance } from '@duckdb/node-api';
import { checkSeedSchema, sqlString } from './lib/seed_schema.mjs';

const [file] = process.argv.slice(2);
const want = [
  ['url', 'VARCHAR', 'REQUIRED'], ['timestamp', 'BIGINT', 'REQUIRED'], ['hash', 'VARCHAR', 'REQUIRED'],
  ['content_type', 'VARCHAR', 'OPTIONAL'], ['content', 'BLOB', 'OPTIONAL'], ['etag', 'VARCHAR', 'OPTIONAL'],
  ['last_modified', 'VARCHAR', 'OPTIONAL'], ['diff_result_json', 'VARCHAR', 'OPTIONAL'],
  ['extracted_paths_json', 'VARCHAR', 'OPTIONAL'],
];
const diffKeys = ['timestamp', 'content_type', 'diffs', 'lines_added', 'lines_deleted', 'lines_changed',
  'is_identical', 'error_message', 'processing_time_ms', 'old_hash', 'new_hash'];
const q = sqlString;
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
const { problems, kv } = await checkSeedSchema(con, file, want, ['probestore.schema_version', 'probestore.url_hash']);
const kind = kv.find((r) => r.k === 'probestore.kind');
if (!kind || kind.v !== 'file_history') problems.push(`probestore.kind is ${kind?.v}, expected file_history`);
const rgs = (await con.runAndReadAll(`SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata(${q(file)})`)).getRowObjects()[0].n;
const diffs = (await con.runAndReadAll(`SELECT diff_result_json AS d FROM read_parquet(${q(file)}) WHERE diff_result_json IS NOT NULL`)).getRowObjects();
let checked = 0;
for (const { d } of diffs) {
  if (d === '' || d === 'null') continue;
  let o;
  try { o = JSON.parse(d); } catch (e) { problems.push(`diff_result_json does not parse: ${e.message}`); break; }
  const keys = Object.keys(o);
  const order = diffKeys.filter((k) => keys.includes(k));
  if (keys.join() !== order.join() || !['timestamp', 'content_type', 'diffs', 'lines_added', 'is_identical'].every((k) => keys.includes(k))) {
    problems.push(`diff_result_json keys ${keys.join(',')} are not the seed's (${diffKeys.join(',')})`);
    break;
  }
  if (o.diffs !== null && !o.diffs.every((x) => [-1, 0, 1].includes(x.operation) && typeof x.text === 'string')) {
    problems.push('a diff is not {operation, text}');
    break;
  }
  checked++;
}
if (problems.length) {
  console.log(`check_history_schema: ${file}: FAIL`);
  for (const p of problems.slice(0, 20)) console.log(`  ${p}`);
  process.exit(1);
}
console.log(`check_history_schema: ok (${want.length} columns as the seed's, ${rgs} row groups, ${checked} diffs in the seed's JSON shape)`);
