#!/usr/bin/env node
// Prints a Parquet file as JSON Lines under the `probestore cat` conventions,
// read by one independent library:
//   node dump.mjs duckdb|polars|hyparquet FILE [--threads N] [--columns a,b,c]
// --columns reads only those top-level columns (in file order).
import { Out } from './lib/jsonl.mjs';

function usage(msg) {
  if (msg) process.stderr.write(`dump: ${msg}\n`);
  process.stderr.write('usage: node dump.mjs duckdb|polars|hyparquet FILE [--threads N] [--columns a,b,c]\n');
  process.exit(2);
}

const args = process.argv.slice(2);
let threads = 0;
let columns = null;
const pos = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--threads') {
    threads = Number(args[++i]);
    if (!Number.isInteger(threads) || threads < 1) usage('--threads needs a positive integer');
  } else if (args[i] === '--columns') {
    columns = (args[++i] ?? '').split(',').filter(Boolean);
    if (!columns.length) usage('--columns needs a list of names');
  } else if (args[i].startsWith('--')) usage(`unknown option ${args[i]}`);
  else pos.push(args[i]);
}
if (pos.length !== 2) usage();
const [lib, file] = pos;
if (!['duckdb', 'polars', 'hyparquet'].includes(lib)) usage(`unknown library ${lib}`);
// Polars reads its thread count once, when the native module loads
if (lib === 'polars' && threads) process.env.POLARS_MAX_THREADS = String(threads);

const out = new Out(1);
try {
  const mod = await import(`./lib/dump_${lib}.mjs`);
  await mod.dump(file, out, { threads, columns });
  out.flush();
} catch (e) {
  out.flush();
  process.stderr.write(`dump ${lib} ${file}: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
}
