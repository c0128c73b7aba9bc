// Entry of the serving thread (serving/thread.ts): starts the server with the settings in
// workerData, relays its log lines, and closes it when the parent says so.
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '../../runtime/actor.js';
import { startServer } from './server.js';
import type { FromServer, ThreadServerOptions, ToServer } from './thread.js';

const port = parentPort!;
const post = (m: FromServer) => port.postMessage(m);
const log: Logger = {
  info: (msg, fields) => post({ kind: 'log', level: 'info', msg, fields }),
  warn: (msg, fields) => post({ kind: 'log', level: 'warn', msg, fields }),
  error: (msg, fields) => post({ kind: 'log', level: 'error', msg, fields }),
};

const opts = workerData as ThreadServerOptions;
try {
  const server = await startServer({ ...opts, log });
  port.on('message', (m: ToServer) => {
    if (m.kind !== 'close') return;
    void server.close().then(() => {
      post({ kind: 'closed' });
      port.close();
    });
  });
  post({ kind: 'listening', url: server.url, port: server.port });
} catch (e) {
  post({ kind: 'failed', message: e instanceof Error ? e.message : String(e) });
}
