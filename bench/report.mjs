// Reads the measurements scripts/bench.sh collected (one JSON object per
// line, each with a "case" and a "who") and prints the table: median, min
// and max per case and tool, and the ratio of probestore to each peer.
//
//   node bench/report.mjs RESULTS.jsonl [--markdown]
import fs from 'node:fs';

const [file, flag] = process.argv.slice(2);
const rows = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const groups = new Map();
for (const r of rows) {
  const k = `${r.case}\u0000${r.who}`;
  if (!groups.has(k)) groups.set(k, []);
  groups.get(k).push(r);
}
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const cases = [...new Set(rows.map((r) => r.case))];
const lines = [];
const md = flag === '--markdown';
const fmtv = (v, unit) => unit === 'MB/s' ? `${v.toFixed(1)} MB/s` : unit === 'MB' ? `${v.toFixed(1)} MB` : unit === 'rows/s' ? `${(v / 1e6).toFixed(2)} M rows/s` : unit === 'bytes' ? `${(v / 1e6).toFixed(2)} MB` : `${(v * 1000).toFixed(1)} ms`;
if (md) lines.push('| case | tool | median | min | max | probestore / tool | extra |', '|---|---|---|---|---|---|---|');
for (const c of cases) {
  const tools = [...new Set(rows.filter((r) => r.case === c).map((r) => r.who))];
  const stat = {};
  for (const t of tools) {
    const g = groups.get(`${c}\u0000${t}`);
    const unit = g[0].unit;
    const vals = g.map((r) => r.value);
    stat[t] = { unit, med: median(vals), min: Math.min(...vals), max: Math.max(...vals), extra: g[0].extra ?? '' };
  }
  const ours = stat.probestore;
  for (const t of tools) {
    const s = stat[t];
    // ratio: for times and memory lower is better, so ours / theirs below 1 is a win;
    // for throughput (rows/s) it is ours / theirs above 1
    const ratio = ours && t !== 'probestore' ? (ours.med / s.med).toFixed(2) : '';
    const cells = [c, t, fmtv(s.med, s.unit), fmtv(s.min, s.unit), fmtv(s.max, s.unit), ratio, s.extra];
    lines.push(md ? `| ${cells.join(' | ')} |` : cells.map((x, i) => String(x).padEnd([26, 20, 18, 18, 18, 8, 0][i])).join(' '));
  }
}
console.log(lines.join('\n'));

// The targets of docs/benchmarks.md, judged on this run's medians. "One
// thread" targets compare with DuckDB on one thread; the others with DuckDB
// as a user runs it (default threads). A missed target is reported, not an
// error: the run is a measurement.
const med = (c, who) => { const s = groups.get(`${c}\u0000${who}`); return s ? median(s.map((r) => r.value)) : undefined; };
const extraNum = (c, who) => { const s = groups.get(`${c}\u0000${who}`); return s ? parseFloat(s[0].extra) : NaN; };
const duckDefault = [...new Set(rows.map((r) => r.who))].find((w) => /^duckdb \(\d+ threads\)$/.test(w));
const targets = [];
const target = (name, value, ok, shown) => {
  if (value === undefined || Number.isNaN(value)) targets.push([name, 'not measured', '']);
  else targets.push([name, shown, ok ? 'met' : 'missed']);
};
{
  const r = med('write zstd', 'probestore') / med('write zstd', 'duckdb (1 thread)');
  const ours = extraNum('write zstd', 'probestore'), theirs = extraNum('write zstd', 'duckdb (1 thread)');
  target('write, 1 thread, ZSTD: >= 1.5x DuckDB, file no larger', r, r >= 1.5 && ours <= theirs,
    `${r.toFixed(2)}x, ${ours} MB vs ${theirs} MB`);
}
{
  const r = med('ingest httpx', 'probestore') / med('ingest httpx', 'duckdb (1 thread)');
  target('ingest httpx, 1 thread: >= 2x DuckDB', r, r >= 2, `${r.toFixed(2)}x`);
}
{
  const r = med('full read', 'probestore') / med('full read', 'duckdb (1 thread)');
  target('full read, 1 thread: >= DuckDB', r, r >= 1, `${r.toFixed(2)}x`);
}
for (const [c, name] of [['selective query', 'selective query: >= 2x faster than DuckDB'],
  ['count 1000 files', 'count of 1,000 files: >= 2x faster than DuckDB']]) {
  const r = duckDefault ? med(c, duckDefault) / med(c, 'probestore') : undefined;
  target(name, r, r >= 2, `${r?.toFixed(2)}x faster (${duckDefault})`);
}
{
  const v = med('stream peak memory', 'probestore');
  target('streaming a scan: peak < 64 MB', v, v < 64, `${v?.toFixed(1)} MB`);
}
{
  const vs = [...new Set(rows.map((r) => /^history append \((\d+) versions\)$/.exec(r.case)?.[1]).filter(Boolean))]
    .map(Number).sort((a, b) => a - b);
  if (vs.length > 1) {
    const lo = vs[0], hi = vs[vs.length - 1];
    const a = med(`history append (${hi} versions)`, 'probestore') / med(`history append (${lo} versions)`, 'probestore');
    const l = med(`history last record (${hi} versions)`, 'probestore') / med(`history last record (${lo} versions)`, 'probestore');
    target(`history append at ${hi} versions: <= 10x at ${lo}`, a, a <= 10, `${a.toFixed(2)}x`);
    target(`history last record at ${hi} versions: <= 2x at ${lo}`, l, l <= 2, `${l.toFixed(2)}x`);
  }
}
console.log('');
if (md) console.log(['| target | this run | |', '|---|---|---|', ...targets.map((t) => `| ${t.join(' | ')} |`)].join('\n'));
else console.log(['targets:', ...targets.map((t) => `  ${t[0].padEnd(56)} ${t[1].padEnd(36)} ${t[2]}`)].join('\n'));
