// The product table of scripts/bench.sh: the `probestore` command run as a
// user runs it, each case a whole process timed with its peak memory
// (`bench rss`: wait4 of the child), against DuckDB answering the same
// question over the same scan files (bench/duckdb_cases.mjs) on 1 and 2
// threads, in the same run. Writes one JSON object per measurement to
// OUT/product.jsonl; bench/product_report.mjs prints the table.
//
//   node bench/product.mjs --probestore EXE --bench EXE --gen EXE --out DIR
//        [--lines N] [--subdomain-lines N] [--memory-lines N] [--runs R] [--seed S]
//
// Data (bench_gen, seeded): N httpx lines over 50 targets, each a
// registrable domain of its own (--format targets), and a subdomain list
// of M lines over subdomains of 20 registrable domains (--format
// subdomains). The peak memory of ingest is also measured once on a file
// of --memory-lines lines (1,000,000: the size its target names; 0: not
// measured). Runs of the tools alternate, so that a slow moment of a
// shared machine falls on all of them.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const opt = { lines: 500000, 'subdomain-lines': 20000, 'memory-lines': 1000000, runs: 5, seed: 1 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  if (!argv[i].startsWith('--') || argv[i + 1] === undefined) {
    console.error('usage: product.mjs --probestore EXE --bench EXE --gen EXE --out DIR [--lines N] [--subdomain-lines N] [--runs R] [--seed S]');
    process.exit(2);
  }
  opt[argv[i].slice(2)] = argv[i + 1];
}
for (const k of ['probestore', 'bench', 'gen', 'out'])
  if (!opt[k]) { console.error(`product.mjs: --${k} is required`); process.exit(2); }
const runs = Number(opt.runs);
const out = path.resolve(opt.out);
const peerScript = fileURLToPath(new URL('./duckdb_cases.mjs', import.meta.url));
const results = path.join(out, 'product.jsonl');
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(results, '');
const record = (o) => fs.appendFileSync(results, JSON.stringify(o) + '\n');

// Runs ARGV under `bench rss`; its output to STDOUT_FILE when given, else
// captured. Returns the wrapper's measurement, the lines the command
// printed that are JSON objects, and its standard error.
// PROBESTORE_* variables are left out, so that the runs use the defaults.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PROBESTORE_')));
function measured(args, stdoutFile, env) {
  const r = spawnSync(opt.bench, ['rss', ...(stdoutFile ? ['--stdout', stdoutFile] : []), ...args],
    { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...cleanEnv, ...env } });
  const objs = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const rss = objs.find((o) => o.op === 'rss');
  if (!rss) throw new Error(`bench rss ${args.join(' ')}: no measurement (${r.stderr.trim()})`);
  return { rss, objs: objs.filter((o) => o !== rss), stderr: r.stderr };
}

const ps = (data, ...args) => [opt.probestore, '--data', data, ...args];
const duck = (threads, ...args) => ({ args: ['node', peerScript, ...args], env: { BENCH_THREADS: String(threads) } });
const scanFiles = (data) => {
  const root = path.join(data, 'probe_results');
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).flatMap((d) => fs.readdirSync(path.join(root, d))
    .filter((f) => /^scan_.*\.parquet$/.test(f)).map((f) => path.join(root, d, f)));
};
const sizeOf = (files) => files.reduce((n, f) => n + fs.statSync(f).size, 0);

// one run of probestore: the time and memory of the whole process
function runOurs(kase, args, answerOf, extraOf) {
  const ans = path.join(out, 'answer.txt');
  const m = measured(args, ans);
  const text = fs.readFileSync(ans, 'utf8');
  const rec = { case: kase, who: 'probestore', seconds: m.rss.seconds, cpu_seconds: m.rss.cpu_seconds,
    rss_mb: m.rss.max_rss_kb / 1024, status: m.rss.status };
  if (m.rss.status !== 0) rec.error = m.stderr.trim().split('\n').pop();
  else {
    if (answerOf) rec.answer = answerOf(text);
    if (extraOf) Object.assign(rec, extraOf());
  }
  record(rec);
  return rec;
}

// one run of DuckDB: its in-process time, and the peak memory and time of
// its whole process (node with DuckDB loaded)
function runDuck(kase, threads, ...args) {
  const d = duck(threads, ...args);
  const m = measured(d.args, null, d.env);
  const o = m.objs[0] ?? {};
  const rec = { case: kase, who: `duckdb (${threads} thread${threads > 1 ? 's' : ''})`, seconds: o.seconds,
    process_seconds: m.rss.seconds, rss_mb: m.rss.max_rss_kb / 1024, status: m.rss.status, answer: o.answer };
  if (o.bytes !== undefined) rec.bytes = o.bytes;
  if (o.rows !== undefined) rec.rows = o.rows;
  if (m.rss.status !== 0) rec.error = m.stderr.trim().split('\n').pop();
  record(rec);
  return rec;
}

const lines = Number(opt.lines), subLines = Number(opt['subdomain-lines']);
const httpx = path.join(out, 'targets.jsonl'), subs = path.join(out, 'subdomains.jsonl');
console.log(`== product: ${lines} httpx lines over 50 targets, ${subLines} lines over subdomains (seed ${opt.seed}), ${runs} runs`);
for (const [file, n, fmt] of [[httpx, lines, 'targets'], [subs, subLines, 'subdomains']]) {
  const r = spawnSync(opt.gen, ['--rows', String(n), '--seed', String(opt.seed), '--format', fmt, file], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`bench_gen --format ${fmt} failed`);
}

