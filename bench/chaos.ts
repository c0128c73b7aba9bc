// `make chaos`: proves on this machine that cashtag's results can be trusted, and prints a table.
// Embedded profile: two uninterrupted runs and a third SIGKILLed N times, every lake table
// compared with DuckDB; the finished killed run restarted once more must rewrite nothing. Stack
// profile: one fault per scenario (cashtag SIGKILL, Kafka restart, Cassandra down, S3 down) while
// producers feed Kafka; produced vs bronze vs Cassandra vs dead-letter topic, lost and duplicated.
// Exits 1 on any difference, loss or duplicate (the harness, test/chaos/, does the work).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runEmbedded, embeddedPassed } from '../test/chaos/embedded.js';
import { defaultKillMax, FULL, SHORT, type ChaosSizes } from '../test/chaos/presets.js';
import { embeddedReport, stackReport } from '../test/chaos/report.js';
import { FAULTS, runScenario, scenarioPassed, type Fault, type ScenarioResult } from '../test/chaos/stack.js';
import { stackSh } from '../test/chaos/supervised.js';
import { benchFlags } from './flags.js';

const f = (describe: string) => ({ type: 'string' as const, describe });
const flags = benchFlags(
  'make chaos: embedded runs killed with SIGKILL vs uninterrupted ones (every lake table compared with DuckDB), and the stack profile under faults (produced vs bronze vs Cassandra vs dead-letter topic); prints tables, exits 1 on any difference, loss or duplicate. Sizes: full by default, --short for the form `make test` runs; a flag wins over either.',
  {
    profile: { type: 'string', default: 'all', describe: 'embedded | stack | all' },
    short: { type: 'boolean', default: false, describe: `the short form (${SHORT.events} tweets, ${SHORT.kills} kills; stack: ${SHORT.scenarios}, ${SHORT.stackTweets} tweets)` },
    events: f(`tweets per embedded run (full ${FULL.events}, short ${SHORT.events})`),
    rate: f(`tweets/s offered by the generator (full ${FULL.rate}, short ${SHORT.rate})`),
    'event-rate': f(`tweets per second of event time (${FULL.eventRate})`),
    partitions: f(`generator partitions (${FULL.partitions})`),
    'out-of-order': f(`fraction of records out of order (${FULL.outOfOrder})`),
    late: f(`fraction of records later than the allowed lateness (${FULL.late})`),
    malformed: f(`fraction of malformed records (${FULL.malformed})`),
    epoch: f(`event time of the first record (${FULL.epoch})`),
    seed: f(`generator seed (${FULL.seed})`),
    'seed-b': f('seed of the second uninterrupted run (default: --seed); another seed is a self-check that differences are found'),
    'checkpoint-interval': f(`seconds between checkpoints (full ${FULL.checkpointInterval}, short ${SHORT.checkpointInterval})`),
    'alert-sentiment-below': f(`alert threshold of the embedded runs (${FULL.alertSentimentBelow}; milder than cashtag's default so alerts occur and are compared)`),
    'alert-price-drop': f(`alert price drop of the embedded runs (${FULL.alertPriceDrop})`),
    kills: f(`SIGKILLs of the killed embedded run (full ${FULL.kills}, short ${SHORT.kills})`),
    'kill-seed': f(`seed of the kill moments (${FULL.killSeed})`),
    'kill-min': f(`earliest kill, seconds after a (re)start (full ${FULL.killMin}, short ${SHORT.killMin})`),
    'kill-max': f('latest kill, seconds after a (re)start (default: the kills together take at most 80 % of events/rate)'),
    scenarios: f(`stack faults, comma-separated from ${FAULTS.join(',')} (full all, short ${SHORT.scenarios})`),
    'stack-tweets': f(`tweets produced per stack scenario (full ${FULL.stackTweets}, short ${SHORT.stackTweets}; prices: PRICES_PER_TWEET of them)`),
    'stack-rate': f(`tweets/s the producer sends (${FULL.stackRate})`),
    'fault-at': f(`seconds after the producers start when the fault comes (full ${FULL.faultAt}, short ${SHORT.faultAt})`),
    outage: f(`seconds Cassandra or S3 stays down (${FULL.outage})`),
    'kafka-down': f(`seconds Kafka stays stopped (${FULL.kafkaDown})`),
    'drain-timeout': { type: 'string', default: '300', describe: 'longest wait, after the producers, for the pipeline to drain (seconds)' },
    'work-dir': f('where runs, data and logs go (default a new directory under the system temp dir; kept when something fails)'),
    keep: { type: 'boolean', default: false, describe: 'keep the work directory and the stack scenarios\' topics, keyspaces and buckets' },
  },
  {
    STACK_DIR: 'the local stack (deploy/local/stack.sh) the stack profile uses, started if it is not running; its stack.env gives the endpoints',
    'KAFKA_PORT, CASSANDRA_PORT, ...': 'the stack\'s ports, as for `make up`',
  },
);

