// Actor-host worker threads as the supervisor starts them: one thread, the promise of its
// readiness after `init`, and a MessageChannel between every two of them (peer to peer mail).

import { MessageChannel, Worker } from 'node:worker_threads';
import { metricFamilyModules } from './metrics.js';
import type { HostEvent, PeerMessage } from './protocol.js';

/** Start actor-host thread `host-<h>` (young generation in MB; 0: V8's default). It waits for `init`. */
export function spawnHostThread(youngGenerationMb: number): Worker {
  // The worker creates its metrics with the families registered here (runtime/metrics.ts).
  return new Worker(new URL('./host-worker.js', import.meta.url), {
    workerData: { metricModules: metricFamilyModules() },
    ...(youngGenerationMb > 0 ? { resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb } } : {}),
  });
}

/** Settles when thread `host-<h>` reports its instances ready, or fails to start them. */
export function threadReady(w: Worker, h: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    w.on('message', (m: HostEvent | PeerMessage) => {
      if (m.t === 'ready') resolve();
      if (m.t === 'failed') reject(new Error(`thread host-${h} failed during start: ${m.error}`));
    });
    w.once('error', reject);
  });
}

/** A channel between every two threads, each end given to one of them. */
export function connectPeers(workers: Map<number, Worker>): void {
  const ids = [...workers.keys()];
  for (const [i, a] of ids.entries()) {
    for (const b of ids.slice(i + 1)) {
      const { port1, port2 } = new MessageChannel();
      workers.get(a)!.postMessage({ t: 'peer', hostId: b, port: port1 }, [port1]);
      workers.get(b)!.postMessage({ t: 'peer', hostId: a, port: port2 }, [port2]);
    }
  }
}
