// DuckDB's side of the product table (bench/product.mjs): each case of
// the `probestore` command as SQL over the same scan files, giving the same
// answer. Prints one JSON object: the seconds DuckDB spent in-process (from
// a ready connection to the last result, the file listing included) and
// the answer.
//
//   node bench/duckdb_cases.mjs count-tech BASE     status 200 and technology WordPress: count
//   node bench/duckdb_cases.mjs count      BASE     every row: count(*)
//   node bench/duckdb_cases.mjs count-url  BASE     original or final URL containing "admin": count
//   node bench/duckdb_cases.mjs window     BASE     status 200 and WordPress, rows 50..149 in probestore's order
//   node bench/duckdb_cases.mjs read       BASE     every column of every row as JSON Lines to /dev/null
//   node bench/duckdb_cases.mjs ingest     HTTPX OUT.parquet            httpx lines to one ZSTD file
//   node bench/duckdb_cases.mjs group      HTTPX OUTDIR domain|host     httpx lines to one ZSTD file per group
//
// BENCH_THREADS=N sets DuckDB's threads (SET threads); default, DuckDB's.
// BASE is a probestore data directory: the files read are each target's
// latest scan, as `probestore query` (--scan latest) reads them.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/interop/package.json', import.meta.url));
const [op, ...args] = process.argv.slice(2);
const threads = process.env.BENCH_THREADS;
const now = () => Number(process.hrtime.bigint()) / 1e9;
const q = (s) => `'${String(s).replace(/'/g, "''")}'`;

// probestore's order: targets by directory name, each target's latest
// scan (the newest scan_<time> name; a second scan in one second is _2)
function latestScans(base) {
  const root = path.join(base, 'probe_results');
  const key = (f) => { const m = /^scan_(\d{8}_\d{6})(?:_(\d+))?\.parquet$/.exec(f); return m ? [m[1], Number(m[2] ?? 1)] : null; };
  const files = [];
  for (const d of fs.readdirSync(root).sort()) {
    const scans = fs.readdirSync(path.join(root, d)).filter(key)
      .sort((a, b) => { const x = key(a), y = key(b); return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] - y[1]; });
    if (scans.length) files.push(path.join(root, d, scans[scans.length - 1]));
  }
  return files;
}

// --tech WordPress: the name with or without the version httpx appends, any case
const TECH = `len(list_filter(technologies, x -> lower(x) = 'wordpress' OR starts_with(lower(x), 'wordpress:'))) > 0`;
const URL_ADMIN = `(contains(original_url, 'admin') OR coalesce(contains(final_url, 'admin'), false))`;

// httpx fields to the scan file's 17 columns (docs/cli.md, httpx fields)
const PROBE_COLUMNS = `url AS original_url, final_url, status_code::INTEGER AS status_code,
  nullif(content_length, 0) AS content_length, nullif(content_type, '') AS content_type, title,
  webserver AS web_server, coalesce(tech, []) AS technologies, coalesce(a, []) AS ip_address,
  input AS root_target_url, error AS probe_error, method, to_json(header)::VARCHAR AS headers_json,
  'new' AS diff_status, epoch_ms(timestamp::TIMESTAMP) AS scan_timestamp,
  epoch_ms(timestamp::TIMESTAMP) AS first_seen_timestamp, epoch_ms(timestamp::TIMESTAMP) AS last_seen_timestamp`;

async function main() {
  const { DuckDBInstance } = require('@duckdb/node-api');
  const inst = await DuckDBInstance.create(':memory:', threads ? { threads: String(threads) } : {});
  const con = await inst.connect();
  const one = async (sql) => (await con.runAndReadAll(sql)).getRowObjects()[0];
  const t0 = now();
  // (the window's order needs each row's file and row number; the other cases read the files plainly)
  const scans = (ordered = false) => `read_parquet([${latestScans(args[0]).map(q).join(', ')}]${ordered ? ', filename=true, file_row_number=true' : ''})`;
  let answer, extra = {};
  switch (op) {
    case 'count-tech':
      answer = Number((await one(`SELECT count(*) AS n FROM ${scans()} WHERE status_code = 200 AND ${TECH}`)).n);
      break;
    case 'count':
      answer = Number((await one(`SELECT count(*) AS n FROM ${scans()}`)).n);
      break;
    case 'count-url':
      answer = Number((await one(`SELECT count(*) AS n FROM ${scans()} WHERE ${URL_ADMIN}`)).n);
      break;
    case 'window': {
      // every column of the window's rows, as the command prints them
      const rows = (await con.runAndReadAll(`SELECT * EXCLUDE (filename, file_row_number) FROM ${scans(true)}
        WHERE status_code = 200 AND ${TECH} ORDER BY filename, file_row_number LIMIT 100 OFFSET 50`)).getRowObjectsJson();
      answer = rows.map((r) => r.original_url);
      break;
    }
    case 'read':
      answer = Number((await one(`COPY (SELECT * FROM ${scans()})
        TO '/dev/null' (FORMAT json)`)).Count);
      break;
    case 'ingest': {
      const [httpx, file] = args;
      fs.rmSync(file, { force: true });
      answer = Number((await one(`COPY (SELECT ${PROBE_COLUMNS} FROM read_json(${q(httpx)}, format='newline_delimited'))
        TO ${q(file)} (FORMAT parquet, COMPRESSION zstd)`)).Count);
      extra = { bytes: fs.statSync(file).size };
      break;
    }
    case 'group': {
      // the registrable domain of bench_gen's subdomains is the host less its first label
      const [httpx, dir, by] = args;
      fs.rmSync(dir, { recursive: true, force: true });
      const grp = by === 'host' ? 'input' : `regexp_replace(input, '^[^.]+[.]', '')`;
      const rows = Number((await one(`COPY (SELECT ${PROBE_COLUMNS}, ${grp} AS grp FROM read_json(${q(httpx)}, format='newline_delimited'))
        TO ${q(dir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (grp))`)).Count);
      const groups = fs.readdirSync(dir);
      const bytes = groups.reduce((n, g) => n + fs.readdirSync(path.join(dir, g)).reduce((m, f) => m + fs.statSync(path.join(dir, g, f)).size, 0), 0);
      answer = groups.length;
      extra = { rows, bytes };
      break;
    }
    default:
      throw new Error(`unknown case ${op}`);
  }
  const seconds = now() - t0;
  console.log(JSON.stringify({ op, threads: threads ? Number(threads) : null, seconds, answer, ...extra }));
}

main().catch((e) => { console.error(`duckdb_cases.mjs ${op}: ${e.message}`); process.exit(1); });
