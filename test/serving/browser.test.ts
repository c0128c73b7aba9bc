// The dashboard in a real browser (Debian's chromium, driven by playwright-core, kept off the
// network) while the speed layer runs live, behind API_TOKEN: the page is opened once as
// /#token=..., takes the token out of its address, and everything it reads (the live stream
// included) carries it. With the live stream held back, the page already draws the store's
// recent past (price, sentiment, volume, tweets, legends); once it connects, the charts and the
// tweet list update. The two charts share one time axis (range picker, drag-zoom, cursor),
// the sentiment axis fits the data, a symbol can be picked from the picker and from its card,
// nothing is fetched from anywhere but cashtag, and the page logs no errors. Saves
// test-output/dashboard.png.
//
// Chromium is installed by `make browser` (mk/serve.mk); without it this test fails, it never skips.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/pipelines/serving/server.js';
import { lakeSettings, startSpeedLayer, storeSettings } from '../../src/pipelines/speed.js';
import { quietLogger } from '../helpers/runtime.js';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = fileURLToPath(new URL('../../../test-output/', import.meta.url));
// Everything but loopback resolves nowhere, and no proxy is consulted.
const OFFLINE_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-proxy-server', '--proxy-bypass-list=*', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Poll a condition read through locators (no script is evaluated in the page: its CSP forbids eval). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`the page did not get there within ${timeoutMs / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();
const firstId = (page: Page) => page.locator('#tweets li').first().getAttribute('data-id', { timeout: 1_000 }).catch(() => null);
const count = (page: Page, selector: string) => page.locator(selector).count();
const points = (page: Page, selector: string) => page.locator(selector).getAttribute('data-points').then(Number);
const data = (page: Page, selector: string, name: string) => page.locator(selector).getAttribute(`data-${name}`).then((v) => v ?? '');
/** The x range both charts show, in seconds. */
async function xRanges(page: Page): Promise<{ overlay: [number, number]; volume: [number, number] }> {
  const range = async (sel: string): Promise<[number, number]> => [Number(await data(page, sel, 'x-min')), Number(await data(page, sel, 'x-max'))];
  return { overlay: await range('#overlay-chart'), volume: await range('#volume-chart') };
}
/** The legend's values of a chart, by series label. */
async function legend(page: Page, chart: string): Promise<Record<string, string>> {
  const rows = await page.locator(`${chart} .u-legend .u-series`).all();
  const out: Record<string, string> = {};
  for (const r of rows) out[(await r.locator('.u-label').textContent()) ?? ''] = (await r.locator('.u-value').textContent()) ?? '';
  return out;
}

