// The bronze lake a lake-reading benchmark starts from: written once by the embedded speed layer
// and reused by later runs (writing it takes far longer than what those benchmarks time).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cliCommand } from './cli-command.js';

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `cashtag run --events <events> --rate 0 <extraArgs>` into `dataDir`, unless `ready` (a path
 * the finished run leaves) exists already. Throws when the run fails.
 */
export function generateLakeOnce(o: { name: string; dataDir: string; ready: string; events: number; extraArgs?: string[] }): void {
  if (existsSync(o.ready)) return;
  const run = ['run', '--events', String(o.events), '--rate', '0', ...(o.extraArgs ?? [])];
  console.log(`generating the ${o.name} lake: cashtag ${run.join(' ')} into ${o.dataDir} (once; reused afterwards)`);
  const r = spawnSync(...cliCommand([...run, '--metrics-port', '0', '--data-dir', o.dataDir, '--log-level', 'warn']), { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`speed layer exited with ${r.status}`);
}
