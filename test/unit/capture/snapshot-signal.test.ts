import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertSignalTopicsExist } from '../../../src/capture/snapshot-signal.js';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import type { SnapshotTarget } from '../../../src/model/snapshot-target.js';

const target = (entity: string, signalTopic: string): SnapshotTarget => ({
  entity,
  topic: `erp.public.${entity}`,
  dataCollection: `public.${entity}`,
  connector: 'erp-postgres',
  prefix: 'erp',
  signalTopic,
  notificationTopic: 'erp-delta.snapshot-notifications',
});

describe('the signal topics of a full compare', () => {
  it('passes when every target signal topic exists', async () => {
    await assertSignalTopicsExist({ listTopics: async () => ['erp-delta.signals', 'other'] }, [target('customers', 'erp-delta.signals'), target('products', 'erp-delta.signals')]);
  });

  it('names the missing topic, its connector and entities, and how to create it', async () => {
    await assert.rejects(
      assertSignalTopicsExist({ listTopics: async () => ['erp.public.customers'] }, [target('customers', 'erp-delta.signals'), target('products', 'erp-delta.signals')]),
      (error: unknown) =>
        isErpDeltaError(error, 'PREREQUISITE_MISSING')
        && error.message.includes('erp-delta.signals')
        && error.message.includes('erp-postgres')
        && error.message.includes('customers, products')
        && (error.hint ?? '').includes('connectors apply'),
    );
  });
});
