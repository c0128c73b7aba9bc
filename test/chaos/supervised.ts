// A `cashtag run` kept running the way a process manager (systemd, Kubernetes) would: an exit
// nobody asked for is recorded and the process started again after a pause; a process that has
// logged "pipeline failed" but is still alive HANG_GRACE_MS later is killed as a liveness probe
// would, counted as hung, and started again. The harness counts both: a pipeline that needed
// either did not ride out the fault by itself.
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { kill9, poll, startCli, tail, type Child, type Exit } from './processes.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
export const RESTART_PAUSE_MS = 5_000;
export const HANG_GRACE_MS = 30_000;
const FAILED = /"msg":"pipeline failed"/g;

export class SupervisedPipeline {
  private child: Child | null = null;
  private stopping = false;
  private asked = new Set<Child>();
  private restartTimer: NodeJS.Timeout | null = null;
  /** Each exit nobody asked for, with the process's last `cashtag: ...` line (its error). */
  readonly unexpectedExits: { exit: Exit; reason: string }[] = [];
  /** Processes killed because they stayed alive after logging that the pipeline failed. */
  hangs = 0;
  starts = 0;
  private failuresSeen = 0;
  private failedSince: number | null = null;
  private readonly watchdog = setInterval(() => this.checkHung(), 2_000).unref();

  constructor(
    private readonly env: Record<string, string>,
    readonly logFile: string,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    const c = startCli(['run'], this.logFile, this.env);
    this.child = c;
    this.starts++;
    this.failedSince = null;
    void c.exited.then((exit) => {
      if (this.asked.has(c) || this.stopping) return;
      const said = readFileSync(this.logFile, 'utf8').split('\n').filter((l) => l.startsWith('cashtag: ')).at(-1);
      this.unexpectedExits.push({ exit, reason: said?.slice('cashtag: '.length) ?? tail(this.logFile, 1) });
      this.log(`    cashtag exited unasked (${exit.code ?? exit.signal}); restarting in ${RESTART_PAUSE_MS / 1000} s`);
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        if (!this.stopping) this.start();
      }, RESTART_PAUSE_MS);
    });
  }

  private checkHung(): void {
    const c = this.child;
    if (!c || c.done() || this.stopping) return;
    const failures = (readFileSync(this.logFile, 'utf8').match(FAILED) ?? []).length;
    if (failures > this.failuresSeen) {
      this.failuresSeen = failures;
      this.failedSince = Date.now();
    } else if (this.failedSince !== null && Date.now() - this.failedSince > HANG_GRACE_MS) {
      this.failedSince = null;
      this.hangs++;
      this.log(`    cashtag logged "pipeline failed" but is still running ${HANG_GRACE_MS / 1000} s later: SIGKILL (as a liveness probe would)`);
      void kill9(c);
    }
  }

  /** Whether the current process has printed its start-up banner (its sinks and sources are up). */
  async waitRunning(timeoutMs: number): Promise<boolean> {
    const banners = () => (readFileSync(this.logFile, 'utf8').match(/cashtag speed layer running/g) ?? []).length;
    return poll(() => banners() >= 1, timeoutMs);
  }

  /** The injected fault: SIGKILL, then a start at once. */
  async kill9AndRestart(): Promise<void> {
    const c = this.child;
    if (c) {
      this.asked.add(c);
      await kill9(c);
    }
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.start();
  }

  /** SIGTERM (a clean stop: sinks drained, last checkpoint taken); SIGKILL after `graceMs`. */
  async stop(graceMs = 120_000): Promise<Exit | null> {
    this.stopping = true;
    clearInterval(this.watchdog);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const c = this.child;
    if (!c || c.done()) return null;
    this.asked.add(c);
    c.proc.kill('SIGTERM');
    const exit = await Promise.race([c.exited, new Promise<null>((r) => setTimeout(() => r(null), graceMs).unref())]);
    return exit ?? kill9(c);
  }
}

/** `deploy/local/stack.sh <args>` with the caller's environment (STACK_DIR and the ports). */
export function stackSh(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(`${ROOT}deploy/local/stack.sh`, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`deploy/local/stack.sh ${args.join(' ')} exited with ${code}:\n${out.trim().split('\n').slice(-20).join('\n')}`))));
  });
}
