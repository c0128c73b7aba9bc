// Every benchmark explains itself with --help and refuses an unknown flag with the same list,
// without starting any work.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bench = (name: string, ...args: string[]) =>
  spawnSync(process.execPath, [fileURLToPath(new URL(`../../bench/${name}.js`, import.meta.url)), ...args], { encoding: 'utf8', timeout: 30_000 });

test('every benchmark answers --help with what it measures and its flags or environment', () => {
  for (const [name, mentions] of [
    ['pipeline', ['make bench', '--compare-analytics', '(default 60)']],
    ['serve', ['make bench-serve', '--req-rate <value>', '(default 500)']],
    ['stack', ['make bench-stack', '--backlog <value>']],
    ['batch', ['make bench-batch', 'BENCH_LAKE_DIR']],
    ['sentiment', ['make bench-sentiment', 'BENCH_ROUNDS']],
  ] as const) {
    const r = bench(name, '--help');
    assert.equal(r.status, 0, `${name} --help: ${r.stderr}`);
    for (const m of mentions) assert.ok(r.stdout.includes(m), `${name} --help mentions ${m}:\n${r.stdout}`);
  }
});

test('an unknown flag stops a benchmark with exit code 2, naming the flag and listing the known ones', () => {
  const r = bench('pipeline', '--rounds', '2', '--bogus');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /Unknown option '--bogus'/);
  assert.match(r.stderr, /--round <value> +seconds per run/);
  assert.equal(r.stdout, '', 'no benchmark output: nothing ran');
});
