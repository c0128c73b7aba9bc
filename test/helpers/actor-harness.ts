// Run one actor as its host does, on a fake context: the module's default factory with its
// options and instance, then init; the test calls handle/produce/onBarrier/snapshot/restore/close.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ActorContext, Behavior, Outputs, TypedContext, TypedFactory } from '../../src/runtime/actor.js';
import { metricSum } from '../../src/runtime/metrics.js';
import type { Resources } from '../../src/runtime/resources.js';
import { fakeContext } from './fake-context.js';

export const batchInfo = { link: 'test', fromStage: 'upstream', fromPartition: 0 };

/**
 * The factory called as the host calls it, then `init` with a fake context (changed by `adjust`
 * first) whose resource scope is `resources` (a fresh one if not given: what a test put there,
 * or the scope another instance of the same "thread" used).
 */
export async function startActor<Options, In, Out extends Outputs, State>(
  factory: TypedFactory<Options, In, Out, State>,
  options: Options,
  stage: string,
  partition = 0,
  adjust?: (ctx: ActorContext) => ActorContext,
  resources?: Resources,
) {
  const f = fakeContext(stage, partition, resources);
  const ctx = adjust ? adjust(f.ctx) : f.ctx;
  const actor: Behavior<In, Out, State> = await factory(options, { stage, partition });
  // The fake context's emit takes any records: the typed actor's emits are checked at its definition.
  await actor.init?.(ctx as unknown as TypedContext<Out>);
  return { ...f, ctx, actor, metric: async (name: string, ...filters: string[]) => metricSum(await f.ctx.metrics.registry.metrics(), name, ...filters) };
}

/**
 * A sink killed between a barrier and its checkpoint, then restarted: a first instance handles
 * `checkpointed` and passes barrier 1 (whose snapshot is kept, as the runtime saves it), handles
 * `lost` and passes barrier 2, and dies before checkpoint 2 is saved (no close); a second instance
 * on the same options restores checkpoint 1, handles `replay` and closes. The test reads back.
 */
export async function killAndRestart<Options, In, Out extends Outputs, State>(
  factory: TypedFactory<Options, In, Out, State>,
  options: Options,
  stage: string,
  partition: number,
  batches: { checkpointed: In[]; lost: In[]; replay: In[] },
) {
  const first = await startActor(factory, options, stage, partition);
  await first.actor.handle!(batches.checkpointed, batchInfo);
  await first.actor.onBarrier!(1);
  const checkpoint = structuredClone(first.actor.snapshot!());
  await first.actor.handle!(batches.lost, batchInfo);
  await first.actor.onBarrier!(2);
  const second = await startActor(factory, options, stage, partition);
  second.actor.restore!(checkpoint);
  await second.actor.handle!(batches.replay, batchInfo);
  await second.actor.close!();
  return { first, second };
}

/** Runs `body` on a fresh temporary directory, removed afterwards whether it passed or threw. */
export async function inTempDir<T>(prefix: string, body: (dir: string) => Promise<T>): Promise<T> {
  const t = tempDir(prefix);
  try {
    return await body(t.dir);
  } finally {
    t.remove();
  }
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `cashtag-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every file under `root` (none if it does not exist), as paths relative to it, sorted (scratch directories left out). */
export function filesUnder(root: string): string[] {
  const out: string[] = [];
  if (!existsSync(root)) return out;
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) {
        if (e !== '.scratch') walk(p);
      } else out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}
