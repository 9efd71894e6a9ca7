import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectorDatabase } from '../../../src/capture/connector-database.js';
import { chooseRowEstimate } from '../../../src/capture/row-estimates.js';

describe("a table's row estimate", () => {
  it('takes n_live_tup, kept current by every insert and delete, over reltuples, as old as the last ANALYZE', () => {
    assert.deepEqual(chooseRowEstimate({ reltuples: 300, liveTuples: 344, statisticsKnowAnalysis: true }), { rows: 344, from: 'n_live_tup' });
  });

  it('takes n_live_tup for a table never vacuumed or analyzed (reltuples -1, or 0 before PostgreSQL 14)', () => {
    assert.deepEqual(chooseRowEstimate({ reltuples: -1, liveTuples: 8, statisticsKnowAnalysis: false }), { rows: 8, from: 'n_live_tup' });
    assert.deepEqual(chooseRowEstimate({ reltuples: 0, liveTuples: 8, statisticsKnowAnalysis: false }), { rows: 8, from: 'n_live_tup' });
  });

  it('takes reltuples when the statistics forgot an ANALYZE that pg_class remembers (reset, crash recovery, a standby)', () => {
    assert.deepEqual(chooseRowEstimate({ reltuples: 1_000_000, liveTuples: 12, statisticsKnowAnalysis: false }), { rows: 1_000_000, from: 'reltuples' });
    assert.deepEqual(chooseRowEstimate({ reltuples: 2_500.4, liveTuples: null, statisticsKnowAnalysis: false }), { rows: 2_500, from: 'reltuples' });
    assert.deepEqual(chooseRowEstimate({ reltuples: -1, liveTuples: null, statisticsKnowAnalysis: false }), { rows: 0, from: 'reltuples' });
  });
});

describe("a connector's database connection", () => {
  const options = { password: undefined, timeoutMs: 5_000, applicationName: 'erp-delta test' };
  const connector = { 'database.hostname': 'erp-db', 'database.port': '5433', 'database.user': 'debezium', 'database.password': 'secret', 'database.dbname': 'erp' };

  it("is the connector's own settings, with sslmode followed", () => {
    assert.deepEqual(connectorDatabase({ ...connector, 'database.sslmode': 'require' }, options), {
      host: 'erp-db',
      port: 5433,
      database: 'erp',
      user: 'debezium',
      password: 'secret',
      ssl: { rejectUnauthorized: false },
      connectionTimeoutMillis: 5_000,
      query_timeout: 5_000,
      application_name: 'erp-delta test',
    });
  });

  it("needs capture.database.password for a Connect config provider reference, and uses it over the connector's", () => {
    assert.match(connectorDatabase({ ...connector, 'database.password': '${file:/secrets/erp.properties:password}' }, options) as string, /set capture\.database\.password/);
    assert.equal((connectorDatabase({ ...connector, 'database.password': '${env:PG}' }, { ...options, password: 'from-config' }) as { password: string }).password, 'from-config');
  });

  it('says what to set when the file leaves the database to placeholders that Connect fills', () => {
    assert.match(connectorDatabase({ ...connector, 'database.hostname': '${postgres.host}' }, options) as string, /database\.hostname is \$\{postgres\.host\}.*set capture\.connect\.url/);
    assert.match(connectorDatabase({ 'database.user': 'x' }, options) as string, /no database\.hostname/);
  });
});
