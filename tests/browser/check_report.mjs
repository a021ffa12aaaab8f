// Opens probestore's HTML reports in Debian's chromium (playwright-core, no
// browser download) and checks what a reader sees:
//
//   node check_report.mjs OUT_DIR sample=PATH hostile=PATH
//
// For each page: no console error (a Content-Security-Policy violation is
// one), no request but the file itself, no dialog, no script of the data run
// (window.__pwned stays unset, no element carries an on* attribute, no
// javascript: or data: link), the sections and counts expected, one point
// per scan in each chart, the script's filter and sorting working, the same
// tables with JavaScript disabled, the dark scheme followed; screenshots in
// OUT_DIR. Prints "ok ..." / "FAIL ..." lines; exits 1 if any check failed.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [outDir, ...pageArgs] = process.argv.slice(2);
if (!outDir || pageArgs.length === 0) {
  console.error('usage: node check_report.mjs OUT_DIR NAME=PATH...');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

let failed = 0, passed = 0;
function check(name, cond, detail) {
  if (cond) {
    passed++;
    console.log(`ok ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}${detail !== undefined ? ': ' + JSON.stringify(detail) : ''}`);
  }
}

// A browser of its own with a new empty profile per context.
async function open(options) {
  const dir = mkdtempSync(join(tmpdir(), 'probestore-browser-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath, args, headless: true, viewport: { width: 1280, height: 900 }, ...options,
  });
  return { context, close: async () => { await context.close(); rmSync(dir, { recursive: true, force: true }); } };
}

// Loads url in a new page of context, recording what must not happen.
async function load(context, url) {
  const seen = { errors: [], requests: [], dialogs: [] };
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') seen.errors.push(m.text()); });
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('dialog', async (d) => { seen.dialogs.push(d.message()); await d.dismiss(); });
  page.on('request', (r) => { if (r.url() !== url) seen.requests.push(r.url()); });
  // anything else would leave the machine: refuse it, after counting it above
  await context.route((u) => u.href !== url, (route) => route.abort());
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForTimeout(300); // late requests, timers of injected markup
  return { page, seen };
}

const expectations = {
  // examples/httpx-sample.jsonl as scripts/demo.sh ingests it, plus the two
  // monitored files run_browser.sh stores
  sample: {
    targets: { 'shop.example.com:443': { scans: 2, new: 1, old: 1, failed: 0 },
      'api.example.com:443': { scans: 2, new: 1, old: 0, failed: 0 },
      'staging.example.net:8443': { scans: 2, new: 0, old: 0, failed: 1 } },
    files: 2,
    texts: ['https://shop.example.com/app', 'https://shop.example.com/old-checkout',
      'return get(api + "/admin/users?debug=1");'],
  },
  // test_report --keep's hostile store
  hostile: {
    targets: { 'evil.example.com:443': { scans: 2, new: 4, old: 1, failed: 1 } },
    files: 1,
    texts: ['<script>window.__pwned=1;alert(1)</script>', '"><img src=x onerror="window.__pwned=2">',
      '<b onmouseover=alert(4)>React', 'invoice<U+202E>gpj.exe', '<iframe src="javascript:alert(6)"></iframe>',
      '</pre><script>window.__pwned=1;alert(1)</script>'],
  },
};

async function checkPage(name, file) {
  const exp = expectations[name];
  const url = pathToFileURL(resolve(file)).href;
  const b = await open({});
  try {
    const { page, seen } = await load(b.context, url);
    check(`${name}: no console error`, seen.errors.length === 0, seen.errors);
    check(`${name}: no request but the file`, seen.requests.length === 0, seen.requests);
    check(`${name}: no dialog`, seen.dialogs.length === 0, seen.dialogs);
    const state = await page.evaluate(() => ({
      pwned: window.__pwned,
      onAttrs: [...document.querySelectorAll('*')].flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName}[${a.name}]`)),
      badLinks: [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')).filter((h) => !/^(#|https?:\/\/)/i.test(h)),
      foreign: document.querySelectorAll('img,iframe,object,embed,link,base,form,video,audio,source').length,
      scripts: document.scripts.length,
      text: document.body.innerText,
      targets: [...document.querySelectorAll('section.target')].map((s) => ({
        name: s.dataset.target,
        scans: Number(s.dataset.scans),
        points: s.querySelectorAll('svg.scans circle.pt-records').length,
        newPoints: s.querySelectorAll('svg.scans circle.pt-new').length,
        newHead: s.querySelector('details[id$="-new"] summary')?.textContent,
        oldHead: s.querySelector('details[id$="-old"] summary')?.textContent,
        failedHead: s.querySelector('details[id$="-failed"] summary')?.textContent,
        bars: s.querySelectorAll('svg.bars rect.bar').length,
      })),
      files: document.querySelectorAll('article.file').length,
      filesTotal: Number(document.querySelector('#files')?.dataset.total),
      nTargets: document.querySelector('#n-targets')?.textContent,
      tables: document.querySelectorAll('table.data').length,
      filters: document.querySelectorAll('input.filter').length,
      version: document.querySelector('#version')?.textContent,
    }));
    check(`${name}: no script of the data ran`, state.pwned === undefined, state.pwned);
    check(`${name}: no on* attribute`, state.onAttrs.length === 0, state.onAttrs);
    check(`${name}: links only to http(s) or the page`, state.badLinks.length === 0, state.badLinks);
    check(`${name}: no image, frame, object or form`, state.foreign === 0, state.foreign);
    check(`${name}: one script, the page's`, state.scripts === 1, state.scripts);
    check(`${name}: the version in the footer`, /^\d+\.\d+\.\d+/.test(state.version || ''), state.version);
    const want = Object.keys(exp.targets);
    check(`${name}: ${want.length} targets`, state.targets.length === want.length && state.nTargets === String(want.length),
      state.targets.map((t) => t.name));
    for (const t of state.targets) {
      const e = exp.targets[t.name];
      if (!e) { check(`${name}: unexpected target ${t.name}`, false); continue; }
      check(`${name} ${t.name}: ${e.scans} scans, one chart point each`, t.scans === e.scans && t.points === e.scans &&
        t.newPoints === e.scans, t);
      check(`${name} ${t.name}: new URLs (${e.new})`, (t.newHead || '').includes(`(${e.new})`), t.newHead);
      check(`${name} ${t.name}: old URLs (${e.old})`, (t.oldHead || '').includes(`(${e.old})`), t.oldHead);
      check(`${name} ${t.name}: failed probes (${e.failed})`, (t.failedHead || '').includes(`(${e.failed})`), t.failedHead);
      check(`${name} ${t.name}: distribution bars`, t.bars > 0, t.bars);
    }
    check(`${name}: ${exp.files} monitored files`, state.files === exp.files && state.filesTotal === exp.files,
      [state.files, state.filesTotal]);
    for (const s of exp.texts)
      check(`${name}: shows ${JSON.stringify(s)} as text`, state.text.includes(s));
    check(`${name}: a filter box per table`, state.tables > 0 && state.filters === state.tables,
      [state.tables, state.filters]);

    // the script's filter hides rows that do not match
    const filtered = await page.evaluate(() => {
      const t = document.querySelector('table.data.scans');
      const f = t.closest('.scroll').previousElementSibling;
      f.value = 'no such row';
      f.dispatchEvent(new Event('input'));
      const hidden = [...t.tBodies[0].rows].every((r) => r.hidden);
      f.value = '';
      f.dispatchEvent(new Event('input'));
      return hidden && [...t.tBodies[0].rows].every((r) => !r.hidden);
    });
    check(`${name}: filtering hides and shows rows`, filtered);
    // sorting: the scans table, newest first, sorted by time ascending on a click
    const sorted = await page.evaluate(() => {
      const t = document.querySelector('table.data.scans');
      const times = () => [...t.tBodies[0].rows].map((r) => Number(r.cells[0].dataset.v));
      const before = times();
      t.tHead.rows[0].cells[0].click();
      const after = times();
      return before.length < 2 || (before[0] > before[before.length - 1] && after[0] < after[after.length - 1]);
    });
    check(`${name}: sorting by a click on the heading`, sorted);

    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
    await page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    check(`${name}: fits a phone's width`, wide <= 390 + 1, wide);
    await page.screenshot({ path: join(outDir, `${name}-phone.png`) });
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    check(`${name}: follows the dark scheme`, light !== dark, [light, dark]);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(outDir, `${name}-dark.png`) });
    await page.emulateMedia({ colorScheme: 'light', media: 'print' });
    const printHidden = await page.evaluate(() => getComputedStyle(document.querySelector('input.filter')).display);
    check(`${name}: print hides the filter boxes`, printHidden === 'none', printHidden);
    const pdf = await page.pdf({ format: 'A4' });
    check(`${name}: prints`, pdf.length > 1000, pdf.length);
    check(`${name}: nothing happened later`, seen.errors.length === 0 && seen.requests.length === 0 &&
      seen.dialogs.length === 0 && (await page.evaluate(() => window.__pwned)) === undefined,
      [seen.errors, seen.requests, seen.dialogs]);
  } finally {
    await b.close();
  }

  // with JavaScript disabled the page reads the same
  const n = await open({ javaScriptEnabled: false });
  try {
    const { page, seen } = await load(n.context, url);
    check(`${name} (no JS): no console error or request`, seen.errors.length === 0 && seen.requests.length === 0,
      [seen.errors, seen.requests]);
    const tables = await page.locator('table.data').count();
    const filters = await page.locator('input.filter').count();
    check(`${name} (no JS): tables without the script's filter boxes`, tables > 0 && filters === 0, [tables, filters]);
    const sections = await page.locator('section.target').count();
    check(`${name} (no JS): every target`, sections === Object.keys(exp.targets).length, sections);
    const points = await page.locator('svg.scans circle.pt-records').count();
    const scans = Object.values(exp.targets).reduce((a, t) => a + t.scans, 0);
    check(`${name} (no JS): chart points`, points === scans, points);
    const visible = await page.locator('details[open] table.data tbody tr').first().isVisible();
    check(`${name} (no JS): an open table's rows visible`, visible);
    const text = await page.locator('body').innerText();
    for (const s of exp.texts)
      check(`${name} (no JS): shows ${JSON.stringify(s)}`, text.includes(s));
    await page.screenshot({ path: join(outDir, `${name}-nojs.png`), fullPage: true });
  } finally {
    await n.close();
  }
}

for (const a of pageArgs) {
  const eq = a.indexOf('=');
  const name = a.slice(0, eq), file = a.slice(eq + 1);
  if (!expectations[name]) {
    console.error(`unknown page ${name}`);
    process.exit(2);
  }
  await checkPage(name, file);
}
console.log(`browser: ${passed} passed, ${failed} failed; screenshots in ${outDir}`);
process.exit(failed ? 1 : 0);
