/**
 * kafkajs asks the cluster which broker coordinates a producer's transactions before each of the
 * transaction's requests (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn): three FindCoordinator
 * round trips per transaction, each as slow as the request it precedes. Measured on the bench:
 * per task, 669 FindCoordinator requests for 167 transactions, 2.6-3.0 s of its 7-8 s of
 * producer round trips. The coordinator of a transactional id moves only when brokers do.
 *
 * So the transaction coordinator's node is remembered per cluster and transactional id, and
 * forgotten as soon as a request to it fails (NOT_COORDINATOR, a broker gone, anything but the
 * CONCURRENT_TRANSACTIONS every transaction meets): kafkajs's own retries then look it up again,
 * as they did before. Group coordinators (consumer groups, offset commits) are looked up as
 * kafkajs always did.
 */

/** What of kafkajs's Cluster this needs (kafkajs/src/cluster/index.js). */
export interface CoordinatorLookup {
  findGroupCoordinator(params: { groupId: string; coordinatorType?: number }): Promise<KafkaBroker>;
  findBroker(params: { nodeId: number }): Promise<KafkaBroker>;
}

/** A kafkajs Broker: its node id, and request methods that return promises. */
export interface KafkaBroker {
  nodeId: number;
}

/** kafkajs/src/protocol/coordinatorTypes.js */
const TRANSACTION_COORDINATOR = 1;

/**
 * The one failure that says nothing about the coordinator: the next transaction's first request
 * meets it as a matter of course while the broker writes the last one's markers.
 */
const CONCURRENT_TRANSACTIONS = 'CONCURRENT_TRANSACTIONS';

/** Whether the remembered coordinator may be the wrong one after this failure: any but CONCURRENT_TRANSACTIONS. */
function mayBeStaleCoordinator(error: unknown): boolean {
  return (error as { type?: unknown } | null)?.type !== CONCURRENT_TRANSACTIONS;
}

export function cacheTransactionCoordinators(clusterPrototype: CoordinatorLookup): void {
  const lookUp = clusterPrototype.findGroupCoordinator;
  const known = new WeakMap<CoordinatorLookup, Map<string, number>>();
  clusterPrototype.findGroupCoordinator = async function findGroupCoordinator(this: CoordinatorLookup, params) {
    if (params.coordinatorType !== TRANSACTION_COORDINATOR) return lookUp.call(this, params);
    let nodes = known.get(this);
    if (!nodes) {
      nodes = new Map();
      known.set(this, nodes);
    }
    const forget = (): void => { nodes.delete(params.groupId); };
    const nodeId = nodes.get(params.groupId);
    let broker = nodeId === undefined ? undefined : await this.findBroker({ nodeId }).catch(() => undefined);
    if (!broker) {
      forget();
      broker = await lookUp.call(this, params);
      nodes.set(params.groupId, broker.nodeId);
    }
    return forgettingOnFailure(broker, forget);
  };
}

/**
 * The broker, whose failed requests (but CONCURRENT_TRANSACTIONS) also forget it as the coordinator.
 * A view of the broker, not a copy: properties and the requests' `this` are the broker's own.
 */
function forgettingOnFailure<T extends object>(broker: T, forget: () => void): T {
  const forgetIfStale = (error: unknown): void => {
    if (mayBeStaleCoordinator(error)) forget();
  };
  return new Proxy(broker, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        try {
          const result: unknown = value.apply(target, args);
          if (result instanceof Promise) return result.catch((error: unknown) => { forgetIfStale(error); throw error; });
          return result;
        } catch (error) {
          forgetIfStale(error);
          throw error;
        }
      };
    },
  });
}
