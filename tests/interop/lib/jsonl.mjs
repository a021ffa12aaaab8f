// Lossless JSON Lines: a parser that keeps numbers as their source text (so
// int64 and uint64 survive), a serializer for the dumpers, a line reader, and
// the value comparator used by compare.mjs.
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** A JSON number kept as its source text. */
export class JNum {
  constructor(text) { this.text = text; }
}

/** A JSON object whose entries keep their order (and any key, "__proto__" too). */
export class JObj {
  constructor(entries = []) { this.entries = entries; }
}

// ---- parser -----------------------------------------------------------------

class ParseError extends Error {}

/** Parses one JSON text: numbers become JNum, objects Map (insertion order). */
export function parseJSON(text) {
  let i = 0;
  const n = text.length;
  const fail = (msg) => { throw new ParseError(`${msg} at offset ${i}`); };
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++; else return;
    }
  };
  const str = () => {
    // text[i] is the opening quote
    const start = ++i;
    let j = start;
    for (;;) {
      if (j >= n) fail('unterminated string');
      const c = text.charCodeAt(j);
      if (c === 34) { i = j + 1; return text.slice(start, j); }
      if (c === 92) break;
      if (c < 32) fail('control character in string');
      j++;
    }
    let out = text.slice(start, j);
    i = j;
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 34) { i++; return out; }
      if (c < 32) fail('control character in string');
      if (c !== 92) { out += text[i++]; continue; }
      const e = text[i + 1];
      i += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const h = text.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(h, 16));
          i += 4;
          break;
        }
        default: fail('bad escape');
      }
    }
  };
  const NUM = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const val = () => {
    ws();
    const c = text[i];
    if (c === '"') return str();
    if (c === '{') {
      i++;
      const m = new Map();
      ws();
      if (text[i] === '}') { i++; return m; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected key');
        const k = str();
        ws();
        if (text[i] !== ':') fail('expected :');
        i++;
        m.set(k, val());
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return m; }
        fail('expected , or }');
      }
    }
    if (c === '[') {
      i++;
      const a = [];
      ws();
      if (text[i] === ']') { i++; return a; }
      for (;;) {
        a.push(val());
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return a; }
        fail('expected , or ]');
      }
    }
    if (text.startsWith('null', i)) { i += 4; return null; }
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    NUM.lastIndex = i;
    const mm = NUM.exec(text);
    if (!mm) fail('unexpected character');
    i += mm[0].length;
    return new JNum(mm[0]);
  };
  const v = val();
  ws();
  if (i !== n) fail('trailing characters');
  return v;
}

// ---- serializer -------------------------------------------------------------

/** Serializes null, booleans, strings, JNum, arrays and JObj to JSON text. */
export function serialize(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof JNum) return v.text;
  if (Array.isArray(v)) {
    let s = '[';
    for (let k = 0; k < v.length; k++) { if (k) s += ','; s += serialize(v[k]); }
    return s + ']';
  }
  if (v instanceof JObj) {
    let s = '{';
    const e = v.entries;
    for (let k = 0; k < e.length; k++) {
      if (k) s += ',';
      s += JSON.stringify(e[k][0]) + ':' + serialize(e[k][1]);
    }
    return s + '}';
  }
  throw new Error(`serialize: unexpected ${typeof v} ${Object.prototype.toString.call(v)}`);
}

/** Buffered synchronous writer to a file descriptor (stdout by default). */
export class Out {
  constructor(fd = 1) { this.fd = fd; this.parts = []; this.size = 0; }
  line(s) {
    this.parts.push(s, '\n');
    this.size += s.length + 1;
    if (this.size >= 1 << 20) this.flush();
  }
  flush() {
    if (!this.parts.length) return;
    const buf = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = []; this.size = 0;
    let off = 0;
    while (off < buf.length) {
      try {
        off += fs.writeSync(this.fd, buf, off, buf.length - off);
      } catch (e) {
        if (e.code === 'EPIPE') process.exit(0); // reader went away (| head)
        if (e.code !== 'EAGAIN') throw e;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      }
    }
  }
}

// ---- line reader -----------------------------------------------------------

/** Yields the lines of a file (without "\n"), reading it in chunks. */
export function* readLines(path) {
  const fd = fs.openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    const dec = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const got = fs.readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      const chunk = rest + dec.write(buf.subarray(0, got));
      const parts = chunk.split('\n');
      rest = parts.pop();
      for (const p of parts) yield p;
    }
    rest += dec.end();
    if (rest.length) yield rest;
  } finally {
    fs.closeSync(fd);
  }
}

// ---- comparator --------------------------------------------------------------

const INT_RE = /^-?[0-9]+$/;

function show(v) {
  let s;
  if (v === undefined) s = '(absent)';
  else if (v instanceof JNum) s = v.text;
  else if (v instanceof Map) s = showMap(v);
  else if (Array.isArray(v)) s = '[' + v.map(show).join(',') + ']';
  else s = JSON.stringify(v);
  return s.length > 160 ? s.slice(0, 157) + '...' : s;
}
function showMap(m) {
  const p = [];
  for (const [k, x] of m) p.push(JSON.stringify(k) + ':' + show(x));
  return '{' + p.join(',') + '}';
}

