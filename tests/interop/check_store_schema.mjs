// DuckDB reads a probestore scan file with exactly the seed's column names,
// types and repetitions (ParquetProbeResult) and the store's key-value
// metadata:
//
//   node check_store_schema.mjs SCAN.parquet
//
// (the values are compared by run_interop.sh with compare.mjs).
import { DuckDBInstance } from '@duckdb/node-api';

const [file] = process.argv.slice(2);
const want = [
  ['original_url', 'VARCHAR', 'REQUIRED'], ['final_url', 'VARCHAR', 'OPTIONAL'],
  ['status_code', 'INTEGER', 'OPTIONAL'], ['content_length', 'BIGINT', 'OPTIONAL'],
  ['content_type', 'VARCHAR', 'OPTIONAL'], ['title', 'VARCHAR', 'OPTIONAL'],
  ['web_server', 'VARCHAR', 'OPTIONAL'], ['technologies', 'VARCHAR[]', 'REQUIRED'],
  ['ip_address', 'VARCHAR[]', 'REQUIRED'], ['root_target_url', 'VARCHAR', 'OPTIONAL'],
  ['probe_error', 'VARCHAR', 'OPTIONAL'], ['method', 'VARCHAR', 'OPTIONAL'],
  ['headers_json', 'VARCHAR', 'OPTIONAL'], ['diff_status', 'VARCHAR', 'OPTIONAL'],
  ['scan_timestamp', 'BIGINT', 'REQUIRED'], ['first_seen_timestamp', 'BIGINT', 'OPTIONAL'],
  ['last_seen_timestamp', 'BIGINT', 'OPTIONAL'],
];
const q = (s) => `'${s.replace(/'/g, "''")}'`;
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
const problems = [];
const desc = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${q(file)})`)).getRowObjects();
const schema = (await con.runAndReadAll(`SELECT name, repetition_type FROM parquet_schema(${q(file)})`)).getRowObjects();
const rep = new Map(schema.map((r) => [r.name, r.repetition_type]));
if (desc.length !== want.length) problems.push(`${desc.length} columns, expected ${want.length}`);
want.forEach(([name, type, repetition], i) => {
  const d = desc[i];
  if (!d || d.column_name !== name || d.column_type !== type)
    problems.push(`column ${i}: ${d?.column_name} ${d?.column_type}, expected ${name} ${type}`);
  if (rep.get(name) !== repetition) problems.push(`${name}: ${rep.get(name)}, expected ${repetition}`);
});
const kv = (await con.runAndReadAll(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${q(file)})`)).getRowObjects();
for (const k of ['probestore.scan_session_id', 'probestore.root_target', 'probestore.scan_timestamp', 'probestore.schema_version'])
  if (!kv.some((r) => r.k === k)) problems.push(`key-value metadata lacks ${k}`);
if (problems.length) {
  console.log(`check_store_schema: ${file}: FAIL`);
  for (const p of problems.slice(0, 20)) console.log(`  ${p}`);
  process.exit(1);
}
console.log(`check_store_schema: ok (${want.length} columns, types and repetitions as the seed's)`);
