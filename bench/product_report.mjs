// Prints the product table from the measurements bench/product.mjs wrote:
// per case and tool the median, min and max time, the peak memory, the
// ratio of probestore's median to the tool's, and the answer; a MISMATCH
// line where DuckDB's answer differs from probestore's; then the targets,
// met or missed (a missed target is reported, not an error).
//
//   node bench/product_report.mjs OUT/product.jsonl [--markdown]
//
// probestore's times are its whole process (its median CPU time, user and
// system, beside them); DuckDB's are in-process (from a ready connection
// to the result), its process time beside them.
import fs from 'node:fs';

const [file, flag] = process.argv.slice(2);
const md = flag === '--markdown';
const all = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const cases = [...new Set(all.map((r) => r.case))];
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const ms = (s) => `${(s * 1000).toFixed(1)} ms`;
const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;

// per case and tool: the timed runs that succeeded, the failed ones, the answers
const stat = new Map();
for (const c of cases) {
  for (const who of [...new Set(all.filter((r) => r.case === c).map((r) => r.who))]) {
    const recs = all.filter((r) => r.case === c && r.who === who);
    const ok = recs.filter((r) => !r.answer_only && r.status === 0);
    const failed = recs.filter((r) => !r.answer_only && r.status !== 0);
    const answers = recs.filter((r) => r.answer !== undefined && (r.answer_only || r.status === 0)).map((r) => r.answer);
    const t = ok.map((r) => r.seconds);
    stat.set(`${c}\u0000${who}`, {
      runs: ok.length, error: failed[0]?.error, answers,
      med: t.length ? median(t) : undefined, min: Math.min(...t), max: Math.max(...t),
      rss: ok.length ? Math.max(...ok.map((r) => r.rss_mb)) : undefined,
      proc: ok.some((r) => r.process_seconds) ? median(ok.map((r) => r.process_seconds)) : undefined,
      cpu: ok.some((r) => r.cpu_seconds) ? median(ok.map((r) => r.cpu_seconds)) : undefined,
      bytes: ok.find((r) => r.bytes !== undefined)?.bytes, scans: ok.find((r) => r.scans !== undefined)?.scans,
      lines: ok.find((r) => r.lines !== undefined)?.lines,
    });
  }
}
const get = (c, who) => stat.get(`${c}\u0000${who}`);

const show = (a) => Array.isArray(a) ? `${a.length} URLs` : String(a);
const answerText = (c, who, s) => {
  if (/^ingest httpx, peak/.test(c)) return `${s.scans} scans, ${mb(s.bytes)}`;
  if (s.answers.length === 0) return '';
  const a = s.answers[0];
  if (/^ingest subdomains/.test(c)) return who === 'probestore' ? `${a} scans, ${mb(s.bytes)}` : `${a} files, ${mb(s.bytes)}`;
  if (/^ingest httpx/.test(c)) return who === 'probestore' ? `${a} rows, ${s.scans} scans, ${mb(s.bytes)}` : `${a} rows, 1 file, ${mb(s.bytes)}`;
  return show(a);
};

const lines = [];
const mismatches = [];
const head = ['case', 'tool', 'median', 'min', 'max', 'peak memory', 'probestore / tool', 'answer', 'note'];
if (md) lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
else lines.push(head.map((x, i) => x.padEnd([42, 19, 11, 11, 11, 12, 18, 34, 0][i])).join(' '));
for (const c of cases) {
  const ours = get(c, 'probestore');
  for (const who of [...new Set(all.filter((r) => r.case === c).map((r) => r.who))]) {
    const s = get(c, who);
    let cells;
    if (s.runs === 0) {
      cells = [c, who, 'not measured', '', '', '', '', '', s.error ?? ''];
    } else {
      const ratio = who !== 'probestore' && ours?.med !== undefined ? `${(ours.med / s.med).toFixed(2)}` : '';
      const note = who === 'probestore' ? `whole process; CPU ${ms(s.cpu)}` : `in-process; process ${ms(s.proc)}`;
      cells = [c, who, ms(s.med), ms(s.min), ms(s.max), `${s.rss.toFixed(1)} MB`, ratio, answerText(c, who, s), note];
    }
    lines.push(md ? `| ${cells.join(' | ')} |` : cells.map((x, i) => String(x).padEnd([42, 19, 11, 11, 11, 12, 18, 34, 0][i])).join(' '));
    // every answer of every run must equal probestore's first
    if (who !== 'probestore' && ours && ours.answers.length && s.answers.length) {
      const want = JSON.stringify(ours.answers[0]);
      const bad = [...ours.answers, ...s.answers].find((a) => JSON.stringify(a) !== want);
      if (bad !== undefined) {
        let why = `probestore ${show(ours.answers[0])}, ${who} ${show(bad)}`;
        if (/^ingest subdomains/.test(c)) why += ' (scans written; DuckDB: one file per group)';
        if (Array.isArray(bad) && Array.isArray(ours.answers[0])) {
          const i = bad.findIndex((u, k) => u !== ours.answers[0][k]);
          why += `; first difference at row ${i}: ${ours.answers[0][i] ?? '(none)'} vs ${bad[i] ?? '(none)'}`;
        }
        mismatches.push(`MISMATCH ${c}: ${why}`);
        lines.push(md ? `| **MISMATCH** | ${who} | | | | | | ${why} | |` : `  !!! MISMATCH (${who}): ${why}`);
      }
    }
  }
}
console.log(lines.join('\n'));

