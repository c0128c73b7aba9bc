// Entry point of an actor-host worker thread: one ActorHost, its own metrics registry and resource
// scope, ports to the main thread (parentPort) and to every other worker host (transferred
// MessagePorts).

import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import client from 'prom-client';
import { systemClock } from './clock.js';
import { ActorHost, type Offloader } from './host.js';
import { setThreadNice } from './thread-priority.js';
import { createMetrics, metricFamilyModules } from './metrics.js';
import { Resources } from './resources.js';
import type { HostCommand, HostEvent, PeerMessage } from './protocol.js';
import { peerMessageTransfer } from './protocol.js';

if (!parentPort) throw new Error('host-worker must run in a worker thread');
const port = parentPort;
// The metric families registered on the main thread, registered here too before the metrics exist.
for (const m of (workerData as { metricModules?: string[] } | null)?.metricModules ?? []) if (!metricFamilyModules().includes(m)) await import(m);
const registry = new client.Registry();
const metrics = createMetrics(registry);
const peers = new Map<number, MessagePort>();
let host: ActorHost | null = null;
/**
 * What this thread's actors share (connections). A thread lives for one launch: it is closed at a
 * shutdown; a failover terminates the thread, and its sockets go with it.
 */
const resources = new Resources();

const toSupervisor = (ev: HostEvent, transfer: ArrayBuffer[] = []) => port.postMessage(ev, transfer);
/** Tasks of this thread's actors run on the supervisor's pool; they wait here for the result. */
const offloaded = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
let nextOffload = 0;
const offloader: Offloader = {
  run: <T, R>(task: T, transfer: ArrayBuffer[] = []) =>
    new Promise<R>((resolve, reject) => {
      const id = ++nextOffload;
      offloaded.set(id, { resolve: resolve as (r: unknown) => void, reject });
      toSupervisor({ t: 'offload', hostId: host?.hostId ?? -1, id, task, transfer }, transfer);
    }),
};
const toPeer = (hostId: number, m: PeerMessage) => {
  const target = hostId === 0 ? port : peers.get(hostId);
  if (!target) throw new Error(`no port to host ${hostId}`);
  target.postMessage(m, peerMessageTransfer(m));
};

function isPeer(m: HostCommand | PeerMessage): m is PeerMessage {
  return m.t === 'deliver' || m.t === 'credit';
}

async function onCommand(cmd: HostCommand): Promise<void> {
  switch (cmd.t) {
    case 'init':
      setThreadNice(cmd.settings.workerNice);
      host = new ActorHost(cmd.hostId, cmd.topology, cmd.placement, cmd.settings, systemClock, metrics, { toSupervisor, toPeer }, cmd.topology.pool ? offloader : null, resources);
      await host.init(cmd.snapshots);
      toSupervisor({ t: 'ready', hostId: cmd.hostId });
      return;
    case 'peer':
      peers.set(cmd.hostId, cmd.port);
      cmd.port.on('message', (m: PeerMessage) => host?.onPeerMessage(m));
      return;
    case 'start':
      host?.start();
      return;
    case 'checkpoint':
      host?.checkpoint(cmd.checkpoint);
      return;
    case 'checkpoint-complete':
      await host?.checkpointComplete(cmd.checkpoint);
      return;
    case 'drain':
      host?.drain();
      return;
    case 'offloaded': {
      const waiter = offloaded.get(cmd.id);
      offloaded.delete(cmd.id);
      if (cmd.error !== undefined) waiter?.reject(new Error(cmd.error));
      else waiter?.resolve(cmd.result);
      return;
    }
    case 'metrics':
      toSupervisor({ t: 'metrics', requestId: cmd.requestId, metrics: await registry.getMetricsAsJSON() });
      return;
    case 'align':
      host?.align(cmd.held);
      return;
    case 'shutdown':
      await resources.closeAll();
      for (const p of peers.values()) p.close();
      port.close();
      return;
    default: {
      const never: never = cmd;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
}

port.on('message', (m: HostCommand | PeerMessage) => {
  if (isPeer(m)) {
    host?.onPeerMessage(m);
    return;
  }
  onCommand(m).catch((e: unknown) => {
    toSupervisor({ t: 'failed', instance: `host-${host?.hostId ?? '?'}`, error: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined });
  });
});
