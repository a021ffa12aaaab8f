// DuckDB reads a probestore scan file with exactly the seed's column names,
// types and repetitions (ParquetProbeResult) and the store's key-value
// metadata:
//
//   node check_store_schema.mjs SCAN.parquet
//
// (the values are compared by run_interop.sh with compare.mjs).
import { DuckDBInstance } from '@duckdb/node-api';
import { checkSeedSchema } from './lib/seed_schema.mjs';

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
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
const { problems } = await checkSeedSchema(con, file, want,
  ['probestore.scan_session_id', 'probestore.root_target', 'probestore.scan_timestamp', 'probestore.schema_version']);
if (problems.length) {
  console.log(`check_store_schema: ${file}: FAIL`);
  for (const p of problems.slice(0, 20)) console.log(`  ${p}`);
  process.exit(1);
}
console.log(`check_store_schema: ok (${want.length} columns, types and repetitions as the seed's)`);
