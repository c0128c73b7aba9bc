// Kafka input: provision the topics, join the consumer group before the first launch, and follow
// it (a rebalance relaunches the pipeline with the tasks now owned). With task checkpoints, the
// offsets a task's snapshots hold are what the group commits for it.

import type { Config } from '../config.js';
import type { KafkaSourceState } from '../actors/kafka-source/protocol.js';
import type { ShuffleSourceState } from '../actors/shuffle-source/protocol.js';
import { PRICES_TOPIC, TWEETS_TOPIC } from '../domain/records.js';
import { TaskCheckpointStore, type CheckpointHistory, type TaskOffsets } from '../io/checkpoints/task-checkpoints.js';
import { createKafka, SHUFFLE_TOPIC, topicNames } from '../io/kafka/client.js';
import { consumerHub, type ConsumerHub } from '../io/kafka/consumer-hub.js';
import { awaitAllTasks, awaitFirstAssignment, partitionWaitMs, type GroupWaitOptions } from '../io/kafka/group-wait.js';
import { provisionTopics } from '../io/kafka/provision.js';
import type { Logger } from '../runtime/actor.js';
import type { CheckpointStore } from '../runtime/checkpoints.js';
import type { Clock } from '../runtime/clock.js';
import { decodeSnapshot } from '../runtime/codec.js';
import type { RuntimeMetrics } from '../runtime/metrics.js';
import type { Resources } from '../runtime/resources.js';
import type { Supervisor } from '../runtime/supervisor.js';
import { hubSettings, PIPELINE, shufflesThroughKafka, type Input } from './settings.js';

/** The source offsets in task p's snapshots: its Kafka source's and its repartition reader's. */
function taskOffsets(snapshots: Record<string, Uint8Array>, p: number): TaskOffsets {
  const out: TaskOffsets = {};
  const source = snapshots[`source/${p}`];
  if (source) {
    const s = decodeSnapshot(source) as KafkaSourceState;
    if (s.tweets !== null) out[TWEETS_TOPIC] = s.tweets;
    if (s.prices !== null) out[PRICES_TOPIC] = s.prices;
  }
  const shuffle = snapshots[`shuffle-source/${p}`];
  if (shuffle) {
    const s = decodeSnapshot(shuffle) as ShuffleSourceState;
    if (s.next !== null) out[SHUFFLE_TOPIC] = s.next;
  }
  return out;
}

export interface KafkaGroup {
  hub: ConsumerHub;
  input: Extract<Input, { kind: 'kafka' }>;
  /** Tasks share no state unless windows and join are fed between this process's threads. */
  tasksMode: boolean;
  groupWait: GroupWaitOptions;
  checkpoints: CheckpointStore;
  /**
   * Records each partition of the input topics held when the group was joined: what a backlog
   * drain has to read per partition, and a proxy for a live topic's rate per partition (topics
   * keyed by symbol are skewed). The supervisor spreads partitions over its threads by it.
   */
  weights: number[];
}

