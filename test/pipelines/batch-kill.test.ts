// A batch run killed with SIGKILL in the middle (a child process that kills itself right after
// its second partition completes, while the other thread is mid-task) publishes nothing; the
// rerun resumes that run and publishes reports byte-identical to an uninterrupted run's, without
// the topic whose bronze was removed in between.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { LocalLake } from '../../src/io/lake/local-lake.js';
import { REPORTS, type ReportName } from '../../src/io/parquet/gold-schemas.js';
import { listReport, reportKey, runBatch } from '../../src/pipelines/batch.js';
import { startSpeedLayer } from '../../src/pipelines/speed.js';
import { quietLogger } from '../helpers/runtime.js';

const batchModule = new URL('../../src/pipelines/batch.js', import.meta.url).href;

/** A child that runs the batch and SIGKILLs itself once `killAfter` partitions are done. */
function killedRun(lakeRoot: string, killAfter: number): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  const script = `
    import { runBatch } from ${JSON.stringify(batchModule)};
    let done = 0;
    const log = { info() {}, warn() {}, error() {} };
    await runBatch({ lake: { kind: 'local', root: ${JSON.stringify(lakeRoot)} }, threads: 2, log, progress(line) {
      process.stderr.write(line + '\\n');
      if (++done === ${killAfter}) process.kill(process.pid, 'SIGKILL');
    } });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => child.on('exit', (_code, signal) => resolve({ signal, stderr })));
}

test('SIGKILL mid-run publishes nothing; the rerun resumes and publishes the same bytes', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cashtag-batch-kill-'));
  const cfg = loadConfig({}, { DATA_DIR: dataDir, EVENTS: '3000', PARTITIONS: '3', RATE: '0', SEED: '5', GENERATOR_EPOCH: '2025-12-18T14:30:00Z', METRICS_PORT: '0', ACTOR_THREADS: '1', SCORE_THREADS: '1' });
  await (await startSpeedLayer(cfg, quietLogger())).done;
  const lakeRoot = join(dataDir, 'lake');
  const lake = new LocalLake(lakeRoot);
  const options = { lake: { kind: 'local' as const, root: lakeRoot }, threads: 2, log: quietLogger(), progress: () => undefined };

  const published = async () => {
    const out = new Map<string, Buffer>();
    for (const r of Object.keys(REPORTS) as ReportName[]) for (const f of await listReport(lake, r)) out.set(f, (await lake.read('twitter-gold', f))!);
    return out;
  };
  const clean = await runBatch(options);
  assert.ok(clean.published);
  const cleanFiles = await published();

  // The input changes: one symbol's bronze is gone (its topic must vanish from the reports).
  const gone = (await lake.list('twitter-bronze', 'tweets_v2/topic=MSFT/')).concat(await lake.list('twitter-bronze', 'stock_prices/symbol=MSFT/'));
  assert.ok(gone.length > 0 && cleanFiles.has(reportKey('trend', 'MSFT')));
  await lake.delete('twitter-bronze', gone.map((o) => o.key));

  const killed = await killedRun(lakeRoot, 2);
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  assert.equal((killed.stderr.match(/^batch: \d+\/\d+ partitions/gm) ?? []).length, 2, killed.stderr);
  assert.deepEqual(await published(), cleanFiles, 'the killed run published nothing');

  const rerun = await runBatch(options);
  assert.equal(rerun.resumed, true, 'the rerun resumes the killed run');
  assert.ok(rerun.skipped >= 2, `skipped ${rerun.skipped}`);
  assert.ok(rerun.published);
  const rerunFiles = await published();
  assert.ok(!rerunFiles.has(reportKey('trend', 'MSFT')) && !rerunFiles.has(reportKey('statistics', 'MSFT')), 'the vanished topic is deleted');
  assert.deepEqual([...rerunFiles.keys()].sort(), [...cleanFiles.keys()].filter((k) => !k.includes('/topic=MSFT/')).sort());
  const again = await runBatch(options);
  assert.equal(again.resumed, false);
  assert.deepEqual(await published(), rerunFiles, 'the resumed run published the bytes an uninterrupted run does');
});
