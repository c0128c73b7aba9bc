// The short form of `make chaos`, embedded profile, as part of `make test`: two uninterrupted
// runs and one killed twice with SIGKILL must hold identical rows in every lake table (all
// columns but ingest_timestamp), and a restart of the finished killed run must rewrite nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { embeddedPassed, runEmbedded } from './embedded.js';
import { defaultKillMax, SHORT } from './presets.js';
import { embeddedReport } from './report.js';
import { snapshotDiffCount } from './lake-compare.js';

test('chaos, embedded (short): uninterrupted runs and a run SIGKILLed twice agree on every lake table; a restart after the end rewrites nothing', { timeout: 900_000 }, async () => {
  const workDir = mkdtempSync(join(tmpdir(), 'cashtag-chaos-test-'));
  const lines: string[] = [];
  const r = await runEmbedded({ ...SHORT, seedB: SHORT.seed, killMax: defaultKillMax(SHORT), workDir, log: (l) => lines.push(l) });
  const report = [...lines, ...embeddedReport(r)].join('\n');
  console.log(report);
  assert.ok(r.kills.every((k) => k.killed), 'every kill must land before the run ends (report above)');
  const empty = r.tables.filter((t) => t.rows[0] === 0).map((t) => t.table.path);
  assert.deepEqual(empty, [], 'tables empty in run A compare nothing (report above)');
  const differing = r.tables.filter((t) => t.rows.some((n) => n !== t.rows[0]) || t.diffs.some((d) => d.onlyFirst + d.onlyOther > 0)).map((t) => t.table.path);
  assert.deepEqual(differing, [], 'lake tables whose rows differ between run A, run B and the killed run (report above)');
  assert.equal(snapshotDiffCount(r.restartOfFinished), 0, 'the restart of the finished run rewrote lake files (report above)');
  assert.ok(embeddedPassed(r));
  rmSync(workDir, { recursive: true, force: true });
});
