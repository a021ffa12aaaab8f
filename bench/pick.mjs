// Turns one measurement (a JSON object on stdin) into a result line:
//   node bench/pick.mjs CASE WHO UNIT EXPR [EXTRA_EXPR]
// EXPR and EXTRA_EXPR are JavaScript over the object `m` (e.g.
// "m.rows / m.seconds", "m.max_rss_kb / 1024").
import fs from 'node:fs';

const [kase, who, unit, expr, extra] = process.argv.slice(2);
const text = fs.readFileSync(0, 'utf8').trim().split('\n').filter((l) => l.startsWith('{'));
const m = Object.assign({}, ...text.map((l) => JSON.parse(l)));
const value = Function('m', `return (${expr});`)(m);
const rec = { case: kase, who, unit, value };
if (extra) rec.extra = String(Function('m', `return (${extra});`)(m));
console.log(JSON.stringify(rec));
