// Response headers as httpx reports them for real sites, one JSON object a
// line (seeded): a Date that advances, servers, content types and cache
// policies from short lists, a few long Content-Security-Policy values
// (one with a nonce), and the tokens that differ per response: session
// cookies, ETags, request IDs. bench_gen's headers carry random hex
// instead; zstd_pages compares the two (docs/benchmarks.md).
//
//   node bench/gen_headers.mjs N OUT
import fs from 'node:fs';

const [n, out] = [Number(process.argv[2] ?? 60000), process.argv[3]];
if (!out) { console.error('usage: gen_headers.mjs N OUT'); process.exit(2); }
let s = 0x9e3779b97f4a7c15n;
const rnd = () => { s ^= s << 13n; s &= (1n << 64n) - 1n; s ^= s >> 7n; s ^= s << 17n; s &= (1n << 64n) - 1n; return Number(s >> 11n) / 2 ** 53; };
const pick = (a) => a[Math.floor(rnd() * a.length)];
const hex = (digits) => Array.from({ length: digits }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');
const date = (t) => new Date(t * 1000).toUTCString();
const csp = ["default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.example.com https://www.google-analytics.com; img-src * data:; style-src 'self' 'unsafe-inline'",
  "frame-ancestors 'none'; upgrade-insecure-requests",
  "default-src 'none'; connect-src 'self' https://api.example.org; font-src https://fonts.gstatic.com; report-uri https://csp.example.org/r",
  "script-src 'nonce-%s' 'strict-dynamic' https: 'unsafe-inline'; object-src 'none'; base-uri 'none'"];
const servers = ['nginx', 'nginx/1.18.0 (Ubuntu)', 'Apache/2.4.41 (Ubuntu)', 'cloudflare', 'Microsoft-IIS/10.0', 'AmazonS3', 'gunicorn', 'envoy'];
const types = ['text/html; charset=utf-8', 'application/json', 'text/html', 'text/plain; charset=UTF-8', 'application/javascript', 'image/png'];
const lines = [];
let t = 1764000000;
for (let i = 0; i < n; i++) {
  t += Math.floor(rnd() * 3);
  const h = { date: date(t), server: pick(servers), content_type: pick(types), content_length: String(100 + Math.floor(rnd() * 300000)) };
  const r = rnd();
  if (r < 0.7) h.strict_transport_security = 'max-age=31536000; includeSubDomains';
  if (r < 0.5) h.content_security_policy = pick(csp).replace('%s', hex(16));
  if (rnd() < 0.6) h.set_cookie = `session=${hex(32)}; Path=/; Secure; HttpOnly; SameSite=Lax`;
  if (rnd() < 0.5) h.etag = `W/"${hex(6)}-${hex(10)}"`;
  if (rnd() < 0.4) h.x_request_id = `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
  if (rnd() < 0.5) h.cache_control = pick(['no-cache', 'max-age=3600', 'private, no-store', 'public, max-age=31536000, immutable']);
  if (rnd() < 0.5) h.vary = pick(['Accept-Encoding', 'Origin, Accept-Encoding', 'Cookie']);
  if (rnd() < 0.3) h.last_modified = date(t - Math.floor(rnd() * 1e7));
  if (rnd() < 0.3) h.x_frame_options = pick(['SAMEORIGIN', 'DENY']);
  lines.push(JSON.stringify(Object.fromEntries(Object.entries(h).sort(([a], [b]) => (a < b ? -1 : 1)))));
}
fs.writeFileSync(out, lines.join('\n') + '\n');
