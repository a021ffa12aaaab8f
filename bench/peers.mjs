// The peers' side of the benchmarks: DuckDB (@duckdb/node-api) and Polars
// (nodejs-polars), from tests/interop's node_modules. Each run prints one
// JSON object like bench.c's.
//
//   node bench/peers.mjs write  duckdb|polars ROWS.jsonl OUT.parquet zstd|snappy
//   node bench/peers.mjs ingest duckdb        HTTPX.jsonl OUT.parquet
//   node bench/peers.mjs read   duckdb|polars FILE
//   node bench/peers.mjs count  duckdb|polars DIR
//   node bench/peers.mjs query  duckdb|polars BASE TECH
//   node bench/peers.mjs stream duckdb|polars FILE
//
// Threads: BENCH_THREADS=1 makes DuckDB use one thread (SET threads) and
// scripts/bench.sh sets POLARS_MAX_THREADS for Polars. Loading the input
// of `write` is not timed: the peers write from a table in memory, as
// bench.c does.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/interop/package.json', import.meta.url));
const [op, peer, ...args] = process.argv.slice(2);
const threads = process.env.BENCH_THREADS;
const now = () => Number(process.hrtime.bigint()) / 1e9;
const q = (s) => `'${String(s).replace(/'/g, "''")}'`;
const out = (o) => console.log(JSON.stringify({ peer, ...o }));

const COLUMNS = {
  original_url: 'VARCHAR', final_url: 'VARCHAR', status_code: 'INTEGER', content_length: 'BIGINT',
  content_type: 'VARCHAR', title: 'VARCHAR', web_server: 'VARCHAR', technologies: 'VARCHAR[]',
  ip_address: 'VARCHAR[]', root_target_url: 'VARCHAR', probe_error: 'VARCHAR', method: 'VARCHAR',
  headers_json: 'VARCHAR', diff_status: 'VARCHAR', scan_timestamp: 'BIGINT',
  first_seen_timestamp: 'BIGINT', last_seen_timestamp: 'BIGINT',
};
const LISTS = new Set(['technologies', 'ip_address']);

function scanFiles(base) {
  const files = [];
  const root = path.join(base, 'probe_results');
  for (const d of fs.readdirSync(root).sort())
    for (const f of fs.readdirSync(path.join(root, d)).sort())
      if (/^scan_.*\.parquet$/.test(f)) files.push(path.join(root, d, f));
  return files;
}

async function duck() {
  const { DuckDBInstance } = require('@duckdb/node-api');
  const inst = await DuckDBInstance.create(':memory:', threads ? { threads: String(threads) } : {});
  return inst.connect();
}

async function duckdb() {
  const con = await duck();
  const run = (sql) => con.runAndReadAll(sql);
  switch (op) {
    case 'write': {
      const [rows, file, codec] = args;
      const cols = Object.entries(COLUMNS).map(([k, v]) => `${k}: ${q(v)}`).join(', ');
      await run(`CREATE TABLE t AS SELECT * FROM read_json(${q(rows)}, format='newline_delimited', columns={${cols}})`);
      const t0 = now();
      await run(`COPY t TO ${q(file)} (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 100000)`);
      const t = now() - t0;
      const n = Number((await run('SELECT count(*) AS n FROM t')).getRowObjects()[0].n);
      return out({ op, codec, rows: n, seconds: t, bytes: fs.statSync(file).size });
    }
    case 'ingest': {
      // httpx JSON Lines to a ZSTD Parquet file with the probe columns, end to end
      const [httpx, file] = args;
      const t0 = now();
      await run(`COPY (SELECT input AS original_url, final_url, status_code::INTEGER AS status_code,
          nullif(content_length, 0) AS content_length, nullif(content_type, '') AS content_type, title,
          webserver AS web_server, coalesce(tech, []) AS technologies, coalesce(a, []) AS ip_address,
          NULL::VARCHAR AS root_target_url, error AS probe_error, method, to_json(header)::VARCHAR AS headers_json,
          'new' AS diff_status, epoch_ms(timestamp::TIMESTAMP) AS scan_timestamp,
          epoch_ms(timestamp::TIMESTAMP) AS first_seen_timestamp, epoch_ms(timestamp::TIMESTAMP) AS last_seen_timestamp
        FROM read_json(${q(httpx)}, format='newline_delimited'))
        TO ${q(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100000)`);
      const t = now() - t0;
      const n = Number((await run(`SELECT count(*) AS n FROM read_parquet(${q(file)})`)).getRowObjects()[0].n);
      return out({ op, rows: n, seconds: t, bytes: fs.statSync(file).size });
    }
    case 'read': {
      const [file] = args;
      const t0 = now();
      const sums = Object.keys(COLUMNS).map((c) => `sum(hash(${c}))`).join(' + ');
      const r = (await run(`SELECT count(*) AS n, (${sums})::VARCHAR AS s FROM read_parquet(${q(file)})`)).getRowObjects()[0];
      return out({ op, rows: Number(r.n), seconds: now() - t0, checksum: r.s });
    }
    case 'count': {
      const [dir] = args;
      const t0 = now();
      const r = (await run(`SELECT count(*) AS n FROM read_parquet(${q(path.join(dir, '*.parquet'))})`)).getRowObjects()[0];
      return out({ op, files: fs.readdirSync(dir).filter((f) => f.endsWith('.parquet')).length, rows: Number(r.n), seconds: now() - t0 });
    }
    case 'query': {
      const [base, tech] = args;
      const t0 = now();
      const files = `[${scanFiles(base).map(q).join(', ')}]`;
      const where = `status_code = 200 AND list_contains(technologies, ${q(tech)})`;
      const total = (await run(`SELECT count(*) AS n FROM read_parquet(${files}) WHERE ${where}`)).getRowObjects()[0].n;
      const rows = (await run(`SELECT * FROM read_parquet(${files}) WHERE ${where} LIMIT 100 OFFSET 50`)).getRowObjects();
      return out({ op, total: Number(total), returned: rows.length, seconds: now() - t0 });
    }
    case 'stream': {
      const [file] = args;
      const t0 = now();
      const res = await con.stream(`SELECT * FROM read_parquet(${q(file)})`);
      let n = 0;
      for (;;) {
        const chunk = await res.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        n += chunk.rowCount;
      }
      return out({ op, rows: n, seconds: now() - t0 });
    }
  }
  throw new Error(`duckdb: unknown op ${op}`);
}

