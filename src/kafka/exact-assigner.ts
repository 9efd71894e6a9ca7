import kafkajs, { type PartitionAssigner } from 'kafkajs';

// kafkajs is CommonJS: its protocol helpers are reachable through the default export only.
const { AssignerProtocol } = kafkajs;

/**
 * Assigns exactly the given partitions to the first member of a group of one. kafkajs 2.2.4 has no
 * manual partition assignment (`assign`), so reading chosen partitions (a changelog partition, a
 * whole global table) takes a group of its own with this assigner.
 */
export function exactAssigner(wanted: Readonly<Record<string, number[]>>): PartitionAssigner {
  return () => ({
    name: 'ErpDeltaExactAssigner',
    version: 1,
    async assign({ members }) {
      return members.map((member, index) => ({
        memberId: member.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: index === 0 ? { ...wanted } : {}, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: 'ErpDeltaExactAssigner', metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) };
    },
  });
}
