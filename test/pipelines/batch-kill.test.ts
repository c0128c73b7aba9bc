// A batch run killed with SIGKILL in the middle (a child process that kills itself right after
// its second partition completes, while the other thread is mid-task) publishes nothing; the
// rerun resumes that run and publishes reports byte-identical to an uninterrupted run's.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { LocalLake } from '../../src/io/lake/local-lake.js';
import { REPORTS, type ReportName } from '../../src/io/parquet/gold-schemas.js';
import { resolveReport, runBatch } from '../../src/pipelines/batch.js';
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

  const clean = await runBatch(options);
  assert.ok(clean.published);

  const killed = await killedRun(lakeRoot, 2);
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  assert.equal((killed.stderr.match(/^batch: \d+\/\d+ partitions/gm) ?? []).length, 2, killed.stderr);
  for (const r of Object.keys(REPORTS) as ReportName[]) assert.equal((await resolveReport(lake, r))!.version, clean.runId, `${r}: the killed run published nothing`);

  const rerun = await runBatch(options);
  assert.equal(rerun.resumed, true, 'the rerun resumes the killed run');
  assert.ok(rerun.skipped >= 2, `skipped ${rerun.skipped}`);
  assert.ok(rerun.published);
  for (const r of Object.keys(REPORTS) as ReportName[]) {
    const a: string[] = clean.published[r].files;
    const b: string[] = rerun.published[r].files;
    assert.equal(b.length, a.length);
    for (let i = 0; i < a.length; i++) assert.deepEqual(await lake.read('twitter-gold', b[i]), await lake.read('twitter-gold', a[i]), `${b[i]} byte-identical to ${a[i]}`);
  }
});
