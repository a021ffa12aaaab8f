// DuckDB dumper: SELECT * FROM read_parquet(FILE), values converted from
// DuckDB's types. DuckDB widens some Parquet types on read (TIMESTAMP(MILLIS)
// and TIME(MILLIS) become microsecond types, INT96 becomes TIMESTAMP), so the
// unit and the UTC flag come from DuckDB's own parquet_schema() of the file.
import { DuckDBInstance, DuckDBTypeId as T } from '@duckdb/node-api';
import * as F from './format.mjs';

const sqlString = (s) => `'${String(s).replace(/'/g, "''")}'`;

/** Builds the Parquet schema tree from parquet_schema() rows (depth-first order). */
function schemaTree(rows) {
  let i = 0;
  const build = () => {
    const r = rows[i++];
    const n = Number(r.num_children ?? 0);
    const node = { ...r, children: [] };
    for (let k = 0; k < n; k++) node.children.push(build());
    return node;
  };
  return build();
}

/** {kind, unit, utc} of a Parquet leaf from its logical / converted type. */
function temporal(p) {
  if (!p) return null;
  if (p.type === 'INT96') return { kind: 'TIMESTAMP', unit: 'NANOS', utc: true };
  const lt = p.logical_type ?? '';
  let m = /^(Timestamp|Time)Type\(isAdjustedToUTC=(\d|true|false)/i.exec(lt);
  if (m) {
    const unit = /MILLIS=MilliSeconds/.test(lt) ? 'MILLIS' : /MICROS=MicroSeconds/.test(lt) ? 'MICROS' : 'NANOS';
    return { kind: m[1].toUpperCase(), unit, utc: m[2] === '1' || m[2] === 'true' };
  }
  switch (p.converted_type) {
    case 'TIMESTAMP_MILLIS': return { kind: 'TIMESTAMP', unit: 'MILLIS', utc: true };
    case 'TIMESTAMP_MICROS': return { kind: 'TIMESTAMP', unit: 'MICROS', utc: true };
    case 'TIME_MILLIS': return { kind: 'TIME', unit: 'MILLIS', utc: false };
    case 'TIME_MICROS': return { kind: 'TIME', unit: 'MICROS', utc: false };
  }
  return null;
}

/** The element node of a Parquet LIST (or repeated field), per the backward-compatibility rules. */
function listElement(p) {
  if (!p) return undefined;
  if (p.repetition_type === 'REPEATED') return { ...p, repetition_type: 'REQUIRED' };
  const rep = p.children[0];
  if (!rep) return undefined;
  if (!rep.children.length) return rep;
  if (rep.children.length > 1 || rep.name === 'array' || rep.name === `${p.name}_tuple`) return rep;
  return rep.children[0];
}

const child = (p, name) => p?.children.find((c) => c.name === name);

function rescale(v, from, to) {
  // v: bigint in `from` units per second -> `to`
  const per = { SECONDS: 1n, MILLIS: 1000n, MICROS: 1000000n, NANOS: 1000000000n };
  const a = per[from], b = per[to];
  return b >= a ? v * (b / a) : v / (a / b);
}

function conv(t, v, p) {
  if (v === null || v === undefined) return null;
  switch (t.typeId) {
    case T.BOOLEAN: return Boolean(v);
    case T.TINYINT: case T.SMALLINT: case T.INTEGER: case T.BIGINT: case T.HUGEINT:
    case T.UTINYINT: case T.USMALLINT: case T.UINTEGER: case T.UBIGINT: case T.UHUGEINT:
      return F.int(v);
    case T.FLOAT:
      if (p && /Float16/i.test(p.logical_type ?? '')) return F.float16(v);
      return F.float32(v);
    case T.DOUBLE: return F.double(v);
    case T.DECIMAL: return F.decimal(v.value, v.scale);
    case T.VARCHAR: case T.ENUM: return String(v);
    case T.BLOB: return F.base64(v.bytes);
    case T.UUID: return v.toString().toLowerCase();
    case T.DATE: return F.date(v.days);
    case T.TIMESTAMP: case T.TIMESTAMP_TZ: case T.TIMESTAMP_MS: case T.TIMESTAMP_S: case T.TIMESTAMP_NS: {
      let raw, from;
      if (t.typeId === T.TIMESTAMP_MS) { raw = v.millis; from = 'MILLIS'; }
      else if (t.typeId === T.TIMESTAMP_S) { raw = v.seconds; from = 'SECONDS'; }
      else if (t.typeId === T.TIMESTAMP_NS) { raw = v.nanos; from = 'NANOS'; }
      else { raw = v.micros; from = 'MICROS'; }
      const tp = temporal(p);
      const unit = tp?.kind === 'TIMESTAMP' ? tp.unit : from === 'SECONDS' ? 'MILLIS' : from;
      const utc = tp?.kind === 'TIMESTAMP' ? tp.utc : t.typeId === T.TIMESTAMP_TZ;
      return F.timestamp(rescale(BigInt(raw), from, unit), unit, utc);
    }
    case T.TIME: case T.TIME_NS: {
      const raw = t.typeId === T.TIME_NS ? v.nanos : v.micros;
      const from = t.typeId === T.TIME_NS ? 'NANOS' : 'MICROS';
      const tp = temporal(p);
      const unit = tp?.kind === 'TIME' ? tp.unit : from;
      return F.time(rescale(BigInt(raw), from, unit), unit);
    }
    case T.LIST: case T.ARRAY: {
      const e = listElement(p);
      return v.items.map((x) => conv(t.valueType, x, e));
    }
    case T.STRUCT:
      return F.obj(t.entryNames.map((name, k) => [name, conv(t.entryTypes[k], v.entries[name], child(p, name))]));
    case T.MAP: {
      const kv = p?.children[0];
      const kp = child(kv, 'key') ?? kv?.children[0], vp = child(kv, 'value') ?? kv?.children[1];
      const pairs = v.entries.map((e) => [conv(t.keyType, e.key, kp), conv(t.valueType, e.value, vp)]);
      return F.map(pairs, t.keyType.typeId === T.VARCHAR);
    }
    default:
      throw new Error(`duckdb dumper: unsupported DuckDB type ${t.toString()}`);
  }
}

export async function dump(file, out, { threads, columns } = {}) {
  const inst = await DuckDBInstance.create(':memory:', threads ? { threads: String(threads) } : {});
  const con = await inst.connect();
  const schemaRows = (await con.runAndReadAll(
    `SELECT name, type, repetition_type, num_children, converted_type, scale, precision, logical_type
     FROM parquet_schema(${sqlString(file)})`)).getRowObjectsJS();
  const root = schemaTree(schemaRows);
  const proj = columns ? root.children.filter((c) => columns.includes(c.name)).map((c) => `"${c.name.replace(/"/g, '""')}"`).join(', ') : '*';
  const result = await con.stream(`SELECT ${proj} FROM read_parquet(${sqlString(file)})`);
  const names = result.columnNames();
  const types = result.columnTypes();
  const pnodes = names.map((n) => child(root, n));
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    // column-wise: DuckDBDataChunk.getRows() is several times slower
    const cols = chunk.getColumns();
    for (let r = 0; r < chunk.rowCount; r++) {
      out.line(F.serializeRow(names.map((n, k) => [n, conv(types[k], cols[k][r], pnodes[k])])));
    }
  }
  con.closeSync?.();
}