/** Provision the topics and join the consumer group before the first launch, so it restores the tasks it was given. */
export async function joinConsumerGroup(cfg: Config, main: { log: Logger; clock: Clock; metrics: RuntimeMetrics; resources: Resources }, history: CheckpointHistory): Promise<KafkaGroup> {
  const { log, clock, metrics, resources } = main;
  const names = topicNames(cfg.kafkaTopicPrefix);
  const counts = await provisionTopics(createKafka({ brokers: cfg.kafkaBrokers, clientId: 'cashtag-admin' }, log), cfg.kafkaBrokers, { partitions: cfg.kafkaPartitions, replicationFactor: cfg.kafkaReplicationFactor, retentionMs: cfg.kafkaRetentionHours * 3_600_000 }, log, names);
  let input: KafkaGroup['input'] = { kind: 'kafka', partitions: counts.get(names.tweets) ?? cfg.kafkaPartitions };
  // The main thread's Kafka sources read through this same hub (same scope, same settings).
  const hub = await consumerHub(resources, hubSettings(cfg, shufflesThroughKafka(cfg, input)), log, clock, metrics);
  const tasksMode = !cfg.analytics || shufflesThroughKafka(cfg, input);
  const groupWait: GroupWaitOptions = { groupId: cfg.kafkaGroupId, partitions: input.partitions, sessionTimeoutMs: cfg.kafkaSessionTimeout * 1000, log, setTimer: (ms, fn) => clock.setTimer(ms, fn) };
  await awaitFirstAssignment(hub, () => hub.start(), groupWait);
  // Without tasks this process needs every partition: after a kill -9 the dead member holds
  // some until its session times out; wait for them (bounded) instead of exiting.
  if (!tasksMode) await awaitAllTasks(hub, { ...groupWait, waitMs: partitionWaitMs(groupWait.sessionTimeoutMs) });
  if (cfg.untilDrained) {
    // The end of the backlog is where the partitions end now: what arrives while it drains is
    // left for the next run.
    const ends = await hub.endOffsets([TWEETS_TOPIC, PRICES_TOPIC]);
    const endOffsets = { tweets: ends.get(TWEETS_TOPIC) ?? [], prices: ends.get(PRICES_TOPIC) ?? [] };
    input = { ...input, endOffsets };
    log.info('reading until the end offsets seen at start-up', endOffsets);
  }
  const sizes = await hub.partitionSizes([TWEETS_TOPIC, PRICES_TOPIC]);
  const weights = Array.from({ length: input.partitions }, (_, p) => (sizes.get(TWEETS_TOPIC)?.[p] ?? 0) + (sizes.get(PRICES_TOPIC)?.[p] ?? 0));
  const checkpoints = tasksMode ? new TaskCheckpointStore(history, input.partitions, { owned: () => hub.ownedTasks() ?? [], committed: (t) => hub.committed(t) }, taskOffsets, log) : history;
  return { hub, input, tasksMode, groupWait, checkpoints, weights };
}

/**
 * Follow the consumer group. A rebalance that moves tasks to or from this process: relaunch and
 * restore the tasks now owned (tasks mode). Without tasks (windows fed between threads need every
 * one), partitions a newcomer took are waited for, longer than the newcomer waits, so it gives up
 * first; when they are back the pipeline restarts from its last checkpoint, else it stops with the
 * reason. Returns what to call once the supervisor has started.
 */
export function followTasks(group: KafkaGroup, supervisor: Supervisor, metrics: RuntimeMetrics, launched: () => number[]): () => void {
  const { hub, input, tasksMode, groupWait } = group;
  let started = false;
  let regaining = false;
  const regainTasks = () => {
    if (regaining) return;
    regaining = true;
    awaitAllTasks(hub, { ...groupWait, waitMs: 2 * partitionWaitMs(groupWait.sessionTimeoutMs) })
      .then(
        () => supervisor.relaunch('the consumer group gave this process every partition again'),
        (e: unknown) => supervisor.abort('consumer-group', e instanceof Error ? e.message : String(e)),
      )
      .finally(() => (regaining = false));
  };
  const onTasks = (tasks: readonly number[]) => {
    metrics.ownedTasks.set({ pipeline: PIPELINE }, tasks.length);
    if (!started) return;
    if (!tasksMode && tasks.length < input.partitions) regainTasks();
    else if (tasksMode && tasks.join() !== launched().join()) supervisor.relaunch(`owned tasks changed from [${launched().join()}] to [${tasks.join()}]`);
  };
  hub.onTasksChanged(onTasks);
  metrics.ownedTasks.set({ pipeline: PIPELINE }, (hub.ownedTasks() ?? []).length);
  return () => {
    started = true;
    onTasks(hub.ownedTasks() ?? []); // a rebalance during the first launch
  };
}

