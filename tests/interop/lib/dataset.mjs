// Deterministic datasets written by the peers (write.mjs). Values are plain JS:
// int64 as BigInt, float columns as numbers (NaN/±Infinity/-0 included),
// timestamps as epoch-millisecond BigInt, dates as day numbers, decimals as
// unscaled BigInt with scale 3, null for null.

/** mulberry32: small deterministic PRNG returning [0, 1). */
export function rng32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (r, arr) => arr[Math.floor(r() * arr.length)];
const intIn = (r, lo, hi) => lo + Math.floor(r() * (hi - lo + 1));

/** Null mask with short runs (1-4 rows, ~5% of rows start one) and one long run. */
export function nullMask(n, r, longStart, longLen, shortRate = 0.05) {
  const m = new Array(n).fill(false);
  for (let i = longStart; i < Math.min(n, longStart + longLen); i++) m[i] = true;
  for (let i = 0; i < n;) {
    if (r() < shortRate) {
      const len = intIn(r, 1, 4);
      for (let k = 0; k < len && i + k < n; k++) m[i + k] = true;
      i += len + 1;
    } else i++;
  }
  return m;
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet',
  'kilo', 'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango'];
const UNICODE = ['héllo wörld', '日本語のテキスト', 'Ελληνικά', 'русский текст', 'emoji 🚀🔥 ok', 'e\u0301 combining',
  'עברית', 'mixed ascii и кириллица', '\u{1F600}', 'tab\there', 'quote " and back\\slash', 'ctl \u0001\u001f end',
  'line\nbreak', '<script>alert(1)</script>', 'nul-free \u00ff\u0100'];

function str(r, i) {
  const k = r();
  if (k < 0.05) return '';
  if (k < 0.07) {
    // long, ~2 KB, different per row
    let s = `long-${i}-`;
    while (s.length < 2000) s += WORDS[(s.length + i) % WORDS.length] + ' ';
    return s;
  }
  if (k < 0.25) return pick(r, UNICODE);
  const n = intIn(r, 1, 4);
  const w = [];
  for (let j = 0; j < n; j++) w.push(pick(r, WORDS));
  return w.join(' ') + (r() < 0.3 ? ` #${i}` : '');
}

const I32_SPECIAL = [0, 1, -1, 2147483647, -2147483648];
const I64_SPECIAL = [0n, -1n, 9223372036854775807n, -9223372036854775808n, 9007199254740993n, -9007199254740993n];
const F64_SPECIAL = [0.1 + 0.2, -0, 1e300, -1e-300, 5e-324, 1.7976931348623157e308, NaN, Infinity, -Infinity,
  123456789.123456, -2.5, 1 / 3];
const F32_SPECIAL = [Math.fround(0.1), NaN, Infinity, -Infinity, Math.fround(3.4028234e38), Math.fround(1e-45), -0, 16777217];

function bigRand(r, digits) {
  let s = '';
  for (let i = 0; i < digits; i++) s += String(Math.floor(r() * 10));
  const v = BigInt(s);
  return r() < 0.5 ? -v : v;
}

/**
 * The "types" dataset: returns {n, columns: [{name, kind, values}]} with kinds
 * int32 int64 double float bool string list_string timestamp_ms date, and
 * (withDuckdbExtras) decimal_18_3 struct map_string_int.
 */
export function typesDataset(n, seed, withDuckdbExtras) {
  const cols = [];
  const add = (name, kind, gen, longStart, longLen) => {
    const r = rng32(seed * 7919 + cols.length * 104729 + 1);
    const mask = longStart === undefined ? new Array(n).fill(false) : nullMask(n, r, longStart, longLen);
    const values = new Array(n);
    for (let i = 0; i < n; i++) values[i] = mask[i] ? null : gen(r, i);
    cols.push({ name, kind, values });
  };
  add('id', 'int32', (r, i) => i);
  add('i32', 'int32', (r) => (r() < 0.05 ? pick(r, I32_SPECIAL) : intIn(r, -1000000, 1000000)), 700, 260);
  add('i64', 'int64', (r) => (r() < 0.05 ? pick(r, I64_SPECIAL) : bigRand(r, intIn(r, 1, 18))), 1900, 300);
  add('f64', 'double', (r) => (r() < 0.08 ? pick(r, F64_SPECIAL) : (r() - 0.5) * 10 ** intIn(r, -3, 12)), 2500, 400);
  add('f32', 'float', (r) => Math.fround(r() < 0.08 ? pick(r, F32_SPECIAL) : (r() - 0.5) * 10 ** intIn(r, -3, 6)), 3100, 150);
  add('flag', 'bool', (r) => r() < 0.5, 3900, 500);
  add('s', 'string', (r, i) => str(r, i), 1200, 900);
  add('tags', 'list_string', (r) => {
    if (r() < 0.15) return [];
    const len = intIn(r, 1, 5);
    const out = [];
    for (let k = 0; k < len; k++) out.push(r() < 0.1 ? null : (r() < 0.1 ? pick(r, UNICODE) : pick(r, WORDS)));
    return out;
  }, 4200, 350);
  add('ts', 'timestamp_ms', (r) => BigInt(r() < 0.05 ? -intIn(r, 1, 2e9) * 1000 - intIn(r, 0, 999)
    : 1600000000000 + Math.floor(r() * 1e11)), 300, 200);
  add('d', 'date', (r) => intIn(r, -25000, 30000), 4700, 300);
  if (withDuckdbExtras) {
    add('dec', 'decimal_18_3', (r) => (r() < 0.05 ? pick(r, [-50n, 0n, 999999999999999999n, -999999999999999999n, 5n])
      : bigRand(r, intIn(r, 1, 17))), 1500, 250);
    add('st', 'struct', (r) => ({
      a: r() < 0.1 ? null : intIn(r, -1000, 1000),
      b: r() < 0.1 ? null : pick(r, WORDS.concat(UNICODE)),
    }), 3300, 200);
    add('m', 'map_string_int', (r) => {
      const len = r() < 0.15 ? 0 : intIn(r, 1, 4);
      const keys = [...new Set(Array.from({ length: len }, () => pick(r, WORDS)))];
      return keys.map((k) => [k, r() < 0.1 ? null : intIn(r, -100000, 100000)]);
    }, 2600, 300);
  }
  return { n, columns: cols };
}

