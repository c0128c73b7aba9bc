// Endpoints of the real servers for integration tests. `make test-integration` starts the local
// stack (deploy/local) and exports its settings; run alone, the tests read .stack/stack.env.
// A missing setting fails the test with a message: integration tests never skip.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StackEnv {
  KAFKA_BROKERS: string;
  CASSANDRA_CONTACT_POINTS: string;
  CASSANDRA_LOCAL_DC: string;
  S3_ENDPOINT: string;
  S3_ACCESS_KEY: string;
  S3_SECRET_KEY: string;
  PROMETHEUS_URL: string;
}

const KEYS: (keyof StackEnv)[] = ['KAFKA_BROKERS', 'CASSANDRA_CONTACT_POINTS', 'CASSANDRA_LOCAL_DC', 'S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'PROMETHEUS_URL'];

export function stackEnv(...needed: (keyof StackEnv)[]): StackEnv {
  const root = new URL('../../../', import.meta.url).pathname;
  const file = join(process.env.STACK_DIR ?? join(root, '.stack'), 'stack.env');
  const fromFile: Record<string, string> = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (m) fromFile[m[1]] = m[2];
    }
  }
  const env = Object.fromEntries(KEYS.map((k) => [k, process.env[k] ?? fromFile[k]])) as Partial<StackEnv>;
  const missing = (needed.length ? needed : KEYS).filter((k) => !env[k]);
  if (missing.length) throw new Error(`integration test needs ${missing.join(', ')}: run \`make up\` (or \`make test\`, which starts the stack) first; looked in the environment and ${file}`);
  return env as StackEnv;
}
