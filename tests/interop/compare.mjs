#!/usr/bin/env node
// Compares two JSON Lines files value by value (lossless numbers):
//   node compare.mjs A.jsonl B.jsonl [--label text] [--keys a,b,c]
// --keys compares only those top-level keys of each row (for a reader that
// can read only some of a file's columns).
// Exit 0 when equal (same row count, every row equal), 1 otherwise (up to 10
// differences printed), 2 on usage or I/O errors.
import { compareFiles } from './lib/jsonl.mjs';

const args = process.argv.slice(2);
let label = '';
let keys = null;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--label') label = args[++i] ?? '';
  else if (args[i] === '--keys') keys = (args[++i] ?? '').split(',').filter(Boolean);
  else files.push(args[i]);
}
if (files.length !== 2) {
  process.stderr.write('usage: node compare.mjs A.jsonl B.jsonl [--label text] [--keys a,b,c]\n');
  process.exit(2);
}
const [a, b] = files;
let res;
try {
  res = compareFiles(a, b, 10, keys);
} catch (e) {
  process.stderr.write(`compare: ${e.message}\n`);
  process.exit(2);
}
const tag = label ? `${label}: ` : '';
const problems = [];
if (res.rowsA !== res.rowsB) problems.push(`row count differs: A has ${res.rowsA} rows, B has ${res.rowsB}`);
if (res.differing) problems.push(`${res.differing} of ${Math.min(res.rowsA, res.rowsB)} rows differ`);
if (!problems.length) {
  process.stdout.write(`${tag}equal (${res.rowsA} rows)\n`);
  process.exit(0);
}
process.stdout.write(`${tag}${problems.join('; ')}\n  A = ${a}\n  B = ${b}\n`);
for (const d of res.diffs) {
  process.stdout.write(`  row ${d.row} ${d.path}: ${d.why}\n    A: ${d.a}\n    B: ${d.b}\n`);
}
process.exit(1);