const TECH = ['Nginx', 'Apache', 'PHP', 'WordPress', 'jQuery', 'React', 'Cloudflare', 'Amazon S3', 'Bootstrap',
  'Google Analytics', 'HSTS', 'Vue.js', 'Envoy', 'Next.js', 'Node.js', 'Express', 'IIS', 'ASP.NET'];
const SERVERS = ['nginx', 'Apache/2.4.41 (Ubuntu)', 'cloudflare', 'Microsoft-IIS/10.0', 'AmazonS3', 'envoy', 'gws'];
const CTYPES = ['text/html; charset=utf-8', 'application/json', 'text/plain', 'application/javascript', 'image/png'];
const TITLES = ['Welcome to nginx!', 'Login — Portal', 'Dashboard "beta"', '404 Not Found', 'Index of /',
  'Résumé \\ CV', 'ログイン', 'tab\tand\nnewline', 'ctl\u0002char', ''];
const ERRORS = ['context deadline exceeded', 'connection refused', 'no such host', 'tls: handshake failure'];

/**
 * The probe-result dataset (the 17 columns of gen_probe.c; not the same
 * values). kinds: string int32 int64 list_string, required flags in `required`.
 */
export function probeDataset(n, seed) {
  const r = rng32(seed);
  const c = {
    original_url: [], final_url: [], status_code: [], content_length: [], content_type: [], title: [],
    web_server: [], technologies: [], ip_address: [], root_target_url: [], probe_error: [], method: [],
    headers_json: [], diff_status: [], scan_timestamp: [], first_seen_timestamp: [], last_seen_timestamp: [],
  };
  const longNull = (i) => i >= 2100 && i < 2500; // a long run of failed probes
  for (let i = 0; i < n; i++) {
    const host = `h${i % 397}.${pick(r, ['example.com', 'test.org', 'corp.internal', 'xn--bcher-kva.example'])}`;
    const url = `https://${host}/${pick(r, ['', 'login', 'api/v1/users', 'admin?x=1&y=2', 'a%20b'])}`;
    const failed = longNull(i) || r() < 0.05;
    c.original_url.push(url);
    c.root_target_url.push(r() < 0.02 ? null : `https://${host}`);
    c.method.push(r() < 0.03 ? null : pick(r, ['GET', 'GET', 'HEAD', 'POST']));
    c.scan_timestamp.push(1700000000000n + BigInt(i) * 37n);
    c.diff_status.push(r() < 0.05 ? null : pick(r, ['new', 'existing', 'existing', 'old']));
    const first = r() < 0.1 ? null : 1690000000000n + BigInt(Math.floor(r() * 1e9));
    c.first_seen_timestamp.push(first);
    c.last_seen_timestamp.push(first === null || r() < 0.05 ? null : first + BigInt(Math.floor(r() * 1e8)));
    if (failed) {
      for (const k of ['final_url', 'status_code', 'content_length', 'content_type', 'title', 'web_server', 'headers_json']) c[k].push(null);
      c.technologies.push([]);
      c.ip_address.push([]);
      c.probe_error.push(pick(r, ERRORS));
      continue;
    }
    c.final_url.push(r() < 0.2 ? `${url}/redirected` : url);
    c.status_code.push(pick(r, [200, 200, 200, 301, 302, 403, 404, 500, 503]));
    c.content_length.push(r() < 0.05 ? null : BigInt(Math.floor(r() * 5e6)) * (r() < 0.01 ? 1000000n : 1n));
    c.content_type.push(r() < 0.05 ? null : pick(r, CTYPES));
    c.title.push(r() < 0.1 ? null : pick(r, TITLES) + (r() < 0.3 ? ` ${i}` : ''));
    c.web_server.push(r() < 0.1 ? null : pick(r, SERVERS));
    const nt = r() < 0.2 ? 0 : 1 + Math.floor(r() * 5);
    c.technologies.push(Array.from({ length: nt }, () => pick(r, TECH)));
    const ni = r() < 0.05 ? 0 : 1 + Math.floor(r() * 3);
    c.ip_address.push(Array.from({ length: ni }, () => `${intIn(r, 1, 223)}.${intIn(r, 0, 255)}.${intIn(r, 0, 255)}.${intIn(r, 1, 254)}`));
    c.probe_error.push(null);
    c.headers_json.push(r() < 0.05 ? null : JSON.stringify({ server: pick(r, SERVERS), 'x-id': String(i), 'content-type': pick(r, CTYPES) }));
  }
  const kinds = {
    original_url: 'string', final_url: 'string', status_code: 'int32', content_length: 'int64', content_type: 'string',
    title: 'string', web_server: 'string', technologies: 'list_string', ip_address: 'list_string', root_target_url: 'string',
    probe_error: 'string', method: 'string', headers_json: 'string', diff_status: 'string', scan_timestamp: 'int64',
    first_seen_timestamp: 'int64', last_seen_timestamp: 'int64',
  };
  return { n, columns: Object.keys(c).map((name) => ({ name, kind: kinds[name], values: c[name] })) };
}
