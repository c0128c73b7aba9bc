// `make bench-sentiment`: throughput of cashtag's VADER engine against the vader-sentiment
// package, on the same texts (the shared reference corpus), in one run:
// 1. single thread, both scorers measured alternately in several rounds; medians and ratio;
// 2. the speed layer's Piscina task (score-worker.js, engine 'vader') on batches of 256 texts,
//    pools of 1 and 2 threads measured alternately; medians and scaling.
// Medians of interleaved rounds, because the machine is shared and noisy; the header prints its
// CPU count and load so that figures can be read against it.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { createScorer, type CompoundScorer } from '../src/actors/sentiment/engines.js';
import { packTexts, taskBuffers } from '../src/actors/sentiment/score-task.js';
import { benchFlags } from './flags.js';

benchFlags("make bench-sentiment: cashtag's VADER against the vader-sentiment package on one thread, then the speed layer's Piscina task on pools of 1 and 2 threads, on the reference corpus.", {}, {
  BENCH_ROUNDS: 'alternating rounds (default 5)',
  CASHTAG_SHARED_DIR: 'where data/vader-icwsm2014/reference.jsonl is (default ../shared)',
});
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BATCH = 256;
const POOL_SECONDS = 1.5;
const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const WORKER = new URL('../src/actors/sentiment/score-worker.js', import.meta.url).href;

function corpusTexts(): string[] {
  const shared = process.env.CASHTAG_SHARED_DIR ?? path.resolve(projectRoot, '../shared');
  const file = path.resolve(shared, 'data/vader-icwsm2014/reference.jsonl');
  if (!existsSync(file)) throw new Error(`reference corpus not found at ${file} (set CASHTAG_SHARED_DIR)`);
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { text: string }).text);
}

/** Texts per second of `score` over `passes` passes of `texts`. */
function singleThread(score: CompoundScorer, texts: string[], passes: number): number {
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let p = 0; p < passes; p++) for (const t of texts) sink += score(t);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (Number.isNaN(sink)) throw new Error('NaN score');
  return (texts.length * passes) / seconds;
}

/** Texts per second of a pool kept busy with batches of BATCH texts for about POOL_SECONDS. */
async function poolThroughput(pool: Piscina, batches: string[][], texts: number): Promise<number> {
  let scored = 0;
  const t0 = process.hrtime.bigint();
  let seconds = 0;
  do {
    // As the sentiment actor sends them: packed as UTF-8, the buffers transferred.
    const results = await Promise.all(batches.map((b) => {
      const task = packTexts(b);
      return pool.run(task, { transferList: taskBuffers(task) }) as Promise<Float64Array>;
    }));
    for (const r of results) scored += r.length;
    seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (seconds < POOL_SECONDS);
  if (scored % texts !== 0) throw new Error('pool lost texts');
  return scored / seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US').padStart(11);

async function main(): Promise<void> {
  const texts = corpusTexts();
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`sentiment benchmark: reference corpus, ${texts.length.toLocaleString('en-US')} texts; ` +
    `node ${process.version}; ${os.cpus().length} CPUs, shared machine (load average ${load})`);

  const ours = createScorer('vader');
  const theirs = createScorer('vader-sentiment');
  singleThread(ours, texts, 3);
  singleThread(theirs, texts.slice(0, 3000), 1);
  const oursRuns: number[] = [];
  const theirsRuns: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    oursRuns.push(singleThread(ours, texts, 5));
    theirsRuns.push(singleThread(theirs, texts, 1));
  }
  const ratio = median(oursRuns) / median(theirsRuns);
  console.log(`single thread, median of ${ROUNDS} interleaved rounds:`);
  console.log(`  vader (cashtag)   ${fmt(median(oursRuns))} texts/s`);
  console.log(`  vader-sentiment   ${fmt(median(theirsRuns))} texts/s`);
  console.log(`  ratio             ${ratio.toFixed(1).padStart(11)}x  (target >= 10) ${ratio >= 10 ? 'ok' : 'MISSED'}`);

  const batches: string[][] = [];
  for (let i = 0; i < texts.length; i += BATCH) batches.push(texts.slice(i, i + BATCH));
  const pools = [1, 2].map((n) => new Piscina({
    filename: WORKER, minThreads: n, maxThreads: n, workerData: { engine: 'vader' },
  }));
  try {
    for (const pool of pools) await poolThroughput(pool, batches, texts.length);
    const runs: number[][] = [[], []];
    for (let r = 0; r < ROUNDS; r++) {
      for (let p = 0; p < pools.length; p++) runs[p].push(await poolThroughput(pools[p], batches, texts.length));
    }
    const [one, two] = runs.map(median);
    const scaling = two / one;
    console.log(`Piscina pool (score-worker.js, engine vader, batches of ${BATCH}), median of ${ROUNDS} interleaved rounds:`);
    console.log(`  1 thread          ${fmt(one)} texts/s`);
    console.log(`  2 threads         ${fmt(two)} texts/s`);
    console.log(`  scaling           ${scaling.toFixed(2).padStart(11)}x  (target >= 1.7) ${scaling >= 1.7 ? 'ok' : 'MISSED'}`);
  } finally {
    await Promise.all(pools.map((p) => p.destroy()));
  }
  console.log(`load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

await main();
