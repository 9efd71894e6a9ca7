/**
 * Removes members from a consumer group: Kafka's LeaveGroup request (v3, KIP-345's batch form),
 * sent on a plain socket, since kafkajs 2.2.4 has no admin call for it.
 *
 * Why tests need it: after a `kill -9` the dead member stays in the group until its session times
 * out (kafkajs's default: 30 s), and a restarted instance waits that long in the rebalance before
 * it gets a partition. Evicting the dead member is what an operator's tooling does
 * (`AdminClient.removeMembersFromConsumerGroup`); it changes when the restart proceeds, not what
 * it must do, so the crash-recovery guarantees are tested just the same, ~30 s faster per kill.
 */
import { connect } from 'node:net';

const LEAVE_GROUP_API_KEY = 13;
const LEAVE_GROUP_VERSION = 3;
/** Error codes that mean "this member is not in the group (any more)": the goal is reached. */
const UNKNOWN_MEMBER_ID = 25;

function int16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeInt16BE(value);
  return buffer;
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

function string(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([int16(bytes.length), bytes]);
}

/** One request, one response: the response's body after its correlation id. */
function roundTrip(broker: string, request: Buffer, timeoutMs: number): Promise<Buffer> {
  const separator = broker.lastIndexOf(':');
  const host = broker.slice(0, separator).replace(/^\[|\]$/g, '');
  const port = Number(broker.slice(separator + 1));
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no LeaveGroup response from ${broker} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('connect', () => socket.write(Buffer.concat([int32(request.length), request])));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const received = Buffer.concat(chunks);
      if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
      clearTimeout(timer);
      socket.end();
      resolve(received.subarray(8, 4 + received.readInt32BE(0)));
    });
  });
}

/**
 * Sends LeaveGroup for `memberIds` of `groupId` to `broker`, which must be the group's coordinator
 * (on the single-node test stack it always is). Members already gone count as removed.
 */
export async function leaveGroup(broker: string, groupId: string, memberIds: readonly string[], timeoutMs = 10_000): Promise<void> {
  if (memberIds.length === 0) return;
  const request = Buffer.concat([
    int16(LEAVE_GROUP_API_KEY),
    int16(LEAVE_GROUP_VERSION),
    int32(1), // correlation id
    string('erp-delta-test'),
    string(groupId),
    int32(memberIds.length),
    // member_id, then group_instance_id: null (dynamic members)
    ...memberIds.flatMap((memberId) => [string(memberId), int16(-1)]),
  ]);
  const body = await roundTrip(broker, request, timeoutMs);
  // throttle_time_ms int32, error_code int16, members [member_id string, group_instance_id nullable string, error_code int16]
  let at = 4;
  const errorCode = body.readInt16BE(at);
  at += 2;
  if (errorCode !== 0) throw new Error(`LeaveGroup for group ${groupId} failed with Kafka error code ${errorCode}`);
  const count = body.readInt32BE(at);
  at += 4;
  for (let index = 0; index < count; index += 1) {
    const memberLength = body.readInt16BE(at);
    const memberId = body.subarray(at + 2, at + 2 + memberLength).toString('utf8');
    at += 2 + memberLength;
    const instanceLength = body.readInt16BE(at);
    at += 2 + Math.max(instanceLength, 0);
    const memberError = body.readInt16BE(at);
    at += 2;
    if (memberError !== 0 && memberError !== UNKNOWN_MEMBER_ID) {
      throw new Error(`LeaveGroup for member ${memberId} of group ${groupId} failed with Kafka error code ${memberError}`);
    }
  }
}
