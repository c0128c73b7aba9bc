// A fake ActorContext for unit tests of actors: a manual clock, a private metrics registry, a
// resource scope (a test puts its fakes there, or shares one scope between two instances, as a
// thread does), and emitted batches and watermarks recorded per output.
import client from 'prom-client';
import type { ActorContext } from '../../src/runtime/actor.js';
import { ManualClock } from '../../src/runtime/clock.js';
import '../../src/pipelines/metric-families.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import { Resources } from '../../src/runtime/resources.js';
import { quietLogger } from './runtime.js';

export function fakeContext(stage = 'test', partition = 0, resources = new Resources()) {
  const emitted = new Map<string, unknown[]>();
  const watermarks: number[] = [];
  let idles = 0;
  const clock = new ManualClock(Date.UTC(2025, 11, 18, 14, 0, 0));
  const log = quietLogger();
  const ctx: ActorContext = {
    self: { stage, partition },
    parallelism: 1,
    clock,
    metrics: createMetrics(new client.Registry()),
    log,
    resources,
    emit: async (records, opts) => {
      const out = opts?.output ?? 'out';
      emitted.set(out, [...(emitted.get(out) ?? []), ...records]);
    },
    emitWatermark: async (ts) => {
      watermarks.push(ts);
    },
    emitIdle: async () => {
      idles++;
    },
    offload: () => Promise.reject(new Error('no pool in unit tests')),
    schedule: (ms, fn) => clock.setTimer(ms, fn),
  };
  return { ctx, emitted, watermarks, clock, log, resources, idles: () => idles, out: <T>(name = 'out') => (emitted.get(name) ?? []) as T[] };
}
