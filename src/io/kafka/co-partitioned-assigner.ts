// Partition assignment for the speed layer's consumer group. A task is one partition number p:
// the instances `*/p` of every stage, fed by partition p of every subscribed topic (`tweets`,
// `stock-prices` and the repartition topic are co-partitioned). So a member must own partition
// p of all of them or of none: tasks are dealt round-robin over the members sorted by id, the
// way Kafka Streams keeps co-partitioned topics together. (kafkajs's round-robin assigner deals
// topic-partitions, which can split a task between two members.)

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

export const coPartitionedAssigner = ({ cluster }: { cluster: Cluster }): Assigner => ({
  name: CO_PARTITIONED,
  version: 0,
  async assign({ members, topics }: { members: GroupMember[]; topics: string[] }): Promise<GroupMemberAssignment[]> {
    const partitions = new Map(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).map((m) => m.partitionId)]));
    const tasks = Math.max(0, ...[...partitions.values()].map((ps) => ps.length));
    const dealt = dealTasks(members.map((m) => m.memberId), tasks);
    return [...dealt].map(([memberId, mine]) => {
      const assignment: Record<string, number[]> = {};
      for (const [topic, ps] of partitions) {
        const owned = ps.filter((p) => mine.includes(p));
        if (owned.length > 0) assignment[topic] = owned;
      }
      return { memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) }) };
    });
  },
  protocol({ topics }: { topics: string[] }) {
    return { name: CO_PARTITIONED, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
  },
});
