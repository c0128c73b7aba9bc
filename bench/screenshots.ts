// `make screenshots`: the dashboard of a fresh `cashtag run` (the embedded default: generator,
// analytics, alerts) in headless chromium, photographed at given moments of the run (default
// 1 and 5 minutes). Each photo is taken from a page opened just before, so it shows what a
// newcomer sees on opening the dashboard then, with a range picked (default 5m: the run so far;
// a comma-separated list gives one per photo) and, with --symbol auto (the default), the symbol
// of the newest alert clicked in the alert list (AAPL while there is none). Ports and output are
// flags:
//
//   node dist/bench/screenshots.js [--at 60,300] [--out docs/screenshots] [--http-port 29080]
//        [--metrics-port 29464] [--symbol auto|SYM] [--range 5m] [-- extra flags for cashtag run]
//
// Offline: chromium resolves nothing but 127.0.0.1.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OFFLINE_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-proxy-server', '--proxy-bypass-list=*', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

function flags(argv: string[]): { at: number[]; out: string; httpPort: number; metricsPort: number; symbol: string; ranges: string[]; extra: string[] } {
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const get = (name: string, dflt: string) => {
    const i = own.indexOf(name);
    return i >= 0 && i + 1 < own.length ? own[i + 1] : dflt;
  };
  return {
    at: get('--at', '60,300').split(',').map(Number).sort((a, b) => a - b),
    out: resolve(get('--out', join(ROOT, 'docs/screenshots'))),
    httpPort: Number(get('--http-port', '29080')),
    metricsPort: Number(get('--metrics-port', '29464')),
    symbol: get('--symbol', 'auto'),
    ranges: get('--range', '5m').split(','),
    extra: dash < 0 ? [] : argv.slice(dash + 1),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  if (f.at.some((s) => !(s > 0))) throw new Error('--at: seconds of the run, e.g. 60,300');
  const dataDir = mkdtempSync(join(tmpdir(), 'cashtag-screenshots-'));
  mkdirSync(f.out, { recursive: true });
  const args = ['dist/src/cli.js', 'run', '--data-dir', dataDir, '--http-port', String(f.httpPort), '--metrics-port', String(f.metricsPort), ...f.extra];
  const run = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LOG_FORMAT: 'json', PROGRESS_INTERVAL: '0' } });
  const started = Date.now();
  const exited = new Promise<number | null>((r) => run.once('exit', (code) => r(code)));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: OFFLINE_ARGS });
  try {
    for (const [n, at] of f.at.entries()) {
      const range = f.ranges[Math.min(n, f.ranges.length - 1)];
      // Open the page 15 s before the moment, so the photo shows the page settled and live.
      const openAt = started + Math.max(0, at - 15) * 1000;
      const wait = openAt - Date.now();
      if (wait > 0) await Promise.race([sleep(wait), exited.then((code) => Promise.reject(new Error(`cashtag run exited (${code}) before ${at} s`)))]);
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
      page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
      await page.goto(`http://127.0.0.1:${f.httpPort}/#${f.symbol === 'auto' ? 'AAPL' : f.symbol}`);
      await page.locator('body[data-loaded="true"]').waitFor({ timeout: 30_000 });
      const alert = page.locator('#alerts li[data-symbol]').first();
      if (f.symbol === 'auto' && (await alert.count()) > 0) await alert.click();
      await page.locator(`#range-picker button[data-range="${range}"]`).click();
      const left = started + at * 1000 - Date.now();
      if (left > 0) await sleep(left);
      const path = join(f.out, `dashboard-${at >= 60 && at % 60 === 0 ? `${at / 60}min` : `${at}s`}.png`);
      await page.screenshot({ path, fullPage: true });
      process.stderr.write(`${path}: ${Math.round((Date.now() - started) / 1000)} s into the run, status "${await page.locator('#live-text').textContent()}"\n`);
      await page.close();
    }
  } finally {
    await browser.close();
    run.kill('SIGINT');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`screenshots: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
