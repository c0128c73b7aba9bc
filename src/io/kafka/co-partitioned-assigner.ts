// Partition assignment for the speed layer's consumer group. A task is one partition number p:
// the instances `*/p` of every stage, fed by partition p of every subscribed topic (`tweets`,
// `stock-prices` and the repartition topic are co-partitioned). So a member must own partition
// p of all of them or of none: tasks are dealt round-robin over the members sorted by id, the
// way Kafka Streams keeps co-partitioned topics together. (kafkajs's round-robin assigner deals
// topic-partitions, which can split a task between two members.)
//
// Members whose subscriptions have no topic in common (two pipelines with different
// KAFKA_TOPIC_PREFIX given the same KAFKA_GROUP_ID) do not share tasks: the tasks of each set of
// topics are dealt over the members subscribing to it, so neither takes partitions from the other.

import kafkajs, { type Assigner, type Cluster, type GroupMember, type GroupMemberAssignment } from 'kafkajs';

const { AssignerProtocol } = kafkajs;
export const CO_PARTITIONED = 'CashtagCoPartitioned';

/** Tasks 0..tasks-1 dealt over the members: member id -> its task numbers. Pure. */
export function dealTasks(memberIds: readonly string[], tasks: number): Map<string, number[]> {
  const sorted = [...memberIds].sort();
  const out = new Map<string, number[]>(sorted.map((m) => [m, []]));
  for (let p = 0; p < tasks; p++) out.get(sorted[p % sorted.length])!.push(p);
  return out;
}

/**
 * Member ids grouped by the topics they subscribe to: members whose subscriptions share a topic
 * are one group (its topics: the union), members with disjoint subscriptions are separate groups.
 * A member without metadata counts as subscribing to `all`. Pure.
 */
export function bySubscription(members: readonly GroupMember[], all: readonly string[]): Map<string[], string[]> {
  let groups: { topics: Set<string>; ids: string[] }[] = [];
  for (const m of members) {
    const mine = { topics: new Set(AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? all), ids: [m.memberId] };
    const [overlapping, apart] = [groups.filter((g) => [...g.topics].some((t) => mine.topics.has(t))), groups.filter((g) => ![...g.topics].some((t) => mine.topics.has(t)))];
    for (const g of overlapping) {
      g.topics.forEach((t) => mine.topics.add(t));
      mine.ids.push(...g.ids);
    }
    groups = [...apart, mine];
  }
  return new Map(groups.map((g) => [[...g.topics].sort(), g.ids]));
}

export const coPartitionedAssigner = ({ cluster }: { cluster: Cluster }): Assigner => ({
  name: CO_PARTITIONED,
  version: 0,
  async assign({ members, topics }: { members: GroupMember[]; topics: string[] }): Promise<GroupMemberAssignment[]> {
    const partitions = new Map(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).map((m) => m.partitionId)]));
    const out: GroupMemberAssignment[] = [];
    for (const [subscription, ids] of bySubscription(members, topics)) {
      const mineTopics = subscription.filter((t) => partitions.has(t));
      const tasks = Math.max(0, ...mineTopics.map((t) => partitions.get(t)!.length));
      for (const [memberId, mine] of dealTasks(ids, tasks)) {
        const assignment: Record<string, number[]> = {};
        for (const topic of mineTopics) {
          const owned = partitions.get(topic)!.filter((p) => mine.includes(p));
          if (owned.length > 0) assignment[topic] = owned;
        }
        out.push({ memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) }) });
      }
    }
    return out;
  },
  protocol({ topics }: { topics: string[] }) {
    return { name: CO_PARTITIONED, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
  },
});