/** Significant digits of a JSON number's text. */
function sigDigits(text) {
  const m = text.replace(/^-/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return m.length;
}

function numEqual(a, b) {
  if (INT_RE.test(a) && INT_RE.test(b)) return BigInt(a) === BigInt(b);
  const x = Number(a), y = Number(b);
  if (x === y) return true;
  // float32 columns: a side may print the widened double or a short decimal
  // that rounds to the float (ties may be printed either way: 42420.062 and
  // 42420.063 are both 42420.0625f). Accept when both round to the same
  // float32 and each side is such a form, so two doubles that merely round to
  // the same float32 still differ.
  const fx = Math.fround(x), fy = Math.fround(y);
  const f32form = (v, f, text) => v === f || sigDigits(text) <= 9;
  return fx === fy && f32form(x, fx, a) && f32form(y, fy, b);
}

const kindOf = (v) => v === null ? 'null' : v instanceof JNum ? 'number' : Array.isArray(v) ? 'array'
  : v instanceof Map ? 'object' : typeof v;

/**
 * Compares two parsed values; appends {path, a, b, why} records to diffs.
 * Returns true when equal.
 */
export function compareValues(a, b, path = '$', diffs = []) {
  const ka = kindOf(a), kb = kindOf(b);
  if (ka !== kb) {
    diffs.push({ path, a: show(a), b: show(b), why: `${ka} vs ${kb}` });
    return false;
  }
  switch (ka) {
    case 'null': return true;
    case 'boolean':
      if (a === b) return true;
      break;
    case 'string':
      // also "NaN", "Infinity", "-Infinity": equal only as the same string
      if (a === b) return true;
      break;
    case 'number':
      if (numEqual(a.text, b.text)) return true;
      break;
    case 'array': {
      let ok = true;
      if (a.length !== b.length) {
        diffs.push({ path, a: show(a), b: show(b), why: `array length ${a.length} vs ${b.length}` });
        return false;
      }
      for (let k = 0; k < a.length; k++) ok = compareValues(a[k], b[k], `${path}[${k}]`, diffs) && ok;
      return ok;
    }
    case 'object': {
      let ok = true;
      for (const k of a.keys()) if (!b.has(k)) {
        diffs.push({ path: `${path}.${k}`, a: show(a.get(k)), b: '(absent)', why: 'key only in A' });
        ok = false;
      }
      for (const k of b.keys()) if (!a.has(k)) {
        diffs.push({ path: `${path}.${k}`, a: '(absent)', b: show(b.get(k)), why: 'key only in B' });
        ok = false;
      }
      for (const [k, x] of a) if (b.has(k)) ok = compareValues(x, b.get(k), `${path}.${k}`, diffs) && ok;
      return ok;
    }
  }
  diffs.push({ path, a: show(a), b: show(b), why: 'values differ' });
  return false;
}

/**
 * Compares two JSON Lines files. Returns {rowsA, rowsB, differing, diffs}
 * (only the top-level `keys` when given) where diffs holds at most maxDiffs records {row, path, a, b, why} (row is
 * 1-based) and differing counts rows that differ.
 */
export function compareFiles(pathA, pathB, maxDiffs = 10, keys = null) {
  const keySet = keys ? new Set(keys) : null;
  const project = (v) => {
    if (!keySet || !(v instanceof Map)) return v;
    const m = new Map();
    for (const [k, x] of v) if (keySet.has(k)) m.set(k, x);
    return m;
  };
  const ia = readLines(pathA), ib = readLines(pathB);
  let rowsA = 0, rowsB = 0, differing = 0;
  const diffs = [];
  for (;;) {
    const ra = ia.next(), rb = ib.next();
    if (!ra.done) rowsA++;
    if (!rb.done) rowsB++;
    if (ra.done || rb.done) {
      // count the remainder of the longer file
      if (!ra.done) for (const _ of ia) rowsA++;
      if (!rb.done) for (const _ of ib) rowsB++;
      break;
    }
    if (!keySet && ra.value === rb.value) continue; // byte-identical: equal
    const row = rowsA;
    let va, vb;
    try { va = parseJSON(ra.value); } catch (e) {
      differing++;
      if (diffs.length < maxDiffs) diffs.push({ row, path: '$', a: ra.value.slice(0, 160), b: '', why: `A is not JSON: ${e.message}` });
      continue;
    }
    try { vb = parseJSON(rb.value); } catch (e) {
      differing++;
      if (diffs.length < maxDiffs) diffs.push({ row, path: '$', a: '', b: rb.value.slice(0, 160), why: `B is not JSON: ${e.message}` });
      continue;
    }
    const d = [];
    if (!compareValues(project(va), project(vb), '$', d)) {
      differing++;
      for (const x of d) if (diffs.length < maxDiffs) diffs.push({ row, ...x });
    }
  }
  return { rowsA, rowsB, differing, diffs };
}
