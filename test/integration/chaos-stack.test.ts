// The short form of `make chaos`, stack profile, as part of `make test`: producers feed Kafka,
// cashtag is SIGKILLed mid-run and started again; every record must be in bronze, Cassandra and
// the dead-letter topic exactly once, counted against the input topics with other clients.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SHORT } from '../chaos/presets.js';
import { stackReport } from '../chaos/report.js';
import { runScenario, scenarioPassed, scenarioProblems } from '../chaos/stack.js';

test('chaos, stack (short): cashtag SIGKILLed while producers feed Kafka: 0 lost, 0 duplicated in bronze, Cassandra and the DLQ', { timeout: 900_000 }, async () => {
  const workDir = mkdtempSync(join(tmpdir(), 'cashtag-chaos-it-'));
  const lines: string[] = [];
  const r = await runScenario('kill', { sizes: SHORT, workDir, keep: false, drainTimeoutS: 300, log: (l) => lines.push(l) });
  const report = [...lines, ...stackReport([r])].join('\n');
  console.log(report);
  assert.deepEqual(scenarioProblems(r), [], "the scenario's problems (report above)");
  assert.ok(scenarioPassed(r));
  rmSync(workDir, { recursive: true, force: true });
});
