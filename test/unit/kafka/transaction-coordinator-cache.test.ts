import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheTransactionCoordinators, type CoordinatorLookup, type KafkaBroker } from '../../../src/kafka/transaction-coordinator-cache.js';

/** The lookup logic on its own: a cluster whose lookups are counted, brokers whose requests fail on demand. */
class CountingCluster implements CoordinatorLookup {
  lookups = 0;
  coordinator = 1;
  failure: { type?: string; name?: string } | undefined;
  readonly brokers = new Map<number, KafkaBroker & { endTxn(): Promise<string> }>();

  async findGroupCoordinator(_params: { groupId: string; coordinatorType?: number }): Promise<KafkaBroker> {
    this.lookups += 1;
    return this.findBroker({ nodeId: this.coordinator });
  }

  async findBroker({ nodeId }: { nodeId: number }): Promise<KafkaBroker> {
    let broker = this.brokers.get(nodeId);
    if (!broker) {
      const cluster = this;
      broker = { nodeId, async endTxn() { if (cluster.failure) throw Object.assign(new Error('failed'), cluster.failure); return `ended by ${nodeId}`; } };
      this.brokers.set(nodeId, broker);
    }
    return broker;
  }
}

function cachedCluster(): CountingCluster {
  class Cached extends CountingCluster {}
  cacheTransactionCoordinators(Cached.prototype);
  return new Cached();
}

const TRANSACTION = { groupId: 'erp-delta-customers-0', coordinatorType: 1 };

async function endTxn(cluster: CountingCluster): Promise<string> {
  return ((await cluster.findGroupCoordinator(TRANSACTION)) as KafkaBroker & { endTxn(): Promise<string> }).endTxn();
}

describe('transaction coordinator cache', () => {
  it('looks a transactional id\'s coordinator up once, and group coordinators every time', async () => {
    const cluster = cachedCluster();
    for (let index = 0; index < 5; index += 1) assert.equal(await endTxn(cluster), 'ended by 1');
    assert.equal(cluster.lookups, 1);
    await cluster.findGroupCoordinator({ groupId: 'erp-delta', coordinatorType: 0 });
    await cluster.findGroupCoordinator({ groupId: 'erp-delta' });
    assert.equal(cluster.lookups, 3);
  });

  it('forgets the coordinator when a request to it fails, and finds the one that took over', async () => {
    const cluster = cachedCluster();
    await endTxn(cluster);
    cluster.coordinator = 2;
    cluster.failure = { type: 'NOT_COORDINATOR' };
    await assert.rejects(endTxn(cluster), /failed/);
    cluster.failure = undefined;
    assert.equal(await endTxn(cluster), 'ended by 2');
    assert.equal(cluster.lookups, 2);

    cluster.coordinator = 3;
    cluster.failure = { name: 'KafkaJSConnectionError' };
    await assert.rejects(endTxn(cluster));
    cluster.failure = undefined;
    assert.equal(await endTxn(cluster), 'ended by 3');
  });

  it('keeps it through CONCURRENT_TRANSACTIONS, which every next transaction may meet', async () => {
    const cluster = cachedCluster();
    await endTxn(cluster);
    cluster.failure = { type: 'CONCURRENT_TRANSACTIONS' };
    await assert.rejects(endTxn(cluster));
    cluster.failure = undefined;
    await endTxn(cluster);
    assert.equal(cluster.lookups, 1);
  });
});
