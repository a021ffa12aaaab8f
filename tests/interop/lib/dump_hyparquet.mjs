// hyparquet dumper. hyparquet decodes pages and assembles rows; the Parquet
// logical types are then applied here from hyparquet's own schema
// (parquetMetadata / parquetSchema), because its default conversions are
// lossy (DECIMAL as Number, TIMESTAMP as Date).
//
// To get raw physical values we hand hyparquet a copy of the metadata whose
// leaves carry no converted/logical type and whose MAP groups are plain
// groups; LIST groups keep their annotation so hyparquet assembles lists.
import fs from 'node:fs';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import * as F from './format.mjs';

const isMapAnn = (el) => el.converted_type === 'MAP' || el.converted_type === 'MAP_KEY_VALUE' || el.logical_type?.type === 'MAP';
const isListAnn = (el) => el.converted_type === 'LIST' || el.logical_type?.type === 'LIST';

// hyparquet's own test (schema.js isListLike), on the stripped schema
function hyListLike(node) {
  if (node.element.converted_type !== 'LIST') return false;
  if (node.children.length > 1) return false;
  const first = node.children[0];
  if (first.children.length > 1) return false;
  return first.element.repetition_type === 'REPEATED';
}

function isStringLeaf(el) {
  const lt = el.logical_type?.type;
  const ct = el.converted_type;
  return lt === 'STRING' || lt === 'ENUM' || lt === 'JSON' || ct === 'UTF8' || ct === 'ENUM' || ct === 'JSON';
}

const decoder = new TextDecoder();

function leaf(el, v) {
  if (v === null || v === undefined) return null;
  const lt = el.logical_type;
  const ct = el.converted_type;
  const isDecimal = lt?.type === 'DECIMAL' || ct === 'DECIMAL';
  const scale = lt?.type === 'DECIMAL' ? lt.scale : el.scale;
  switch (el.type) {
    case 'BOOLEAN':
      return Boolean(v);
    case 'INT32':
      if (isDecimal) return F.decimal(BigInt(v), scale);
      if (lt?.type === 'DATE' || ct === 'DATE') return F.date(v);
      if (lt?.type === 'TIME') return F.time(BigInt(v), lt.unit);
      if (ct === 'TIME_MILLIS') return F.time(BigInt(v), 'MILLIS');
      if ((lt?.type === 'INTEGER' && !lt.isSigned) || (ct && ct.startsWith('UINT_'))) return F.int(v >>> 0);
      return F.int(v);
    case 'INT64':
      if (isDecimal) return F.decimal(BigInt(v), scale);
      if (lt?.type === 'TIMESTAMP') return F.timestamp(v, lt.unit, lt.isAdjustedToUTC);
      if (ct === 'TIMESTAMP_MILLIS') return F.timestamp(v, 'MILLIS', true);
      if (ct === 'TIMESTAMP_MICROS') return F.timestamp(v, 'MICROS', true);
      if (lt?.type === 'TIME') return F.time(v, lt.unit);
      if (ct === 'TIME_MICROS') return F.time(v, 'MICROS');
      if ((lt?.type === 'INTEGER' && !lt.isSigned) || ct === 'UINT_64') return F.int(BigInt.asUintN(64, BigInt(v)));
      return F.int(v);
    case 'INT96':
      // hyparquet always converts INT96, through the parser below: v is nanoseconds since the epoch
      return F.timestamp(v, 'NANOS', true);
    case 'FLOAT':
      return F.float32(v);
    case 'DOUBLE':
      return F.double(v);
    case 'BYTE_ARRAY':
      if (isDecimal) return F.decimal(F.bigIntFromBytesBE(v), scale);
      if (isStringLeaf(el)) return decoder.decode(v);
      return F.base64(v);
    case 'FIXED_LEN_BYTE_ARRAY':
      if (isDecimal) return F.decimal(F.bigIntFromBytesBE(v), scale);
      if (lt?.type === 'UUID') return F.uuid(v);
      if (lt?.type === 'FLOAT16') return F.float16FromBytes(v);
      if (isStringLeaf(el)) return decoder.decode(v);
      return F.base64(v);
    default:
      throw new Error(`hyparquet dumper: unknown physical type ${el.type}`);
  }
}

function struct(node, v) {
  return F.obj(node.children.map((c) => [c.element.name, conv(c, v[c.element.name])]));
}

/** Converts a value assembled by hyparquet (stripped schema) using the original node. */
function conv(node, v, asElement = false) {
  const el = node.element;
  // a repeated field is never null: hyparquet leaves an empty one undefined
  if (el.repetition_type === 'REPEATED' && !asElement) return (v ?? []).map((x) => conv(node, x, true));
  if (v === null || v === undefined) return null;
  if (!node.children.length) return leaf(el, v);
  if (isListAnn(el) && node.children.length === 1 && node.children[0].element.repetition_type === 'REPEATED') {
    const rep = node.children[0];
    if (hyListLike(node)) {
      // hyparquet flattened the list: v holds the elements
      const elem = rep.children.length === 1 ? rep.children[0] : rep;
      return v.map((x) => conv(elem, x, elem === rep));
    }
    // legacy: the repeated group itself is the element
    return (v[rep.element.name] ?? []).map((x) => conv(rep, x, true));
  }
  if (isMapAnn(el) && node.children.length === 1 && node.children[0].element.repetition_type === 'REPEATED') {
    const kv = node.children[0];
    const keyNode = kv.children.find((c) => c.element.name === 'key') ?? kv.children[0];
    const valNode = kv.children.find((c) => c.element.name === 'value') ?? kv.children[1];
    const entries = v[kv.element.name] ?? [];
    const pairs = entries.map((e) => [conv(keyNode, e[keyNode.element.name]),
      valNode ? conv(valNode, e[valNode.element.name]) : null]);
    return F.map(pairs, !keyNode.children.length && isStringLeaf(keyNode.element));
  }
  return struct(node, v);
}

export async function dump(file, out, { columns } = {}) {
  const buf = fs.readFileSync(file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const metadata = parquetMetadata(ab);
  const tree = parquetSchema(metadata);
  const raw = {
    ...metadata,
    schema: metadata.schema.map((el) => {
      const c = { ...el };
      if (el.type !== undefined || isMapAnn(el)) {
        delete c.converted_type;
        delete c.logical_type;
      }
      return c;
    }),
  };
  const fields = columns ? tree.children.filter((c) => columns.includes(c.element.name)) : tree.children;
  const rows = await parquetReadObjects({ file: ab, metadata: raw, compressors,
    ...(columns ? { columns: fields.map((c) => c.element.name) } : {}), utf8: false, geoparquet: false,
    parsers: { timestampFromNanoseconds: (n) => n } });
  for (const row of rows) {
    out.line(F.serializeRow(fields.map((c) => [c.element.name, conv(c, row[c.element.name])])));
  }
}
