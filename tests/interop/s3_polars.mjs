#!/usr/bin/env node
// Reads a store's scan objects in place in S3-compatible storage with
// nodejs-polars (scanParquet of an s3:// glob, the endpoint and the keys of
// AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION
// as cloudOptions) and prints every row as JSON Lines under the
// `probestore cat` conventions, like dump.mjs does for a local file:
//   node s3_polars.mjs 's3://BUCKET/PREFIX/probe_results/*/scan_*.parquet'
// On standard error: "s3_polars: R rows from N objects".
import pl from 'nodejs-polars';
import { Out } from './lib/jsonl.mjs';
import { dumpFrame } from './lib/dump_polars.mjs';

const [glob] = process.argv.slice(2);
if (!glob || !glob.startsWith('s3://')) {
  process.stderr.write("usage: node s3_polars.mjs 's3://BUCKET/PREFIX/probe_results/*/scan_*.parquet'\n");
  process.exit(2);
}
for (const v of ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
  if (!process.env[v]) {
    process.stderr.write(`s3_polars: ${v} is not set\n`);
    process.exit(2);
  }
}
const cloudOptions = {
  aws_endpoint_url: process.env.AWS_ENDPOINT_URL,
  aws_access_key_id: process.env.AWS_ACCESS_KEY_ID,
  aws_secret_access_key: process.env.AWS_SECRET_ACCESS_KEY,
  aws_region: process.env.AWS_REGION || 'us-east-1',
  // a local endpoint speaks plain HTTP
  aws_allow_http: 'true',
};
const out = new Out(1);
try {
  const FILE = '__s3_polars_object';
  const df = pl.scanParquet(glob, { cloudOptions, includeFilePaths: FILE }).collectSync();
  const objects = new Set(df.getColumn(FILE).toArray()).size;
  dumpFrame(df.drop(FILE), out);
  out.flush();
  process.stderr.write(`s3_polars: ${df.height} rows from ${objects} objects\n`);
} catch (e) {
  out.flush();
  process.stderr.write(`s3_polars: ${glob}: ${e.message}\n`);
  process.exit(1);
}
