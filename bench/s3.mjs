// The object-storage table of scripts/bench.sh: the `probestore` command on
// a store in a bucket (the one-node Ceph of scripts/ceph.sh, or the S3
// service the environment names), as a user runs it, against the same
// command on a local directory (ingest) and against Polars scanParquet
// reading the same objects in place with the same filter (queries), in
// the same run. Bytes are counted, not guessed: probestore logs what it
// fetched when its store closes ("object storage traffic"), and the
// objects' sizes come from the listing. Writes one JSON object per
// measurement to OUT/s3.jsonl and prints the table.
//
//   node bench/s3.mjs --probestore EXE --bench EXE --gen EXE --out DIR
//        [--lines N] [--runs R] [--seed S] [--delay MS]
//
// --delay MS puts bench/latency_proxy.mjs between both readers and the
// service, holding every chunk MS ms each way: a bucket 2 * MS ms of
// round trip away instead of a loopback's.
//
// The S3 endpoint, keys and bucket come from AWS_ENDPOINT_URL,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and
// PROBESTORE_S3_BUCKET (scripts/ceph.sh env DIR prints them).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../tests/interop/package.json'));
const pl = require('nodejs-polars');

const opt = { lines: 200000, runs: 3, seed: 1, delay: 0 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  if (!argv[i].startsWith('--') || argv[i + 1] === undefined) {
    console.error('usage: s3.mjs --probestore EXE --bench EXE --gen EXE --out DIR [--lines N] [--runs R] [--seed S] ' +
      '[--delay MS]');
    process.exit(2);
  }
  opt[argv[i].slice(2)] = argv[i + 1];
}
for (const k of ['probestore', 'bench', 'gen', 'out'])
  if (!opt[k]) { console.error(`s3.mjs: --${k} is required`); process.exit(2); }
const env = process.env;
for (const k of ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'PROBESTORE_S3_BUCKET'])
  if (!env[k]) { console.error(`s3.mjs: ${k} is not set (scripts/ceph.sh env DIR)`); process.exit(2); }
const runs = Number(opt.runs), lines = Number(opt.lines);
const out = path.resolve(opt.out);
fs.mkdirSync(out, { recursive: true });
const results = path.join(out, 's3.jsonl');
fs.writeFileSync(results, '');
const record = (o) => fs.appendFileSync(results, JSON.stringify(o) + '\n');