// 6. ingest of one large httpx file; its last run's store is the one queried
const store = path.join(out, 'store');
const CASE_INGEST = 'ingest httpx (one file)';
for (let r = 0; r < runs; r++) {
  fs.rmSync(store, { recursive: true, force: true });
  runOurs(CASE_INGEST, ps(store, 'ingest', httpx), null, () => {
    const files = scanFiles(store);
    return { bytes: sizeOf(files), scans: files.length, lines };
  });
  runDuck(CASE_INGEST, 1, 'ingest', httpx, path.join(out, 'duckdb.parquet'));
  runDuck(CASE_INGEST, 2, 'ingest', httpx, path.join(out, 'duckdb.parquet'));
}
if (!scanFiles(store).length) throw new Error('probestore ingest wrote no scan: the queries cannot run');
{
  // the rows the store holds, to compare with DuckDB's file (not timed)
  const r = spawnSync(opt.probestore, ['--data', store, 'query', '--count'], { encoding: 'utf8', env: cleanEnv });
  if (r.status === 0) record({ case: CASE_INGEST, who: 'probestore', answer_only: true, answer: Number(r.stdout.trim()) });
}
console.log(`  ${CASE_INGEST}`);

// the peak memory of ingest at the size its target names, one run
const memLines = Number(opt['memory-lines']);
if (memLines > 0) {
  // the lines come through a named pipe from bench_gen, so that no 700 MB file is written
  const big = path.join(out, 'targets_big.fifo'), dir = path.join(out, 'store_big');
  const kase = `ingest httpx, peak memory (${memLines} lines)`;
  fs.rmSync(big, { force: true });
  if (spawnSync('mkfifo', [big]).status !== 0) throw new Error(`mkfifo ${big} failed`);
  const gen = spawn(opt.gen, ['--rows', String(memLines), '--seed', String(opt.seed), '--format', 'targets', big], { stdio: 'inherit' });
  fs.rmSync(dir, { recursive: true, force: true });
  const rec = runOurs(kase, ps(dir, 'ingest', big), null, () => {
    const files = scanFiles(dir);
    return { bytes: sizeOf(files), scans: files.length, lines: memLines };
  });
  if (rec.status !== 0) gen.kill();
  await new Promise((resolve) => (gen.exitCode !== null ? resolve() : gen.on('exit', resolve)));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(big, { force: true });
  console.log(`  ${kase}`);
}

// 1-5. queries of the store, each case against DuckDB on 1 and 2 threads
const count = (t) => Number(t.trim());
const urls = (t) => t.split('\n').filter(Boolean).map((l) => JSON.parse(l).original_url);
const queries = [
  ['query status 200, tech (count)', ['query', '--status', '200', '--tech', 'WordPress', '--count'], count, 'count-tech'],
  ['query, no filter (count)', ['query', '--count'], count, 'count'],
  ['query url contains (count)', ['query', '--url-contains', 'admin', '--count'], count, 'count-url'],
  ['query status 200, tech (window)', ['query', '--status', '200', '--tech', 'WordPress', '--limit', '100', '--offset', '50', '--format', 'jsonl'], urls, 'window'],
  ['full read (jsonl)', ['query', '--scan', 'latest', '--limit', '0', '--format', 'jsonl'], null, 'read'],
];
for (let r = 0; r < runs; r++) {
  for (const [kase, args, answerOf, peerCase] of queries) {
    if (answerOf) runOurs(kase, ps(store, ...args), answerOf);
    else {
      // the full read goes to /dev/null, as a user discards it; its rows are counted once below
      const m = measured(ps(store, ...args), '/dev/null');
      record({ case: kase, who: 'probestore', seconds: m.rss.seconds, cpu_seconds: m.rss.cpu_seconds,
        rss_mb: m.rss.max_rss_kb / 1024, status: m.rss.status,
        ...(m.rss.status ? { error: m.stderr.trim().split('\n').pop() } : {}) });
    }
    runDuck(kase, 1, peerCase, store);
    runDuck(kase, 2, peerCase, store);
  }
}
// the full read's answer: its lines counted through a pipe (not timed)
{
  const [cmd, ...args] = ps(store, ...queries[4][1]);
  const n = await new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env: cleanEnv });
    let nl = 0;
    c.stdout.on('data', (b) => { for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) nl++; });
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve(nl) : reject(new Error(`full read exited with ${code}`))));
  });
  record({ case: queries[4][0], who: 'probestore', answer_only: true, answer: n });
}
for (const q of queries) console.log(`  ${q[0]}`);

// 7. ingest of the subdomain list, default grouping and by host
const groupings = [['ingest subdomains (default grouping)', [], 'domain'], ['ingest subdomains (--group-by host)', ['--group-by', 'host'], 'host']];
// Each run writes into a directory of its own, all removed after the
// case: ext4 passes over inodes freed in the last minutes when it
// allocates new ones, which made 14,000 directories made just after
// 14,000 were removed cost up to five times as much system time.
const runDirs = [];
for (const [kase, flags, by] of groupings) {
  let refused = false;
  for (let r = 0; r < runs; r++) {
    const dir = path.join(out, `subdomains_${by}_${r}`), duckDir = path.join(out, `duckdb_groups_${by}_${r}`);
    runDirs.push(dir, duckDir);
    if (!refused) {
      const rec = runOurs(kase, ps(dir, 'ingest', ...flags, subs), null, () => {
        const files = scanFiles(dir);
        return { answer: files.length, bytes: sizeOf(files), lines: subLines };
      });
      // a binary without the option refuses it (usage error, exit 2): not measured
      if (rec.status === 2 && flags.length) refused = true;
    }
    runDuck(kase, 1, 'group', subs, duckDir, by);
    if (refused) break; // (one run of DuckDB shows its figure)
  }
  console.log(`  ${kase}${refused ? ' (probestore refuses ' + flags.join(' ') + ': not measured)' : ''}`);
}
for (const d of runDirs) fs.rmSync(d, { recursive: true, force: true });
