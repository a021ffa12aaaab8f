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