const bucket = env.PROBESTORE_S3_BUCKET;
const prefix = `bench-${process.pid}-${Date.now()}`;
const cleanEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('PROBESTORE_')));
// a distant bucket: both readers through the latency proxy (a process of
// its own: this one blocks while probestore runs)
let endpoint = env.AWS_ENDPOINT_URL, proxy = null;
if (Number(opt.delay) > 0) {
  const u = new URL(env.AWS_ENDPOINT_URL);
  const port = 20000 + (process.pid % 20000);
  proxy = spawn(process.execPath, [path.join(here, 'latency_proxy.mjs'), String(port), u.hostname,
    u.port || (u.protocol === 'https:' ? '443' : '80'), String(opt.delay)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((ok, fail) => {
    proxy.stdout.once('data', ok);
    proxy.once('exit', () => fail(new Error('latency_proxy.mjs exited')));
  });
  proxy.stdout.destroy();
  proxy.unref(); /* nothing of it keeps this process alive, and it ends with it */
  endpoint = `${u.protocol}//127.0.0.1:${port}`;
  cleanEnv.AWS_ENDPOINT_URL = endpoint;
  process.on('exit', () => proxy.kill());
}
// the footer cache (storage_config.s3.footer_cache_dir) of this run alone,
// empty at its start: the ingest fills it with what it puts
const cacheHome = path.join(out, 'cache');
fs.rmSync(cacheHome, { recursive: true, force: true });
cleanEnv.XDG_CACHE_HOME = cacheHome;
const noCache = { PROBESTORE_S3_FOOTER_CACHE_SIZE: '0' };

// ARGV under `bench rss`: time and peak memory of the whole process, its
// standard output, and the traffic line of its standard error
function measured(args, extraEnv = {}) {
  const ans = path.join(out, 'answer.txt');
  const r = spawnSync(opt.bench, ['rss', '--stdout', ans, ...args],
    { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...cleanEnv, ...extraEnv } });
  const objs = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const rss = objs.find((o) => o.op === 'rss');
  if (!rss) throw new Error(`bench rss ${args.join(' ')}: no measurement (${r.stderr.trim()})`);
  if (rss.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr.trim().split('\n').pop()}`);
  const traffic = r.stderr.split('\n').filter((l) => l.includes('"object storage traffic"')).map((l) => JSON.parse(l)).pop();
  return { seconds: rss.seconds, rss_mb: rss.max_rss_kb / 1024, text: fs.readFileSync(ans, 'utf8'), traffic };
}
const ps = (data, ...args) => [opt.probestore, '--log-level', 'info', '--log-format', 'json', '--data', data, ...args];

const input = path.join(out, 'targets.jsonl');
if (spawnSync(opt.gen, ['--rows', String(lines), '--seed', String(opt.seed), '--format', 'targets', input],
  { stdio: 'inherit' }).status !== 0)
  throw new Error('bench_gen failed');
console.log(`== object storage: ${lines} httpx lines over 50 targets, ${runs} runs, bucket ${bucket} at ${env.AWS_ENDPOINT_URL}` +
  (proxy ? `, through a proxy adding ${2 * Number(opt.delay)} ms of round trip` : ''));

// ingest: the same file into a local directory and into the bucket
const local = path.join(out, 'store');
let s3store;
for (let r = 0; r < runs; r++) {
  fs.rmSync(local, { recursive: true, force: true });
  const l = measured(ps(local, 'ingest', input));
  record({ case: 'ingest', who: 'probestore, local directory', seconds: l.seconds, rss_mb: l.rss_mb });
  s3store = `s3://${bucket}/${prefix}/run${r}`;
  const s = measured(ps(s3store, 'ingest', input));
  record({ case: 'ingest', who: 'probestore, bucket', seconds: s.seconds, rss_mb: s.rss_mb,
    bytes_sent: s.traffic?.bytes_sent, requests: s.traffic?.requests });
}

// the objects the queries search: the last run's scans
const listing = spawnSync(opt.probestore, ['--data', s3store, 'scans', '--format', 'jsonl'], { encoding: 'utf8', env: cleanEnv });
if (listing.status !== 0) throw new Error(`scans: ${listing.stderr}`);
const scans = listing.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
const objectBytes = scans.reduce((n, s) => n + s.bytes, 0);
const glob = `${s3store}/probe_results/*/scan_*.parquet`;
const cloudOptions = { aws_endpoint_url: endpoint, aws_access_key_id: env.AWS_ACCESS_KEY_ID,
  aws_secret_access_key: env.AWS_SECRET_ACCESS_KEY, aws_region: env.AWS_REGION || 'us-east-1',
  aws_allow_http: 'true' };

// --tech WordPress: the name with or without the version httpx appends, any case
const techIs = (name) => pl.col('technologies').lst.eval(
  pl.element().str.toLowerCase().eq(pl.lit(name)).or(pl.element().str.toLowerCase().str.startsWith(`${name}:`)).cast(pl.Int32)).lst.sum().gt(0);
const cases = [
  { name: 'status 200 + tech WordPress, count', args: ['query', '--status', '200', '--tech', 'WordPress', '--count'],
    polars: () => pl.col('status_code').eq(200).and(techIs('wordpress')) },
  { name: 'url contains admin, count', args: ['query', '--url-contains', 'admin', '--count'],
    polars: () => pl.col('original_url').str.contains('admin', true).or(pl.col('final_url').str.contains('admin', true)) },
  { name: 'status 5xx, count', args: ['query', '--status', '5xx', '--count'],
    polars: () => pl.col('status_code').gtEq(500).and(pl.col('status_code').ltEq(599)) },
];
// one query by the probestore command, recorded as who
function query(c, who, extraEnv) {
  const m = measured(ps(s3store, ...c.args), extraEnv);
  record({ case: c.name, who, seconds: m.seconds, rss_mb: m.rss_mb, answer: Number(m.text.trim()),
    bytes_fetched: m.traffic?.bytes_fetched, requests: m.traffic?.requests, object_bytes: objectBytes });
}
for (const c of cases) {
  for (let r = 0; r < runs; r++) {
    query(c, 'probestore');
    // a machine that has not read these objects before: an empty footer
    // cache, which the footer index the ingest put fills in one GET
    const coldDir = path.join(out, 'cold-cache');
    fs.rmSync(coldDir, { recursive: true, force: true });
    query(c, 'probestore, empty footer cache', { PROBESTORE_S3_FOOTER_CACHE_DIR: coldDir });
    // the same with no footers kept at all: a footer GET per object
    query(c, 'probestore, no footer cache', noCache);
    const t0 = performance.now();
    const df = await pl.scanParquet(glob, { cloudOptions }).filter(c.polars()).select(pl.len().alias('n')).collect();
    const seconds = (performance.now() - t0) / 1000;
    record({ case: c.name, who: 'polars scanParquet', seconds, answer: Number(df.toRecords()[0].n) });
  }
}

// the table: medians
const recs = fs.readFileSync(results, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const groups = new Map();
for (const r of recs) {
  const k = `${r.case}\t${r.who}`;
  if (!groups.has(k)) groups.set(k, []);
  groups.get(k).push(r);
}
console.log(`objects searched: ${scans.length} scans, ${objectBytes} bytes`);
console.log('case | who | median s | answer | fetched bytes (share of the objects) | requests');
for (const [k, v] of groups) {
  const [kase, who] = k.split('\t');
  const fetched = v[0].bytes_fetched;
  const share = fetched !== undefined ? ` (${(100 * fetched / objectBytes).toFixed(1)}%)` : '';
  console.log(`${kase} | ${who} | ${median(v.map((x) => x.seconds)).toFixed(3)} | ${v[0].answer ?? ''} | ` +
    `${fetched ?? ''}${share} | ${v[0].requests ?? ''}`);
}
for (const c of ['ingest', ...cases.map((x) => x.name)]) {
  const g = [...groups.entries()].filter(([k]) => k.startsWith(`${c}\t`))
    .map(([k, v]) => [k.split('\t')[1], median(v.map((x) => x.seconds))]);
  // the last group (the local directory, Polars) against each of the others
  const [lastWho, last] = g[g.length - 1];
  for (const [who, t] of g.slice(0, -1))
    console.log(`${c}: ${who} ${(last / t).toFixed(2)}x as fast as ${lastWho}`);
}
const ans = recs.filter((r) => r.answer !== undefined);
for (const c of cases) {
  const a = new Set(ans.filter((r) => r.case === c.name).map((r) => r.answer));
  if (a.size !== 1) { console.error(`s3.mjs: ${c.name}: answers differ: ${[...a].join(', ')}`); process.exitCode = 1; }
}
