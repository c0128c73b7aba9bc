// deploy/local/stack.sh's start-up verdict, on the real Prometheus binary (the lightest of the
// four servers): one that exits at start is reported as such, with its log; one that starts is
// reported ready, and `down` stops it. (A read of /proc while the launcher execs the server
// once made a healthy start look like an exit: the verdict now looks twice.) The settings file it
// writes, which holds the S3 secret, is readable by its owner only.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoPath } from './files.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('stack.sh up: a server that exits at start is named with its log; one that starts is ready, stack.env is 0600, and down stops it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cashtag-stack-start-'));
  const env = { ...process.env, STACK_DIR: join(dir, 'stack'), PROMETHEUS_PORT: String(await freePort()), STACK_START_TIMEOUT: '30' };
  const stack = (config: string, ...args: string[]) =>
    spawnSync('bash', [repoPath('deploy/local/stack.sh'), ...args], { env: { ...env, PROMETHEUS_CONFIG: config }, encoding: 'utf8', timeout: 60_000 });
  try {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'scrape_configs: [{ job_name: x, scrape_interval: not-a-duration }]\n');
    const failed = stack(bad, 'up', 'prometheus');
    assert.notEqual(failed.status, 0);
    assert.match(failed.stderr, /prometheus exited during start-up\. Read its log: /, failed.stderr);

    const started = stack(repoPath('deploy/prometheus/prometheus.yml'), 'up', 'prometheus');
    assert.equal(started.status, 0, started.stderr);
    assert.match(started.stdout + started.stderr, /prometheus: ready at http:\/\/127\.0\.0\.1:\d+/);
    // stack.env holds the S3 secret: only its owner may read it.
    const envFile = join(env.STACK_DIR, 'stack.env');
    assert.match(readFileSync(envFile, 'utf8'), /^S3_SECRET_KEY=/m);
    assert.equal(statSync(envFile).mode & 0o777, 0o600, `stack.env mode ${(statSync(envFile).mode & 0o777).toString(8)}`);
  } finally {
    const down = stack(repoPath('deploy/prometheus/prometheus.yml'), 'down');
    rmSync(dir, { recursive: true, force: true });
    assert.equal(down.status, 0, down.stderr);
  }
});