async function polars() {
  const pl = require('nodejs-polars');
  // (nodejs-polars sums a hash only once it is cast to a float)
  const checksumExprs = () => Object.keys(COLUMNS).map((c) =>
    (LISTS.has(c) ? pl.col(c).explode() : pl.col(c)).hash(1, 2, 3, 4).cast(pl.Float64).sum().alias(c));
  const dtype = (c) => COLUMNS[c] === 'INTEGER' ? pl.Int32 : COLUMNS[c] === 'BIGINT' ? pl.Int64
    : LISTS.has(c) ? pl.List(pl.Utf8) : pl.Utf8;
  switch (op) {
    case 'write': {
      const [rows, file, codec] = args;
      // (this nodejs-polars build lacks readJSON's line format; scanJson reads it)
      const df = pl.scanJson(rows, { inferSchemaLength: 100000 }).collectSync()
        .select(...Object.keys(COLUMNS).map((c) => pl.col(c).cast(dtype(c))));
      const t0 = now();
      df.writeParquet(file, { compression: codec, rowGroupSize: 100000 });
      const t = now() - t0;
      return out({ op, codec, rows: df.height, seconds: t, bytes: fs.statSync(file).size });
    }
    case 'read': {
      const [file] = args;
      const t0 = now();
      const df = pl.readParquet(file);
      const sums = df.select(checksumExprs());
      return out({ op, rows: df.height, seconds: now() - t0, checksum: String(sums.row(0).reduce((a, b) => a + (b ?? 0), 0)) });
    }
    case 'count': {
      const [dir] = args;
      const t0 = now();
      let n = 0, files = 0;
      for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.parquet'))) {
        n += Number(pl.scanParquet(path.join(dir, f)).select(pl.len()).collectSync().row(0)[0]);
        files++;
      }
      return out({ op, files, rows: n, seconds: now() - t0 });
    }
    case 'query': {
      const [base, tech] = args;
      const t0 = now();
      const lf = pl.concat(scanFiles(base).map((f) => pl.scanParquet(f)), { how: 'vertical' })
        .filter(pl.col('status_code').eq(200).and(pl.col('technologies').lst.contains(tech)));
      const total = Number(lf.select(pl.len()).collectSync().row(0)[0]);
      const rows = lf.slice(50, 100).collectSync();
      return out({ op, total, returned: rows.height, seconds: now() - t0 });
    }
    case 'stream': {
      // nodejs-polars has no row-at-a-time reader: the closest is a
      // streaming collect, then the rows
      const [file] = args;
      const t0 = now();
      const df = pl.scanParquet(file).collectSync({ streaming: true });
      let n = 0;
      for (let off = 0; off < df.height; off += 65536) n += df.slice(off, 65536).height;
      return out({ op, rows: n, seconds: now() - t0 });
    }
  }
  throw new Error(`polars: unknown op ${op}`);
}

(peer === 'duckdb' ? duckdb() : peer === 'polars' ? polars() : Promise.reject(new Error(`unknown peer ${peer}`)))
  .catch((e) => { console.error(`peers.mjs ${op} ${peer}: ${e.message}`); process.exit(1); });
