// Chaos, embedded profile (no servers): two uninterrupted `cashtag run`s with identical bounded
// arguments, and a third killed with SIGKILL at seeded random moments and restarted on the same
// data directory until it finishes; then the finished third run is started once more, which must
// rewrite nothing. Every lake table of the three is compared with DuckDB (lake-compare.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { rng } from '../../src/domain/random.js';
import { compareLakes, diffSnapshots, snapshotLake, type SnapshotDiff, type TableComparison } from './lake-compare.js';
import type { ChaosSizes } from './presets.js';
import { kill9, sleep, startCli, tail } from './processes.js';

/** The sizes of presets.ts that the embedded profile uses (the stack profile's are left out). */
type EmbeddedSizes = Pick<
  ChaosSizes,
  'events' | 'rate' | 'eventRate' | 'partitions' | 'outOfOrder' | 'late' | 'malformed' | 'epoch' | 'seed' | 'checkpointInterval' | 'alertSentimentBelow' | 'alertPriceDrop' | 'kills' | 'killSeed' | 'killMin'
>;

export interface EmbeddedOptions extends EmbeddedSizes {
  /** Seed of the second uninterrupted run: another seed proves the comparison catches differences. */
  seedB: number;
  /** Each kill comes this many seconds after the (re)start, uniformly in [killMin, killMax]. */
  killMax: number;
  workDir: string;
  log: (line: string) => void;
}

export interface EmbeddedResult {
  /** The command line shared by the runs (data dir aside). */
  args: string[];
  kills: { afterSeconds: number; killed: boolean }[];
  starts: number;
  tables: TableComparison[];
  restartOfFinished: SnapshotDiff;
  dirs: { a: string; b: string; killed: string };
}

export function runArgs(o: EmbeddedOptions, seed = o.seed): string[] {
  return [
    'run', '--events', String(o.events), '--rate', String(o.rate), '--event-rate', String(o.eventRate), '--partitions', String(o.partitions),
    '--out-of-order', String(o.outOfOrder), '--late', String(o.late), '--malformed', String(o.malformed), '--epoch', o.epoch, '--seed', String(seed),
    '--alert-sentiment-below', String(o.alertSentimentBelow), '--alert-price-drop', String(o.alertPriceDrop),
    '--serve', 'off', '--metrics-port', '0', '--checkpoint-interval', String(o.checkpointInterval), '--log-level', 'warn',
  ];
}

/** One run to its end; a non-zero exit is an error carrying the log's tail. */
async function runToEnd(args: string[], dataDir: string, logFile: string): Promise<void> {
  const c = startCli([...args, '--data-dir', dataDir], logFile);
  const exit = await c.exited;
  if (exit.code !== 0) throw new Error(`cashtag ${args.join(' ')} --data-dir ${dataDir} exited with ${exit.code ?? exit.signal}; ${logFile}:\n${tail(logFile)}`);
}

/** The seconds after each (re)start at which the killed run is SIGKILLed: seeded, so a schedule is reproducible and printed. */
export function killSchedule(o: Pick<EmbeddedOptions, 'kills' | 'killSeed' | 'killMin' | 'killMax'>): number[] {
  const random = rng(o.killSeed);
  return Array.from({ length: o.kills }, () => Math.round((o.killMin + random() * (o.killMax - o.killMin)) * 10) / 10);
}

export async function runEmbedded(o: EmbeddedOptions): Promise<EmbeddedResult> {
  const dirs = { a: join(o.workDir, 'run-a'), b: join(o.workDir, 'run-b'), killed: join(o.workDir, 'run-killed') };
  mkdirSync(o.workDir, { recursive: true });
  const args = runArgs(o);
  o.log(`embedded: node dist/src/cli.js ${args.join(' ')} --data-dir <run>`);
  o.log(`  run A: uninterrupted, into ${dirs.a}`);
  await runToEnd(args, dirs.a, `${dirs.a}.log`);
  o.log(`  run B: uninterrupted${o.seedB !== o.seed ? ` with --seed ${o.seedB} (a self-check: the comparison must find differences)` : ''}, into ${dirs.b}`);
  await runToEnd(runArgs(o, o.seedB), dirs.b, `${dirs.b}.log`);

  const schedule = killSchedule(o);
  o.log(`  killed run: SIGKILL ${o.kills} times, at ${schedule.map((s) => `${s} s`).join(', ')} after each start (kill seed ${o.killSeed}), into ${dirs.killed}`);
  const logFile = `${dirs.killed}.log`;
  const kills: EmbeddedResult['kills'] = [];
  let starts = 0;
  let finished = false;
  for (const after of schedule) {
    const c = startCli([...args, '--data-dir', dirs.killed], logFile);
    starts++;
    const exit = await Promise.race([c.exited, sleep(after * 1000).then(() => null)]);
    if (exit !== null) {
      // It finished (or failed) before its kill was due.
      if (exit.code !== 0) throw new Error(`the killed run exited with ${exit.code ?? exit.signal} on its own at start ${starts}; ${logFile}:\n${tail(logFile)}`);
      kills.push({ afterSeconds: after, killed: false });
      finished = true;
      break;
    }
    await kill9(c);
    kills.push({ afterSeconds: after, killed: true });
  }
  if (!finished) {
    starts++;
    await runToEnd(args, dirs.killed, logFile);
  }
  o.log(`  killed run: ${kills.filter((k) => k.killed).length} kills, ${starts} starts; finished`);

  const before = snapshotLake(join(dirs.killed, 'lake'));
  await runToEnd(args, dirs.killed, logFile);
  const restartOfFinished = diffSnapshots(before, snapshotLake(join(dirs.killed, 'lake')));
  o.log(`  killed run restarted once more after it finished: ${before.size} lake files before`);

  const tables = await compareLakes([join(dirs.a, 'lake'), join(dirs.b, 'lake'), join(dirs.killed, 'lake')]);
  return { args, kills, starts, tables, restartOfFinished, dirs };
}

/**
 * Whether every table is identical in the three runs, every kill happened, the last restart
 * rewrote nothing, and there was something to compare (bronze tweets are not empty).
 */
export function embeddedPassed(r: EmbeddedResult): boolean {
  const d = r.restartOfFinished;
  return (
    r.tables[0].rows[0] > 0 &&
    r.kills.every((k) => k.killed) &&
    r.tables.every((t) => t.rows[0] === t.rows[1] && t.rows[0] === t.rows[2] && t.diffs.every((x) => x.onlyFirst + x.onlyOther === 0)) &&
    d.added.length + d.removed.length + d.changed.length + d.rewritten.length === 0
  );
}
