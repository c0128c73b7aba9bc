// The dashboard in a real browser (Debian's chromium, driven by playwright-core, kept off the
// network) while the speed layer runs live, behind API_TOKEN: the page is opened once as
// /#token=..., takes the token out of its address, and everything it reads (the live stream
// included) carries it; its charts get data, the tweet list updates, a symbol can be picked from
// the picker and from its card, nothing is fetched from anywhere but cashtag, and the page logs
// no errors. Saves test-output/dashboard.png.
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
    await page.goto(`${server.url}/#token=${token}`);

    // Cards for every symbol, then windows arriving on the charts (live, over the stream).
    await until('a card per symbol', async () => (await count(page, '#cards .card')) >= 4, 60_000);
    await until('the stream is connected', async () => (await page.locator('body').getAttribute('data-live')) === 'live', 30_000);
    assert.ok(!page.url().includes(token), `the token is out of the address: ${page.url()}`);
    await until('windows on the sentiment chart', async () => (await points(page, '#sentiment-chart')) >= 4, 60_000);
    await until('ticks on the price chart', async () => (await points(page, '#price-chart')) >= 20, 30_000);
    const selected = await page.locator('#symbol-picker').inputValue();
    assert.equal(selected, 'AAPL', 'the first symbol is picked by default');
    assert.ok((await count(page, '#tweets li')) >= 20, 'the tweet list is filled');
    assert.ok((await count(page, '#tweets .score.positive')) + (await count(page, '#tweets .score.negative')) > 0, 'scores are coloured by sentiment');

    // The tweet list updates by itself.
    const first = await firstId(page);
    await until('a new tweet on top of the list', async () => (await firstId(page)) !== first, 20_000);
    const before = await points(page, '#sentiment-chart');
    await until('a new window on the chart', async () => (await points(page, '#sentiment-chart')) > before, 20_000);

    // Pick TSLA in the picker: the detail, the tweets and the stream follow it.
    await page.selectOption('#symbol-picker', 'TSLA');
    await until('TSLA followed', async () => (await page.locator('#detail-symbol').textContent()) === 'TSLA' && ((await page.locator('#live-text').textContent()) ?? '').includes('TSLA'), 20_000);
    await until('TSLA tweets listed', async () => (await texts(page, '#tweets .text')).length > 0 && (await texts(page, '#tweets .text')).every((t) => t.toUpperCase().includes('$TSLA')), 20_000);
    const tslaFirst = await firstId(page);
    await until('a new TSLA tweet on top', async () => (await firstId(page)) !== tslaFirst, 20_000);
    assert.ok((await points(page, '#sentiment-chart')) >= 4, 'TSLA has windows on its chart');
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
