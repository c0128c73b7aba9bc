// The Prometheus configuration and alert rules: promtool accepts them, the rules' unit tests
// pass, every metric they name is one cashtag exports (src/runtime/metrics.ts) with the labels
// they group by, and every alert is well formed and has a unit test that fires it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import client from 'prom-client';
import { createProducerMetrics } from '../../src/pipelines/producers.js';
// Every family the pipelines register (actors' analytics, compaction), as `cashtag run` has them.
import '../../src/pipelines/metric-families.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import { ROOT, readYaml, repoPath, type Node } from './files.js';

const RULES = 'deploy/prometheus/rules/cashtag.yml';
const RULE_TESTS = 'deploy/prometheus/rules/cashtag.test.yml';

function promtool(...args: string[]) {
  promtoolIn(ROOT, ...args);
}

function promtoolIn(cwd: string, ...args: string[]) {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  assert.equal(r.error, undefined, `promtool not runnable (make test installs it via make tools): ${r.error?.message}`);
  assert.equal(r.status, 0, `promtool ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
}

test('promtool check config: the local and the compose Prometheus configurations', () => {
  promtool('check', 'config', 'deploy/prometheus/prometheus.yml');
  // Compose mounts its file at /etc/prometheus/prometheus.yml and the shared rules at
  // /etc/prometheus/rules (manifests.test.ts checks the mounts): the same layout here.
  const etc = mkdtempSync(join(tmpdir(), 'cashtag-prometheus-'));
  copyFileSync(repoPath('deploy/compose/prometheus.yml'), join(etc, 'prometheus.yml'));
  try {
    symlinkSync(repoPath('deploy/prometheus/rules'), join(etc, 'rules'));
    promtoolIn(etc, 'check', 'config', 'prometheus.yml');
  } finally {
    rmSync(etc, { recursive: true, force: true });
  }
});

test('promtool check rules and promtool test rules', () => {
  promtool('check', 'rules', RULES);
  promtool('test', 'rules', RULE_TESTS);
});

/** Exported metric names with their label names: pipeline and producer registries. */
function exportedMetrics(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const create of [createMetrics, createProducerMetrics]) {
    const registry = new client.Registry();
    create(registry);
    for (const m of registry.getMetricsAsArray()) {
      // prom-client keeps labelNames on the metric; its typings do not expose it.
      out.set(m.name, new Set((m as unknown as { labelNames: string[] }).labelNames));
    }
  }
  return out;
}

/** Labels Prometheus adds at scrape time (job, instance; producer in the static configs) or histograms carry. */
const SCRAPE_LABELS = new Set(['job', 'instance', 'producer', 'le']);
const baseName = (name: string) => name.replace(/_(bucket|sum|count)$/, '');

const rules = (): Node[] => (readYaml(RULES).groups as Node[]).flatMap((g) => g.rules as Node[]);

test('every metric the rules name (expressions and annotations) is one cashtag exports', () => {
  const exported = exportedMetrics();
  for (const rule of rules()) {
    const text = [rule.expr, ...Object.values((rule.annotations ?? {}) as Record<string, string>)].join('\n');
    const names = [...text.matchAll(/\bcashtag_[a-z0-9_]+/g)].map(([n]) => n);
    for (const name of names) {
      assert.ok(exported.has(name) || exported.has(baseName(name)), `${rule.alert}: ${name} is not exported by src/runtime/metrics.ts`);
    }
    // Grouping labels exist on the metrics the expression reads.
    const labels = new Set([...SCRAPE_LABELS, ...names.flatMap((n) => [...(exported.get(n) ?? exported.get(baseName(n)) ?? [])])]);
    for (const [, list] of String(rule.expr).matchAll(/\b(?:by|on|without|ignoring)\s*\(([^)]*)\)/g)) {
      for (const label of list.split(',').map((s) => s.trim()).filter(Boolean)) {
        assert.ok(labels.has(label), `${rule.alert}: groups or matches by ${label}, which none of ${names.join(', ')} has`);
      }
    }
  }
});

test('the rules cover what issue 4 asks and each alert is well formed', () => {
  const all = rules();
  const byName = new Map(all.map((r) => [r.alert as string, r]));
  assert.equal(byName.size, all.length, 'alert names are unique');
  const uses = (metric: string) => all.some((r) => String(r.expr).includes(metric));
  for (const metric of ['cashtag_source_records_total', 'cashtag_checkpoints_completed_total', 'cashtag_consumer_lag_records', 'cashtag_dead_letters_total', 'cashtag_actor_restarts_total', 'cashtag_sink_errors_total', 'cashtag_end_to_end_latency_seconds_bucket', 'cashtag_produce_errors_total', 'up{job="cashtag-producers"}', 'up{job="cashtag-pipeline"}']) {
    assert.ok(uses(metric), `no alert on ${metric}`);
  }
  for (const r of all) {
    assert.match(String(r.for ?? ''), /^\d+[smh]$/, `${r.alert}: needs a for: duration`);
    assert.ok(['critical', 'warning', 'info'].includes(r.labels?.severity), `${r.alert}: severity label critical|warning|info`);
    assert.ok(r.annotations?.summary && r.annotations?.description, `${r.alert}: summary and description annotations`);
  }
});

test('every alert has a promtool unit test in which it fires, on series with the exported labels', () => {
  const exported = exportedMetrics();
  const tests = readYaml(RULE_TESTS).tests as Node[];
  const firing = new Set(tests.flatMap((t) => (t.alert_rule_test as Node[]).filter((a) => (a.exp_alerts ?? []).length > 0).map((a) => a.alertname as string)));
  for (const r of rules()) assert.ok(firing.has(r.alert), `${r.alert}: no unit test in ${RULE_TESTS} expects it to fire`);
  for (const t of tests) {
    for (const s of t.input_series as Node[]) {
      const m = /^([a-z_:][a-z0-9_:]*)\{(.*)\}$/.exec(s.series as string);
      assert.ok(m, `unparsed series ${s.series}`);
      if (m[1] === 'up') continue;
      const names = exported.get(m[1]) ?? exported.get(baseName(m[1]));
      assert.ok(names, `test series ${m[1]} is not an exported metric`);
      const got = [...m[2].matchAll(/([a-z_]+)="/g)].map(([, l]) => l).filter((l) => !SCRAPE_LABELS.has(l)).sort();
      assert.deepEqual(got, [...names].sort(), `labels of test series ${s.series}`);
    }
  }
});