function numberFlag(name: keyof ChaosSizes, flag: string, preset: ChaosSizes): number {
  const raw = flags[flag as keyof typeof flags] as string | undefined;
  if (raw === undefined) return preset[name] as number;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) {
    console.error(`--${flag} = ${JSON.stringify(raw)}: expected a number >= 0`);
    process.exit(2);
  }
  return n;
}

const preset = flags.short ? SHORT : FULL;
const sizes: ChaosSizes = { ...preset, epoch: flags.epoch ?? preset.epoch, scenarios: flags.scenarios ?? preset.scenarios };
for (const [name, flag] of [
  ['events', 'events'], ['rate', 'rate'], ['eventRate', 'event-rate'], ['partitions', 'partitions'], ['outOfOrder', 'out-of-order'], ['late', 'late'],
  ['malformed', 'malformed'], ['seed', 'seed'], ['checkpointInterval', 'checkpoint-interval'], ['alertPriceDrop', 'alert-price-drop'], ['kills', 'kills'], ['killSeed', 'kill-seed'], ['killMin', 'kill-min'],
  ['stackTweets', 'stack-tweets'], ['stackRate', 'stack-rate'], ['faultAt', 'fault-at'], ['outage', 'outage'], ['kafkaDown', 'kafka-down'],
] as const) (sizes as unknown as Record<string, number>)[name] = numberFlag(name, flag, preset);
const scenarios = sizes.scenarios.split(',').map((s) => s.trim()).filter(Boolean) as Fault[];
const unknown = scenarios.filter((s) => !(FAULTS as readonly string[]).includes(s));
if (!['embedded', 'stack', 'all'].includes(flags.profile) || unknown.length) {
  console.error(unknown.length ? `--scenarios: unknown ${unknown.join(', ')}; expected some of ${FAULTS.join(',')}` : `--profile = ${flags.profile}: expected embedded, stack or all`);
  process.exit(2);
}
const positive = (flag: 'kill-max' | 'drain-timeout' | 'seed-b', fallback: number): number => {
  const raw = flags[flag];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n < 0 || raw?.trim() === '') {
    console.error(`--${flag} = ${JSON.stringify(raw)}: expected a number >= 0`);
    process.exit(2);
  }
  return n;
};
const killMax = positive('kill-max', defaultKillMax(sizes));
// A threshold on mean sentiment is negative (numberFlag takes only numbers >= 0).
const below = flags['alert-sentiment-below'] === undefined ? sizes.alertSentimentBelow : Number(flags['alert-sentiment-below']);
if (!(below >= -1 && below <= 1)) {
  console.error(`--alert-sentiment-below = ${JSON.stringify(flags['alert-sentiment-below'])}: expected a number -1..1`);
  process.exit(2);
}
sizes.alertSentimentBelow = below;
const drainTimeoutS = positive('drain-timeout', 300);
const seedB = positive('seed-b', sizes.seed);
const workDir = flags['work-dir'] ? path.resolve(flags['work-dir']) : mkdtempSync(path.join(os.tmpdir(), 'cashtag-chaos-'));
const log = (line: string) => console.log(line);

async function main(): Promise<number> {
  log(`cashtag chaos (${flags.short ? 'short' : 'full'} form), work dir ${workDir}`);
  log(`  node ${process.version}; ${os.cpus().length} CPUs; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const sections: string[][] = [];
  let passed = true;
  if (flags.profile !== 'stack') {
    const r = await runEmbedded({ ...sizes, seedB, killMax, workDir: path.join(workDir, 'embedded'), log });
    sections.push(['', 'EMBEDDED PROFILE: two uninterrupted runs (A, B) and a run SIGKILLed and restarted until it finished', ...embeddedReport(r)]);
    passed &&= embeddedPassed(r);
  }
  if (flags.profile !== 'embedded') {
    log('stack: deploy/local/stack.sh up (nothing to do when it runs)');
    await stackSh('up');
    const results: ScenarioResult[] = [];
    const errors: string[] = [];
    for (const fault of scenarios) {
      // A scenario that could not be run or counted (say cashtag never started) is a failure, and the next one still runs.
      await runScenario(fault, { sizes, workDir, keep: flags.keep, drainTimeoutS, log }).then(
        (r) => results.push(r),
        (e: unknown) => errors.push(`  ${fault}: ERROR ${e instanceof Error ? e.message : String(e)}`),
      );
    }
    sections.push(['', `STACK PROFILE: Kafka, Cassandra, S3Proxy on this machine; one fault per scenario, injected ${sizes.faultAt} s after the producers start`, ...stackReport(results), ...errors]);
    passed &&= errors.length === 0 && results.every(scenarioPassed);
  }
  for (const s of sections) for (const line of s) log(line);
  log('');
  log(`chaos: ${passed ? 'PASS' : 'FAIL'}; load average now ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  if (passed && !flags.keep && !flags['work-dir']) rmSync(workDir, { recursive: true, force: true });
  else log(`runs, data and logs kept in ${workDir}`);
  return passed ? 0 : 1;
}

process.exitCode = await main();
