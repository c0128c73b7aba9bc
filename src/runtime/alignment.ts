// Watermark alignment (Flink's, FLIP-182): a stage that waits for the slowest of its inputs'
// watermarks (windows, a join) holds state for the event-time skew between them, and nothing else
// bounds that skew: a partition whose thread runs faster drifts ahead for as long as it runs. So
// every instance that generates watermarks (parse: its partition's event time) reports them, and
// the sources upstream of one more than `maxDriftMs` ahead of its stage's slowest active instance
// are held (they do not produce) until it catches up. The slowest instance of a stage is never
// held by that stage, so the pipeline always moves; holding a source changes when records are
// read, never which or in what order, so results do not depend on it.

import { instanceId, type TopologySpec } from './topology.js';

/** An instance's report: its newest generated watermark, or idle (it holds no one back). */
export const IDLE_WATERMARK = Number.POSITIVE_INFINITY;

export class WatermarkAlignment {
  /** Stage -> the source stages that feed it through forward edges only (itself, if a source). */
  private readonly upstream = new Map<string, string[]>();
  /** Stage -> instance partition -> newest reported watermark. */
  private readonly marks = new Map<string, Map<number, number>>();
  /** Ended instances: a report still on its way from one is dropped. */
  private readonly gone = new Set<string>();
  /** The held sources last returned, joined (to tell a change). */
  private last = '';

  constructor(
    private readonly topology: TopologySpec,
    private readonly maxDriftMs: number,
  ) {}

  /** Take instances' reports ([instance, ts]); the sources to hold if that changed, else null. */
  report(marks: [string, number][]): string[] | null {
    for (const [instance, ts] of marks) {
      if (this.gone.has(instance)) continue;
      const [stage, p] = split(instance);
      let m = this.marks.get(stage);
      if (!m) this.marks.set(stage, (m = new Map()));
      m.set(p, ts);
    }
    return this.changed();
  }

  /** An ended instance holds no one back; the sources to hold if that changed, else null. */
  ended(instance: string): string[] | null {
    this.gone.add(instance);
    const [stage, p] = split(instance);
    this.marks.get(stage)?.delete(p);
    return this.changed();
  }

  private changed(): string[] | null {
    const held = this.held();
    const key = held.join('\n');
    if (key === this.last) return null;
    this.last = key;
    return held;
  }

  /** The source instances to hold now (sorted). */
  held(): string[] {
    const out = new Set<string>();
    for (const [stage, m] of this.marks) {
      let min = IDLE_WATERMARK;
      for (const ts of m.values()) if (ts < min) min = ts;
      if (min === IDLE_WATERMARK) continue;
      for (const [p, ts] of m) {
        if (ts === IDLE_WATERMARK || ts <= min + this.maxDriftMs) continue;
        for (const source of this.sourcesOf(stage)) out.add(instanceId({ stage: source, partition: p }));
      }
    }
    return [...out].sort();
  }

  private sourcesOf(stage: string): string[] {
    let found = this.upstream.get(stage);
    if (found) return found;
    const byName = new Map(this.topology.stages.map((s) => [s.name, s]));
    const sources = new Set<string>();
    const seen = new Set<string>();
    const walk = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      if (byName.get(name)?.source) sources.add(name);
      for (const e of this.topology.edges) if (e.to === name && e.route.kind === 'forward') walk(e.from);
    };
    walk(stage);
    this.upstream.set(stage, (found = [...sources]));
    return found;
  }
}

function split(instance: string): [string, number] {
  const i = instance.lastIndexOf('/');
  return [instance.slice(0, i), Number(instance.slice(i + 1))];
}
