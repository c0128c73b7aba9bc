// Waiting for the consumer group, at start-up and after a rebalance, for a speed layer that needs
// every partition in one process (ANALYTICS_SHUFFLE=local).
//
// A process killed with kill -9 does not leave its group: the coordinator keeps it as a member
// until its session times out (KAFKA_SESSION_TIMEOUT). A restart within that time first waits to
// join (the coordinator waits for the dead member to rejoin), and may be given only part of the
// partitions if a rebalance completes with a member that then goes away. Neither is a reason to
// exit: we wait, bounded, saying why, for the partitions to come to this process, and fail only
// when they do not, naming the group (KAFKA_GROUP_ID), the members holding them, and what to do.

import type { Logger } from '../../runtime/actor.js';

/** What the wait needs of the consumer group member (ConsumerHub). */
export interface GroupMember {
  readonly assignedOnce: Promise<void>;
  ownedTasks(): number[] | null;
  onTasksChanged(listener: (tasks: number[]) => void): () => void;
  /** The group's other members, described for a person (client, host, what they hold). */
  otherMembers(): Promise<string[]>;
}

export interface GroupWaitOptions {
  groupId: string;
  partitions: number;
  sessionTimeoutMs: number;
  log: Logger;
  /** Run `fn` after `ms`; returns a cancel function (the injected clock). */
  setTimer: (ms: number, fn: () => void) => () => void;
}

/** How long a process waits for partitions a member of its group holds: a dead member's session, plus a margin. */
export const partitionWaitMs = (sessionTimeoutMs: number): number => sessionTimeoutMs + 15_000;

/** Join (`join`: connect and run the consumer, which waits for the group) and resolve at the first assignment; says why when it takes longer than a few seconds. */
export async function awaitFirstAssignment(hub: GroupMember, join: () => Promise<void>, o: GroupWaitOptions): Promise<void> {
  const cancel = o.setTimer(5_000, () =>
    o.log.info('joining the Kafka consumer group takes a while: a member that stopped without leaving (e.g. killed with kill -9) is kept until its session times out, and the group waits for it', {
      groupId: o.groupId,
      setting: 'KAFKA_GROUP_ID',
      sessionTimeoutS: o.sessionTimeoutMs / 1000,
    }),
  );
  try {
    await join();
    await hub.assignedOnce;
  } finally {
    cancel();
  }
}

/**
 * Resolves once this member owns all `partitions` tasks; rejects after `waitMs` with an error
 * naming the group, its other members and what to do.
 */
export function awaitAllTasks(hub: GroupMember, o: GroupWaitOptions & { waitMs: number }): Promise<void> {
  const has = () => (hub.ownedTasks() ?? []).length >= o.partitions;
  if (has()) return Promise.resolve();
  o.log.warn('this process owns only part of the partitions: waiting for the consumer group to give it the others (a member killed without leaving holds them until its session times out)', {
    groupId: o.groupId,
    setting: 'KAFKA_GROUP_ID',
    owned: hub.ownedTasks(),
    partitions: o.partitions,
    waitS: Math.round(o.waitMs / 1000),
  });
  return new Promise<void>((resolve, reject) => {
    let stopTimer = () => {};
    const stopListening = hub.onTasksChanged(() => {
      if (!has()) return;
      stopListening();
      stopTimer();
      o.log.info('the consumer group gave this process every partition', { groupId: o.groupId, partitions: o.partitions });
      resolve();
    });
    stopTimer = o.setTimer(o.waitMs, () => {
      stopListening();
      const owned = hub.ownedTasks() ?? [];
      void hub
        .otherMembers()
        .catch((e: unknown) => [`(could not list them: ${e instanceof Error ? e.message : String(e)})`])
        .then((others) => reject(new Error(sharedGroupMessage(o.groupId, owned, o.partitions, others, o.waitMs))));
    });
  });
}

/** The error when another live member keeps partitions this process needs. Pure. */
export function sharedGroupMessage(groupId: string, owned: readonly number[], partitions: number, others: readonly string[], waitedMs: number): string {
  const who = others.length ? `: ${others.join('; ')}` : '';
  return (
    `this process owns ${owned.length} of the ${partitions} partitions after waiting ${Math.round(waitedMs / 1000)} s: another live member of consumer group ${groupId} (KAFKA_GROUP_ID) holds the others${who}. ` +
    'With ANALYTICS_SHUFFLE=local the windows and the join need every partition in one process. Stop the other process, or give this one its own KAFKA_GROUP_ID ' +
    '(or KAFKA_TOPIC_PREFIX, which also prefixes the default group id), or run every replica with ANALYTICS_SHUFFLE=kafka'
  );
}