// the targets, judged on this run's medians (DuckDB on 2 threads unless said)
const targets = [];
const target = (name, value, ok, shown) => {
  if (value === undefined || Number.isNaN(value)) targets.push([name, 'not measured', '']);
  else targets.push([name, shown, ok ? 'met' : 'missed']);
};
const D2 = 'duckdb (2 threads)', D1 = 'duckdb (1 thread)';
const faster = (c, who) => { const o = get(c, 'probestore'), d = get(c, who); return o?.med !== undefined && d?.med !== undefined ? d.med / o.med : undefined; };
{
  const r = faster('query status 200, tech (count)', D2);
  target('query --status 200 --tech --count: >= 2x faster than DuckDB, 2 threads', r, r >= 2, `${r?.toFixed(2)}x as fast`);
}
{
  const r = faster('query status 200, tech (window)', D2);
  target('query --status 200 --tech window: >= 2x faster than DuckDB, 2 threads', r, r >= 2, `${r?.toFixed(2)}x as fast`);
}
{
  const r = faster('query, no filter (count)', D2);
  target('query --count, no filter: within 2x of DuckDB count(*), 2 threads', r, r >= 0.5, r === undefined ? '' : `${(1 / r).toFixed(2)}x DuckDB's time`);
}
{
  const r = faster('query url contains (count)', D2);
  target('query --url-contains --count: >= DuckDB, 2 threads', r, r >= 1, `${r?.toFixed(2)}x as fast`);
}
{
  const c = 'ingest httpx (one file)';
  const r = faster(c, D1);
  const o = get(c, 'probestore'), d = get(c, D1);
  target('ingest of one file: >= 2x DuckDB read_json -> ZSTD, 1 thread, files no larger', r,
    r >= 2 && o.bytes <= d.bytes, r === undefined ? '' : `${r.toFixed(2)}x as fast, ${mb(o.bytes)} vs ${mb(d.bytes)}`);
}
{
  const c = cases.find((x) => /^ingest httpx, peak memory/.test(x));
  const o = c && get(c, 'probestore');
  target('ingest peak memory: < 256 MB for 1,000,000 lines', o?.rss, o?.rss < 256 && o?.lines >= 1e6,
    o?.rss === undefined ? '' : `${o.rss.toFixed(1)} MB at ${o.lines} lines`);
}
{
  const q = cases.filter((c) => /^(query|full read)/.test(c)).map((c) => [c, get(c, 'probestore')?.rss]).filter((x) => x[1] !== undefined);
  const worst = q.reduce((a, b) => (b[1] > a[1] ? b : a), ['', -1]);
  target('any query: peak memory < 64 MB', q.length ? worst[1] : undefined, worst[1] < 64, `${worst[1].toFixed(1)} MB (${worst[0]})`);
}
console.log('');
if (md) console.log(['| target | this run | |', '|---|---|---|', ...targets.map((t) => `| ${t.join(' | ')} |`)].join('\n'));
else console.log(['targets:', ...targets.map((t) => `  ${t[0].padEnd(76)} ${t[1].padEnd(52)} ${t[2]}`)].join('\n'));
if (mismatches.length) {
  const title = `${mismatches.length} MISMATCH${mismatches.length > 1 ? 'ES' : ''}`;
  console.log(md ? `\n**${title}**:\n\n${mismatches.map((m) => `- ${m}`).join('\n')}`
    : `\n${title}:\n${mismatches.map((m) => `  ${m}`).join('\n')}`);
}
