// Child processes of the chaos harness: `cashtag run` and `cashtag produce` started from the
// compiled CLI with their output appended to a log file (no pipes to drain, and the file is
// there to read after a failure), killed with a real signal, awaited by exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { SETTINGS } from '../../src/config.js';
import { cliCommand } from '../../bench/cli-command.js';

export const CLI = new URL('../../src/cli.js', import.meta.url).pathname;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  exited: Promise<Exit>;
  /** Whether it has exited (the promise above has settled). */
  done(): boolean;
}

/**
 * The environment without any of cashtag's settings: a child gets exactly the settings the harness
 * passes (flags or `env`), never one inherited from the shell (say KAFKA_BROKERS exported by
 * `make test-integration`, which would turn an embedded run into a Kafka-fed one).
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const s of Object.values(SETTINGS)) delete env[s.env];
  return { ...env, ...extra };
}

/** Start the CLI as users do (cliCommand: its shebang flags) with `args`; stdout and stderr are appended to `logFile`. */
export function startCli(args: string[], logFile: string, env: Record<string, string> = {}): Child {
  const fd = openSync(logFile, 'a');
  const proc = spawn(...cliCommand(args), { stdio: ['ignore', fd, fd], env: cleanEnv(env) });
  closeSync(fd);
  let finished = false;
  const exited = new Promise<Exit>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code, signal) => {
      finished = true;
      resolve({ code, signal });
    });
  });
  if (proc.pid === undefined) throw new Error(`could not start ${CLI} ${args.join(' ')}`);
  return { proc, pid: proc.pid, exited, done: () => finished };
}

/** SIGKILL (the process and its threads die at once: nothing is flushed or closed). */
export async function kill9(c: Child): Promise<Exit> {
  if (!c.done()) c.proc.kill('SIGKILL');
  return c.exited;
}

/** The last `n` lines of a log file, for error messages. */
export function tail(file: string, n = 15): string {
  if (!existsSync(file)) return `(no ${file})`;
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves when `test` is true, polling every `everyMs`; false when `timeoutMs` passes first. */
export async function poll(test: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await test()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}
