// DuckDB reads a probestore scan file with exactly the seed's column names,
// types and repetitions (ParquetProbeResult), followed in a schema version 2
// file by version 2's columns (docs/format.md), and the store's key-value
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
// schema version 2: the seed's columns first, then these
const v2 = [
  ['location', 'VARCHAR'], ['chain_status_codes', 'INTEGER[]'], ['host_ip', 'VARCHAR'], ['port', 'INTEGER'],
  ['scheme', 'VARCHAR'], ['path', 'VARCHAR'], ['words', 'BIGINT'], ['lines', 'BIGINT'],
  ['response_time_ms', 'DOUBLE'], ['cdn_name', 'VARCHAR'], ['cdn_type', 'VARCHAR'], ['favicon_mmh3', 'INTEGER'],
  ['favicon_url', 'VARCHAR'], ['body_sha256', 'VARCHAR'], ['header_sha256', 'VARCHAR'], ['jarm', 'VARCHAR'],
  ['cname', 'VARCHAR[]'], ['asn_number', 'BIGINT'], ['asn_name', 'VARCHAR'], ['tls_subject_cn', 'VARCHAR'],
  ['tls_subject_an', 'VARCHAR[]'], ['tls_issuer_cn', 'VARCHAR'], ['tls_not_after', 'TIMESTAMP WITH TIME ZONE'],
  ['http2', 'BOOLEAN'], ['websocket', 'BOOLEAN'], ['changed_fields', 'VARCHAR[]'],
];
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
const version = (await con.runAndReadAll(
  `SELECT decode(value) AS v FROM parquet_kv_metadata('${file.replace(/'/g, "''")}') ` +
  `WHERE decode(key) = 'probestore.schema_version'`)).getRowObjects()[0]?.v;
if (version === '2') for (const [name, type] of v2) want.push([name, type, 'OPTIONAL']);
else if (version !== '1') {
  console.log(`check_store_schema: ${file}: FAIL: probestore.schema_version is ${version}, expected 1 or 2`);
  process.exit(1);
}
const { problems } = await checkSeedSchema(con, file, want,
  ['probestore.scan_session_id', 'probestore.root_target', 'probestore.scan_timestamp', 'probestore.schema_version']);
if (problems.length) {
  console.log(`check_store_schema: ${file}: FAIL`);
  for (const p of problems.slice(0, 20)) console.log(`  ${p}`);
  process.exit(1);
}
console.log(`check_store_schema: ok (schema version ${version}: ${want.length} columns, types and repetitions as expected)`);
