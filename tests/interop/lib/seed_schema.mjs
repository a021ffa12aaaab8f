// Checks a probestore file's columns as DuckDB reads them against the
// seed's Go struct: names, DuckDB types and repetitions in order, and the
// store's key-value metadata. Shared by check_store_schema.mjs (scan files)
// and check_history_schema.mjs (file history).
export const sqlString = (s) => `'${String(s).replace(/'/g, "''")}'`;

/**
 * @param con   a DuckDB connection
 * @param file  the Parquet file
 * @param want  [[name, DuckDB type, REQUIRED|OPTIONAL], ...] in file order
 * @param keys  key-value metadata keys that must be present
 * @returns {{problems: string[], kv: {k: string, v: string}[]}}
 */
export async function checkSeedSchema(con, file, want, keys) {
  const q = sqlString;
  const problems = [];
  const desc = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${q(file)})`)).getRowObjects();
  const schema = (await con.runAndReadAll(`SELECT name, repetition_type FROM parquet_schema(${q(file)})`)).getRowObjects();
  const rep = new Map(schema.map((r) => [r.name, r.repetition_type]));
  if (desc.length !== want.length) problems.push(`${desc.length} columns, expected ${want.length}`);
  want.forEach(([name, type, repetition], i) => {
    const d = desc[i];
    if (!d || d.column_name !== name || d.column_type !== type)
      problems.push(`column ${i}: ${d?.column_name} ${d?.column_type}, expected ${name} ${type}`);
    if (rep.get(name) !== repetition) problems.push(`${name}: ${rep.get(name)}, expected ${repetition}`);
  });
  const kv = (await con.runAndReadAll(
    `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${q(file)})`)).getRowObjects();
  for (const k of keys)
    if (!kv.some((r) => r.k === k)) problems.push(`key-value metadata lacks ${k}`);
  return { problems, kv };
}
