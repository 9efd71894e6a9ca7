import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { logLevel } from 'kafkajs';
import { ErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { kafkajsLogSeverity } from '../../../src/kafka/kafkajs-log-severity.js';

const require = createRequire(import.meta.url);
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as { createErrorFromCode(code: number): Error };
/** What kafkajs's sendMessages logs before it retries a send (kafkajs/src/producer/sendMessages.js). */
const retryLine = (code: number): string => `Failed to send messages: ${createErrorFromCode(code).message}`;

describe('kafkajsLogSeverity', () => {
  it('reports retries as warnings and what kafkajs logs without retrying as errors', () => {
    assert.equal(kafkajsLogSeverity('Producer', logLevel.ERROR, retryLine(6), { retryCount: 1, retryTime: 40 }), 'warn');
    assert.equal(kafkajsLogSeverity('Consumer', logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded', { groupId: 'g' }), 'error');
  });

  it("reports a batch whose task's producer was fenced as a warning: a rebalance does that as a matter of course", () => {
    const extra = { topic: 'erp.public.products', partition: 2, offset: '162' };
    const fenced = new ErpDeltaError('PRODUCER_FENCED', 'The transactional producer g-erp.public.products-2 was fenced while writing', { retriable: true });
    assert.equal(kafkajsLogSeverity('Runner', logLevel.ERROR, 'Error when calling eachBatch', { ...extra, error: fenced }), 'warn');
    const unavailable = new ErpDeltaError('KAFKA_UNAVAILABLE', 'Kafka at k:9092: committing', { retriable: true });
    assert.equal(kafkajsLogSeverity('Runner', logLevel.ERROR, 'Error when calling eachBatch', { ...extra, error: unavailable }), 'error');
  });

  it('leaves a refused authentication or certificate to the error the caller reports', () => {
    assert.equal(kafkajsLogSeverity('SaslAuthenticator-SCRAM-SHA-512', logLevel.ERROR, 'SASL SCRAM SHA512 authentication failed: Authentication failed', { broker: 'k:9093' }), 'debug');
    assert.equal(kafkajsLogSeverity('BrokerPool', logLevel.ERROR, 'SASL SCRAM SHA512 authentication failed: Authentication failed', { retryCount: 0, retryTime: 300 }), 'debug');
    assert.equal(
      kafkajsLogSeverity('BrokerPool', logLevel.ERROR, 'Failed to connect to seed broker, trying another broker from the list: Connection error: unable to verify the first certificate', {
        retryCount: 0,
        retryTime: 300,
      }),
      'debug',
    );
  });

  it('leaves connection chatter and warnings at debug', () => {
    assert.equal(kafkajsLogSeverity('Connection', logLevel.ERROR, 'Connection error: read ECONNRESET', {}), 'debug');
    assert.equal(kafkajsLogSeverity('Cluster', logLevel.WARN, 'some warning', {}), 'debug');
  });
});