test('the live dashboard shows live data, updates and lets a symbol be picked', { timeout: 180_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `chromium not found at ${CHROMIUM}: run \`make browser\` (installs Debian's chromium with apt-get)`);
  const dataDir = mkdtempSync(join(tmpdir(), 'cashtag-browser-'));
  // Live: 500 tweets/s, event time 50x the wall clock (EVENT_RATE 10/s), so a 1-minute slide
  // closes a window about every 1.2 s once the 5 s lateness has passed.
  const cfg = loadConfig({}, {
    DATA_DIR: dataDir, RATE: '500', EVENT_RATE: '10', ALLOWED_LATENESS: '5', PARTITIONS: '2', SEED: '11', PRICES_PER_TWEET: '0.5', METRICS_PORT: '0', CHECKPOINT_INTERVAL: '2',
    SYMBOLS: 'AAPL,TSLA,MSFT,NVDA', ALERT_SENTIMENT_BELOW: '-0.02', ALERT_PRICE_DROP: '0.0005', STORE_RETENTION: '120', ACTOR_THREADS: '1', SCORE_THREADS: '1', LATE_FRACTION: '0',
  });
  const run = await startSpeedLayer(cfg, quietLogger());
  const token = 'browser-test-token-0123456789';
  const server = await startServer({ store: storeSettings(cfg), lake: lakeSettings(cfg), port: 0, host: '127.0.0.1', log: quietLogger(), liveIntervalMs: 500, dashboardMinutes: 30, http: { apiToken: token } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: OFFLINE_ARGS });
  const problems: string[] = [];
  const foreign: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => !r.url().startsWith(server.url) && foreign.push(r.url()));
    page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} from ${r.url()}`));
    const unauthenticated: string[] = [];
    page.on('request', (r) => r.url().includes('/api/') && r.headers().authorization !== `Bearer ${token}` && unauthenticated.push(r.url()));
    // The live stream is held back until the page has shown what the API holds.
    let releaseStream = () => undefined as void;
    const streamHeld = new Promise<void>((r) => (releaseStream = r));
    await page.route((url) => url.pathname === '/api/stream', async (route) => {
      await streamHeld;
      await route.continue().catch(() => undefined); // the page may have given up on it meanwhile
    });
    // Let the store fill first (windows need the watermark past their end).
    await until('windows in the store', async () => ((await (await fetch(`${server.url}/api/windows/AAPL`, { headers: { authorization: `Bearer ${token}` } })).json()) as { count: number }).count >= 6, 60_000);
    await page.goto(`${server.url}/#token=${token}`);

    // Before the stream connects: cards, price and sentiment, volume, tweets and legends.
    await until('a card per symbol', async () => (await count(page, '#cards .card')) >= 4, 60_000);
    await until('the page drew the API state', async () => (await page.locator('body').getAttribute('data-loaded')) === 'true', 30_000);
    assert.ok(!page.url().includes(token), `the token is out of the address: ${page.url()}`);
    assert.equal(await page.locator('body').getAttribute('data-live'), 'connecting', 'the stream is still held back');
    assert.ok((await points(page, '#overlay-chart')) >= 20, 'buckets on the price & sentiment chart before the stream');
    assert.ok(Number(await data(page, '#overlay-chart', 'windows')) >= 4, 'windows on the chart before the stream');
    assert.ok(Number(await data(page, '#volume-chart', 'bars')) >= 10, 'volume bars before the stream');
    assert.ok((await count(page, '#tweets li')) >= 20, 'the tweet list is filled before the stream');
    // Legends without a cursor: the latest values, not "--".
    const idle = await legend(page, '#overlay-chart');
    assert.match(idle.UTC, /^\d\d:\d\d:\d\d$/, `legend time: ${JSON.stringify(idle)}`);
    assert.match(idle.price, /^\$\d+\.\d\d$/, `legend price: ${JSON.stringify(idle)}`);
    assert.match(idle['5-min window sentiment'], /^[+-]\d\.\d{3}$/, `legend window sentiment: ${JSON.stringify(idle)}`);
    assert.match(idle['tweet sentiment (1 min)'], /^[+-]\d\.\d{3}$/, `legend tweet sentiment: ${JSON.stringify(idle)}`);
    const volumeLegend = await legend(page, '#volume-chart');
    assert.match(volumeLegend.volume, /^\d+(\.\d+)?[kM]?$/, `legend volume: ${JSON.stringify(volumeLegend)}`);
    // Held for a while: still drawn, still not live.
    await page.waitForTimeout(2_000);
    assert.equal(await page.locator('body').getAttribute('data-live'), 'connecting');
    assert.ok((await points(page, '#overlay-chart')) >= 20);
    const selected = await page.locator('#symbol-picker').inputValue();
    assert.equal(selected, 'AAPL', 'the first symbol is picked by default');
    assert.ok((await count(page, '#tweets .score.positive')) + (await count(page, '#tweets .score.negative')) > 0, 'scores are coloured by sentiment');

    // The stream connects; the tweet list and the charts update by themselves.
    releaseStream();
    await until('the stream is connected', async () => (await page.locator('body').getAttribute('data-live')) === 'live', 30_000);
    const first = await firstId(page);
    await until('a new tweet on top of the list', async () => (await firstId(page)) !== first, 20_000);
    const before = Number(await data(page, '#overlay-chart', 'windows'));
    await until('a new window on the chart', async () => Number(await data(page, '#overlay-chart', 'windows')) > before, 20_000);
    const beforeX = (await xRanges(page)).overlay[1];
    await until('the time axis follows the stream', async () => (await xRanges(page)).overlay[1] > beforeX, 20_000);

    // The sentiment axis fits the data in view: it holds every value, with a margin, not -1..1.
    const [smin, smax] = (await data(page, '#overlay-chart', 'sentiment-range')).split(',').map(Number);
    const [emin, emax] = (await data(page, '#overlay-chart', 'sentiment-extent')).split(',').map(Number);
    assert.ok(smin <= emin && smax >= emax, `the axis ${smin}..${smax} holds the data ${emin}..${emax}`);
    assert.ok(smax - smin <= Math.max(0.2, (emax - emin) * 1.24) + 1e-9, `the axis ${smin}..${smax} fits the data ${emin}..${emax}`);

    // One time axis: the range picker sets both charts; a drag-zoom on one moves the other.
    for (const [range, span] of [['5m', 300], ['1h', 3600]] as const) {
      await page.locator(`#range-picker button[data-range="${range}"]`).click();
      assert.equal(await page.locator('body').getAttribute('data-range'), range);
      const x = await xRanges(page);
      assert.deepEqual(x.volume, x.overlay, `both charts show the same ${range}`);
      assert.equal(x.overlay[1] - x.overlay[0], span, `${range} is ${span} s wide`);
      assert.equal(await page.locator(`#range-picker button[data-range="${range}"]`).getAttribute('aria-pressed'), 'true');
    }
    await page.locator('#range-picker button[data-range="all"]').click();
    const all = await xRanges(page);
    assert.deepEqual(all.volume, all.overlay);
    assert.ok(all.overlay[1] - all.overlay[0] > 300, 'all: more than the last 5 minutes');
    const over = page.locator('#overlay-chart .u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const zoomed = await xRanges(page);
    assert.equal(await page.locator('body').getAttribute('data-range'), 'zoom');
    assert.deepEqual(zoomed.volume, zoomed.overlay, 'the zoom moved both charts');
    assert.ok(zoomed.overlay[1] - zoomed.overlay[0] < (all.overlay[1] - all.overlay[0]) * 0.5, 'zoomed in');
    // The cursor is shared: hovering the price chart shows the same time in the volume legend.
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await until('the legends follow the cursor', async () => (await legend(page, '#overlay-chart')).UTC !== idle.UTC && (await legend(page, '#overlay-chart')).UTC === (await legend(page, '#volume-chart')).UTC, 5_000);
    await page.mouse.dblclick(box.x + box.width * 0.5, box.y + box.height / 2);
    assert.equal(await page.locator('body').getAttribute('data-range'), 'all', 'a double click goes back to the picked range');
    await page.mouse.move(0, 0);

    // Pick TSLA in the picker: the detail, the tweets and the stream follow it.
    await page.selectOption('#symbol-picker', 'TSLA');
    await until('TSLA followed', async () => (await page.locator('#detail-symbol').textContent()) === 'TSLA' && ((await page.locator('#live-text').textContent()) ?? '').includes('TSLA'), 20_000);
    await until('TSLA tweets listed', async () => (await texts(page, '#tweets .text')).length > 0 && (await texts(page, '#tweets .text')).every((t) => t.toUpperCase().includes('$TSLA')), 20_000);
    const tslaFirst = await firstId(page);
    await until('a new TSLA tweet on top', async () => (await firstId(page)) !== tslaFirst, 20_000);
    await until('TSLA windows on its chart', async () => Number(await data(page, '#overlay-chart', 'windows')) >= 4, 20_000);
    assert.equal(await page.locator('.card.selected').getAttribute('data-symbol'), 'TSLA');

    // ... and by clicking a card.
    await page.locator('.card[data-symbol="NVDA"]').click();
    await until('NVDA followed', async () => (await page.locator('#detail-symbol').textContent()) === 'NVDA' && ((await page.locator('#live-text').textContent()) ?? '').includes('NVDA'), 20_000);
    await until('NVDA tweets listed', async () => (await texts(page, '#tweets .text')).length > 0 && (await texts(page, '#tweets .text')).every((t) => t.toUpperCase().includes('$NVDA')), 20_000);
    assert.equal(new URL(page.url()).hash, '#NVDA');
    // Let a few more windows land, then keep the picture.
    await page.waitForTimeout(3_000);
    for (const card of await page.locator('#cards .spark').all()) assert.ok(Number(await card.getAttribute('data-points')) >= 3, 'every card has a sparkline with data');
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'dashboard.png'), fullPage: true });
    assert.deepEqual(problems, [], 'the page logged no errors');
    assert.deepEqual(foreign, [], 'the page fetched nothing but cashtag');
    assert.deepEqual(unauthenticated, [], 'every API request carried the token');
  } finally {
    await browser.close();
    await server.close();
    await run.stop();
    await run.done;
    rmSync(dataDir, { recursive: true, force: true });
  }
});
