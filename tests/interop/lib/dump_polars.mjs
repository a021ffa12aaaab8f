// Polars dumper: readParquet(FILE), values converted from Polars dtypes.
// nodejs-polars hands Int64 to JS as a lossy Number and refuses Decimal and
// Binary, so columns are first cast inside Polars (temporal -> integers,
// 64-bit integers and decimals -> exact text, binary -> list of bytes) and
// then formatted here from the original dtype.
import pl from 'nodejs-polars';
import * as F from './format.mjs';

const V = (dt) => dt.variant;

/** Parses a Polars dtype as printed by Series.toString ("binary", "list[binary]", "f16"). */
function parseDtypeName(s) {
  if (s === 'binary') return { variant: 'Binary' };
  if (s === 'f16') return { variant: 'Float16' };
  const m = /^list\[(.*)\]$/.exec(s);
  if (m) return { variant: 'List', inner: [parseDtypeName(m[1])] };
  throw new Error(`polars dumper: dtype "${s}" is not available to JavaScript`);
}

/** The dtype of a series. nodejs-polars cannot describe Binary or Float16
 * (asking panics inside the native module), so those are recognised from the printout. */
function dtypeOf(s) {
  const m = /^Series: '.*' \[(.*)\]$/m.exec(s.head(0).toString());
  if (m && /binary|\bf16\b/.test(m[1])) return parseDtypeName(m[1]);
  return s.dtype;
}

// Stage 1: types JS cannot take -> integers, text or byte lists.
function stage1(dt) {
  switch (V(dt)) {
    case 'Datetime': case 'Time': case 'Duration': return pl.Int64;
    case 'Date': return pl.Int32;
    case 'Decimal': case 'Categorical': case 'Enum': return pl.Utf8;
    case 'Binary': return pl.List(pl.UInt8);
    case 'Float16': return pl.Float32;
    case 'List': return pl.List(stage1(dt.inner[0]));
    case 'FixedSizeList': return pl.List(stage1(dt.inner[0]));
    case 'Struct': return pl.Struct(dt.inner.map((f) => new pl.Field(f.name, stage1(f.dtype))));
    default: return dt;
  }
}
// Stage 2: 64-bit integers -> exact text.
function stage2(dt) {
  switch (V(dt)) {
    case 'Int64': case 'UInt64': return pl.Utf8;
    case 'List': return pl.List(stage2(dt.inner[0]));
    case 'Struct': return pl.Struct(dt.inner.map((f) => new pl.Field(f.name, stage2(f.dtype))));
    default: return dt;
  }
}
function needsCast(dt) {
  switch (V(dt)) {
    case 'Datetime': case 'Time': case 'Duration': case 'Date': case 'Decimal': case 'Categorical':
    case 'Enum': case 'Binary': case 'Float16': case 'Int64': case 'UInt64': case 'FixedSizeList':
      return true;
    case 'List': return needsCast(dt.inner[0]);
    case 'Struct': return dt.inner.some((f) => needsCast(f.dtype));
    default: return false;
  }
}

function conv(dt, v) {
  if (v === null || v === undefined) return null;
  switch (V(dt)) {
    case 'Bool': return Boolean(v);
    case 'Int8': case 'Int16': case 'Int32': case 'UInt8': case 'UInt16': case 'UInt32':
    case 'Int64': case 'UInt64':
      return F.int(typeof v === 'string' ? v : BigInt(v));
    case 'Float16': return F.float16(v);
    case 'Float32': return F.float32(v);
    case 'Float64': return F.double(v);
    case 'Utf8': case 'String': case 'Categorical': case 'Enum': return String(v);
    case 'Decimal': return String(v);
    case 'Binary': return F.base64(Uint8Array.from(v));
    case 'Date': return F.date(v);
    case 'Datetime': {
      const [unit, tz] = dt.inner;
      return F.timestamp(BigInt(v), F.unitName(unit), tz !== null && tz !== undefined && tz !== '');
    }
    case 'Time': return F.time(BigInt(v), 'NANOS');
    case 'List': case 'FixedSizeList': return Array.from(v, (x) => conv(dt.inner[0], x));
    case 'Struct': return F.obj(dt.inner.map((f) => [f.name, conv(f.dtype, v[f.name])]));
    case 'Null': return null;
    default:
      throw new Error(`polars dumper: unsupported dtype ${String(dt)}`);
  }
}

/** JS values of a series, after the casts above. */
function columnValues(s, dt) {
  if (V(dt) === 'Struct') {
    // nodejs-polars' toArray() drops a struct's own validity (a null struct
    // comes out as an object of nulls), so assemble structs from their fields
    const isNull = s.isNull().toArray();
    const fields = dt.inner.map((f) => [f.name, columnValues(s.struct.field(f.name), f.dtype)]);
    return isNull.map((nul, r) => {
      if (nul) return null;
      const o = {};
      for (const [fname, vals] of fields) o[fname] = vals[r];
      return o;
    });
  }
  if (needsCast(dt)) {
    const d1 = stage1(dt);
    if (V(dt) !== 'Int64' && V(dt) !== 'UInt64') s = s.cast(d1);
    s = s.cast(stage2(d1));
  }
  return s.toArray();
}

export async function dump(file, out, { columns } = {}) {
  // a projection is read in file order, like the other dumpers
  const proj = columns ? pl.scanParquet(file).columns.filter((c) => columns.includes(c)) : null;
  dumpFrame(pl.readParquet(file, proj ? { columns: proj } : {}), out);
}

/** Prints every row of a DataFrame (read from any source) under the same conventions. */
export function dumpFrame(df, out) {
  const names = df.columns;
  const cols = names.map((name) => {
    const s = df.getColumn(name);
    const dt = dtypeOf(s);
    return { name, dt, values: columnValues(s, dt) };
  });
  const n = df.height;
  for (let r = 0; r < n; r++) {
    out.line(F.serializeRow(cols.map((c) => [c.name, conv(c.dt, c.values[r])])));
  }
}
