// The query API on its own worker thread. In `cashtag run` the main thread also supervises the
// pipeline and dispatches sentiment batches; a request waiting behind a 20 ms batch would show in
// the API's p99. On its own thread the server has its own event loop, its own store handle (LMDB
// shares the environment between the threads of a process) and its own lake client.
//
// Messages (one union each way): the parent sends `close`; the worker answers `listening`
// (or `failed`), relays its log lines as `log`, and posts `closed` before it exits.
import { Worker } from 'node:worker_threads';
import type { LakeSettings } from '../../io/lake/open.js';
import type { StoreSettings } from '../../io/store/open.js';
import type { Logger } from '../../runtime/actor.js';
import type { HttpSettings } from './guards.js';

export interface ThreadServerOptions {
  store: StoreSettings;
  lake: LakeSettings;
  port: number;
  host?: string;
  dashboardMinutes?: number;
  liveIntervalMs?: number;
  cacheMs?: number;
  http?: Partial<HttpSettings>;
}

export type ToServer = { kind: 'close' };
export type FromServer =
  | { kind: 'listening'; url: string; port: number }
  | { kind: 'failed'; message: string }
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; msg: string; fields?: Record<string, unknown> }
  | { kind: 'closed' };

export interface ThreadServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const WORKER = new URL('./worker.js', import.meta.url);

export function startServerThread(opts: ThreadServerOptions, log: Logger): Promise<ThreadServer> {
  const worker = new Worker(WORKER, { workerData: opts, name: 'cashtag-serve' });
  let closed: Promise<void> | null = null;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return new Promise<ThreadServer>((resolve, reject) => {
    worker.on('error', (e) => reject(e));
    worker.on('message', (m: FromServer) => {
      switch (m.kind) {
        case 'listening':
          resolve({
            url: m.url,
            port: m.port,
            close: () =>
              (closed ??= (async () => {
                worker.postMessage({ kind: 'close' } satisfies ToServer);
                await exited;
              })()),
          });
          break;
        case 'failed':
          reject(new Error(m.message));
          void worker.terminate();
          break;
        case 'log':
          log[m.level](m.msg, m.fields);
          break;
        case 'closed':
          break;
        default: {
          const never: never = m;
          throw new Error(`serving thread: unexpected message ${JSON.stringify(never)}`);
        }
      }
    });
  });
}
