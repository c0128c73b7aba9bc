// `make bench`: the embedded speed layer, end to end, on this machine.
//   1. full rate (generator unthrottled) for --full seconds: sustained tweets/s (median of
//      10-second windows after warm-up) and resident memory sampled over the run;
//   2. a fixed offered rate (--rate, default 5,000 tweets/s) for --fixed seconds: latency from
//      ingest to serving-store commit, p50/p99 from the pipeline's own histogram.
// A benchmark, not a test: it prints figures and the machine's state; it asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { startSpeedLayer } from '../src/pipelines/speed.js';
import type { Logger } from '../src/runtime/actor.js';
import { benchFlags } from './flags.js';
import { histogramQuantile, median, metricSum } from './stats.js';

const a = benchFlags('make bench: the embedded speed layer at full rate (sustained tweets/s, memory), then at a fixed rate (ingest -> store latency); make bench-analytics: full rate with analytics off and on, alternating.', {
  full: { type: 'string', default: '300', describe: 'seconds at full rate' },
  fixed: { type: 'string', default: '60', describe: 'seconds at the fixed rate' },
  rate: { type: 'string', default: '5000', describe: 'the fixed rate, tweets/s' },
  warmup: { type: 'string', default: '60', describe: 'seconds left out of the full-rate figures' },
  engine: { type: 'string', default: 'vader', describe: 'sentiment engine (SENTIMENT_ENGINE)' },
  'compare-analytics': { type: 'boolean', default: false, describe: 'analytics off and on side by side instead: --rounds alternating runs of --round seconds each' },
  rounds: { type: 'string', default: '3', describe: 'runs per mode with --compare-analytics' },
  round: { type: 'string', default: '60', describe: 'seconds per run with --compare-analytics (the first 20 are left out)' },
});
const quiet: Logger = { info: () => undefined, warn: (m, f) => console.error('warn', m, f), error: (m, f) => console.error('error', m, f) };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function phase(name: string, env: Record<string, string>, seconds: number, sampleEvery = 10) {
  const dataDir = mkdtempSync(join(tmpdir(), `cashtag-bench-${name}-`));
  const cfg = loadConfig({}, { ...process.env, DATA_DIR: dataDir, METRICS_PORT: '0', SENTIMENT_ENGINE: a.engine!, ...env });
  const run = await startSpeedLayer(cfg, quiet);
  const samples: { t: number; tweets: number; rss: number; text: string }[] = [];
  const t0 = performance.now();
  for (let s = 0; s <= seconds; s += sampleEvery) {
    const text = await run.supervisor.metricsText();
    samples.push({ t: (performance.now() - t0) / 1000, tweets: metricSum(text, 'cashtag_source_records_total'), rss: process.memoryUsage().rss, text });
    process.stderr.write(`  ${name}: ${s}s, ${samples.at(-1)!.tweets} tweets, rss ${(samples.at(-1)!.rss / 2 ** 20).toFixed(0)} MiB\n`);
    if (s < seconds) await sleep(sampleEvery * 1000);
  }
  await run.stop();
  rmSync(dataDir, { recursive: true, force: true });
  return { cfg, samples };
}

console.log(`cashtag bench — engine ${a.engine}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

type Sample = { t: number; tweets: number };
/** Tweets/s of each sampling window that starts at or after `from` seconds. */
function windowRates(samples: Sample[], from: number): number[] {
  const rates: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const [p, c] = [samples[i - 1], samples[i]];
    if (p.t >= from) rates.push((c.tweets - p.tweets) / (c.t - p.t));
  }
  return rates;
}

if (a['compare-analytics']) {
  // Full rate, analytics off and on alternately so both see the same machine; the first 20 s of
  // each run (start-up, JIT) are left out, then the median of 10-s windows per run.
  const rounds = Number(a.rounds);
  const seconds = Number(a.round);
  const runRate = (samples: Sample[]) => median(windowRates(samples, 20));
  const off: number[] = [];
  const on: number[] = [];
  for (let r = 0; r < rounds; r++) {
    off.push(runRate((await phase(`analytics-off-${r + 1}`, { RATE: '0', ANALYTICS: 'off' }, seconds)).samples));
    on.push(runRate((await phase(`analytics-on-${r + 1}`, { RATE: '0', ANALYTICS: 'on' }, seconds)).samples));
    console.log(`round ${r + 1}: analytics off ${off[r].toFixed(0)} tweets/s, on ${on[r].toFixed(0)} tweets/s (${((on[r] / off[r]) * 100).toFixed(1)} %)`);
  }
  const [mOff, mOn] = [median(off), median(on)];
  console.log(`analytics: off ${mOff.toFixed(0)} tweets/s, on ${mOn.toFixed(0)} tweets/s (medians of ${rounds} alternating ${seconds}-s runs): on keeps ${((mOn / mOff) * 100).toFixed(1)} % (target >= 85 %, issue 15); load now ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  process.exit(0);
}

const warm = Number(a.warmup);
const full = await phase('full-rate', { RATE: '0' }, Number(a.full));
const rates = windowRates(full.samples, warm);
// Flatness = trend, not GC sawtooth: median RSS of the first minute after warm-up against the
// median of the last minute (shorter runs: first and last third).
const steady = full.samples.filter((s) => s.t >= warm);
const span = Math.min(6, Math.max(1, Math.floor(steady.length / 3)));
const rssFirst = median(steady.slice(0, span).map((s) => s.rss));
const rssLast = median(steady.slice(-span).map((s) => s.rss));
const rssMax = Math.max(...steady.map((s) => s.rss));
console.log(`full rate: ${median(rates).toFixed(0)} tweets/s end to end (median of ${rates.length} 10-s windows; min ${Math.min(...rates).toFixed(0)}, max ${Math.max(...rates).toFixed(0)}); threads: ${full.cfg.actorThreads} actor + ${full.cfg.scoreThreads} pool + main`);
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
console.log(`memory: median rss of the first ${span} samples after warm-up ${mib(rssFirst)}, of the last ${span} ${mib(rssLast)} (${(((rssLast - rssFirst) / rssFirst) * 100).toFixed(1)} %), max ${mib(rssMax)}, over ${Number(a.full)} s`);

const fixed = await phase('fixed-rate', { RATE: a.rate! }, Number(a.fixed), 5);
// Latency of the steady part only: difference of the histogram between warm-up and the end.
const fixedWarm = Math.min(warm, Number(a.fixed) / 3);
const first = fixed.samples.find((s) => s.t >= fixedWarm) ?? fixed.samples[0];
const last = fixed.samples.at(-1)!;
const q = (p: number) => histogramQuantile(p, first.text, last.text, 'cashtag_end_to_end_latency_seconds', 'sink="store"');
const offered = (last.tweets - first.tweets) / (last.t - first.t);
console.log(`fixed rate: offered ${a.rate} tweets/s (achieved ${offered.toFixed(0)}), latency ingest -> store commit p50 ${(q(0.5) * 1000).toFixed(0)} ms, p99 ${(q(0.99) * 1000).toFixed(0)} ms`);
