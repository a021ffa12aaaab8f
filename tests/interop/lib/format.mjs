// The `probestore cat` conventions: how each Parquet type is printed.
// Every dumper maps its library's values onto these helpers.
import { JNum, JObj } from './jsonl.mjs';

export { JNum, JObj };

/** Exact integer (number, bigint or decimal text). */
export function int(v) {
  if (v === null || v === undefined) return null;
  return new JNum(typeof v === 'string' ? v : BigInt(v).toString());
}

function special(x) {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return null;
}

function numText(x) {
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

/** DOUBLE: shortest round-trip decimal; NaN/±inf as strings. */
export function double(x) {
  if (x === null || x === undefined) return null;
  x = Number(x);
  return special(x) ?? new JNum(numText(x));
}

/** Shortest decimal that rounds back to the same value through `round`. */
function shortest(x, round, maxDigits) {
  for (let p = 1; p < maxDigits; p++) {
    const y = Number(x.toPrecision(p));
    if (round(y) === x) return numText(Object.is(x, -0) ? -0 : y);
  }
  return numText(x);
}

/** FLOAT: shortest decimal that round-trips through float32. */
export function float32(x) {
  if (x === null || x === undefined) return null;
  x = Math.fround(Number(x));
  return special(x) ?? new JNum(shortest(x, Math.fround, 9));
}

/** Rounds a double to the nearest float16 (ties to even), as a double. */
export function roundFloat16(x) {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return x > 0 ? Infinity : -Infinity;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; else if (2 ** (e + 1) <= a) e++;
  const q = 2 ** (Math.max(e, -14) - 10); // spacing of float16 values at this magnitude
  let m = a / q;
  const f = Math.floor(m), r = m - f;
  m = r > 0.5 || (r === 0.5 && f % 2 === 1) ? f + 1 : f;
  return Math.sign(x) * m * q;
}

/** FLOAT16 given as a (widened) number. */
export function float16(x) {
  if (x === null || x === undefined) return null;
  x = Number(x);
  return special(x) ?? new JNum(shortest(x, roundFloat16, 6));
}

/** FLOAT16 from its two little-endian bytes. */
export function float16FromBytes(b) {
  if (!b) return null;
  const h = b[0] | (b[1] << 8);
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
  let x;
  if (exp === 0) x = sign * 2 ** -14 * (frac / 1024);
  else if (exp === 0x1f) x = frac ? NaN : sign * Infinity;
  else x = sign * 2 ** (exp - 15) * (1 + frac / 1024);
  return float16(x);
}

export function base64(bytes) {
  if (bytes === null || bytes === undefined) return null;
  return Buffer.from(bytes.buffer ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes).toString('base64');
}

export function uuid(bytes) {
  if (bytes === null || bytes === undefined) return null;
  const h = Buffer.from(bytes).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Canonical UUID text from a 128-bit big-endian integer. */
export function uuidFromBigInt(v) {
  const h = BigInt.asUintN(128, v).toString(16).padStart(32, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Signed big-endian two's complement bytes to BigInt (DECIMAL in byte arrays). */
export function bigIntFromBytesBE(bytes) {
  if (!bytes.length) return 0n;
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return BigInt.asIntN(bytes.length * 8, v);
}

/** DECIMAL: exact text with exactly `scale` fraction digits. */
export function decimal(unscaled, scale) {
  if (unscaled === null || unscaled === undefined) return null;
  let v = BigInt(unscaled);
  scale = Number(scale || 0);
  if (scale <= 0) return (v * 10n ** BigInt(-scale)).toString();
  const neg = v < 0n;
  if (neg) v = -v;
  const s = v.toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
}

const pad = (n, w) => String(n).padStart(w, '0');

/** Proleptic Gregorian date of a day number since 1970-01-01. */
export function civil(days) {
  // Howard Hinnant's days_from_civil inverse
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return { y, m, d };
}

// years outside 0000..9999 carry a sign (ISO 8601 expanded years), as in format.c
function yearText(y) {
  return y < 0 ? '-' + pad(-y, 4) : y > 9999 ? '+' + pad(y, 4) : pad(y, 4);
}

export function date(days) {
  if (days === null || days === undefined) return null;
  const { y, m, d } = civil(Number(days));
  return `${yearText(y)}-${pad(m, 2)}-${pad(d, 2)}`;
}

const PER_SEC = { MILLIS: 1000n, MICROS: 1000000n, NANOS: 1000000000n };
const DIGITS = { MILLIS: 3, MICROS: 6, NANOS: 9 };

/** unit: 'MILLIS' | 'MICROS' | 'NANOS'. */
export function timestamp(v, unit, utc) {
  if (v === null || v === undefined) return null;
  v = BigInt(v);
  const per = PER_SEC[unit];
  let secs = v / per, frac = v % per;
  if (frac < 0n) { frac += per; secs -= 1n; }
  let days = secs / 86400n, sod = secs % 86400n;
  if (sod < 0n) { sod += 86400n; days -= 1n; }
  const s = Number(sod);
  return `${date(Number(days))}T${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor(s / 60) % 60, 2)}:${pad(s % 60, 2)}` +
    `.${frac.toString().padStart(DIGITS[unit], '0')}${utc ? 'Z' : ''}`;
}

/** TIME of day, value in `unit` since midnight. */
export function time(v, unit) {
  if (v === null || v === undefined) return null;
  v = BigInt(v);
  const per = PER_SEC[unit];
  const secs = Number(v / per), frac = v % per;
  return `${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}` +
    `.${frac.toString().padStart(DIGITS[unit], '0')}`;
}

/** INT96 (8 bytes nanos of day LE, 4 bytes Julian day LE) as nanoseconds since the epoch. */
export function int96Nanos(bytesOrBigInt) {
  let nanos, julian;
  if (typeof bytesOrBigInt === 'bigint') {
    julian = bytesOrBigInt >> 64n;
    nanos = bytesOrBigInt & 0xffffffffffffffffn;
  } else {
    const b = Buffer.from(bytesOrBigInt);
    nanos = b.readBigUInt64LE(0);
    julian = BigInt(b.readUInt32LE(8));
  }
  return (julian - 2440588n) * 86400000000000n + nanos;
}

/** Parses a `unit` name in any spelling ("ms", "us", "MILLIS", "MicroSeconds"...). */
export function unitName(u) {
  const s = String(u).toLowerCase();
  if (s.startsWith('ms') || s.startsWith('milli')) return 'MILLIS';
  if (s.startsWith('us') || s.startsWith('micro') || s === 'μs') return 'MICROS';
  if (s.startsWith('ns') || s.startsWith('nano')) return 'NANOS';
  throw new Error(`unknown time unit ${u}`);
}

/** Builds a JSON object from [key, value] pairs. */
export function obj(entries) { return new JObj(entries); }

/** A MAP: an object when keys are strings, else [{"key":k,"value":v}...]. */
export function map(pairs, stringKeys) {
  if (stringKeys) return new JObj(pairs);
  return pairs.map(([k, v]) => new JObj([['key', k], ['value', v]]));
}

import { serialize } from './jsonl.mjs';
/** One output line from [name, value] pairs. */
export function serializeRow(entries) { return serialize(new JObj(entries)); }
