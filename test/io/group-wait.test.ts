// The consumer group at start-up and after a rebalance, with a stand-in member and a manual
// clock (unit test: the real group is in test/integration/crash-restart.test.ts), and how the
// co-partitioned assigner keeps pipelines with different topics apart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs, { type GroupMember as KafkaMember } from 'kafkajs';
import { bySubscription } from '../../src/io/kafka/co-partitioned-assigner.js';
import { awaitAllTasks, awaitFirstAssignment, partitionWaitMs, sharedGroupMessage, type GroupMember } from '../../src/io/kafka/group-wait.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { quietLogger } from '../helpers/runtime.js';

function fakeMember(initial: number[] | null) {
  let tasks = initial;
  const listeners = new Set<(t: number[]) => void>();
  let assigned!: () => void;
  const member: GroupMember = {
    assignedOnce: new Promise<void>((r) => (assigned = r)),
    ownedTasks: () => tasks,
    onTasksChanged: (l) => (listeners.add(l), () => listeners.delete(l)),
    otherMembers: async () => ['cashtag-speed@/10.0.0.7 (member m-2, holding it-tweets 1)'],
  };
  return {
    member,
    rebalance: (t: number[]) => {
      tasks = t;
      assigned();
      for (const l of [...listeners]) l(t);
    },
  };
}

const options = (clock: ManualClock, log = quietLogger()) => ({ groupId: 'cashtag-speed', partitions: 3, sessionTimeoutMs: 30_000, log, setTimer: (ms: number, fn: () => void) => clock.setTimer(ms, fn) });

test('joining a group that waits for a killed member says why after a few seconds', async () => {
  const clock = new ManualClock(0);
  const log = quietLogger();
  const m = fakeMember(null);
  const joined = awaitFirstAssignment(m.member, async () => undefined, options(clock, log));
  clock.advance(4_000);
  assert.equal(log.lines.length, 0);
  clock.advance(1_000);
  assert.match(log.lines[0]?.msg ?? '', /^joining the Kafka consumer group takes a while: a member that stopped without leaving/);
  assert.deepEqual(log.lines[0].fields, { groupId: 'cashtag-speed', setting: 'KAFKA_GROUP_ID', sessionTimeoutS: 30 });
  m.rebalance([0, 1, 2]);
  await joined;
});

test('part of the partitions: wait, saying why, until the group gives the others', async () => {
  const clock = new ManualClock(0);
  const log = quietLogger();
  const m = fakeMember([0, 2]);
  const all = awaitAllTasks(m.member, { ...options(clock, log), waitMs: partitionWaitMs(30_000) });
  assert.match(log.lines[0].msg, /owns only part of the partitions: waiting/);
  assert.equal(log.lines[0].fields?.waitS, 45);
  clock.advance(29_000);
  m.rebalance([0]);
  m.rebalance([0, 1, 2]); // the dead member's session expired
  await all;
  assert.match(log.lines.at(-1)!.msg, /gave this process every partition/);
  clock.advance(60_000); // the timer was cancelled: nothing rejects later
});

test('partitions a live member keeps: an error naming the group, KAFKA_GROUP_ID, the member and what to do', async () => {
  const clock = new ManualClock(0);
  const m = fakeMember([0, 2]);
  const all = awaitAllTasks(m.member, { ...options(clock), waitMs: 45_000 });
  clock.advance(45_000);
  await assert.rejects(all, (e: unknown) => {
    const msg = e instanceof Error ? e.message : '';
    assert.match(msg, /^this process owns 2 of the 3 partitions after waiting 45 s: another live member of consumer group cashtag-speed \(KAFKA_GROUP_ID\) holds the others: cashtag-speed@\/10\.0\.0\.7 \(member m-2, holding it-tweets 1\)\./);
    assert.match(msg, /Stop the other process, or give this one its own KAFKA_GROUP_ID \(or KAFKA_TOPIC_PREFIX/);
    return true;
  });
  assert.equal(await awaitAllTasks(fakeMember([0, 1, 2]).member, { ...options(clock), waitMs: 1 }), undefined, 'every partition: no wait');
  assert.match(sharedGroupMessage('g', [], 3, [], 1_000), /holds the others\. With ANALYTICS_SHUFFLE=local/);
});

const member = (memberId: string, topics: string[]): KafkaMember => ({ memberId, memberMetadata: kafkajs.AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) });

test('assignment: members with disjoint topics (other prefixes) are dealt apart; overlapping ones together', () => {
  const groups = bySubscription([member('a1', ['a-tweets', 'a-stock-prices']), member('b1', ['b-tweets', 'b-stock-prices']), member('a2', ['a-stock-prices', 'a-tweets'])], []);
  assert.deepEqual([...groups].map(([topics, ids]) => [topics, ids.sort()]), [
    [['b-stock-prices', 'b-tweets'], ['b1']],
    [['a-stock-prices', 'a-tweets'], ['a1', 'a2']],
  ]);
  const mixed = bySubscription([member('x', ['t', 'p']), member('y', ['t', 'p', 'shuffle'])], []);
  assert.deepEqual([...mixed].map(([topics, ids]) => [topics, ids.sort()]), [[['p', 'shuffle', 't'], ['x', 'y']]], 'a shared topic keeps members in one group');
});
