/**
 * Issue 22: only src/kafka/ imports the Kafka client libraries (kafkajs, and @platformatic/kafka for
 * the tasks' transactional producers); the rest of src/ sees the port's own interfaces
 * (src/kafka/kafka-port.ts), so that another client could be put behind them.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const SRC = join(import.meta.dirname, '..', '..', '..', 'src');
const KAFKA_FOLDER = join(SRC, 'kafka');

/** An import of a Kafka client library or of one of its modules, static or dynamic, or a require of one. */
const CLIENT_IMPORT = /(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"](?:kafkajs|@platformatic\/kafka)(?:\/[^'"]*)?['"]/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('the Kafka port', () => {
  it('is the only part of src/ that imports a Kafka client library', () => {
    const outside = sourceFiles(SRC)
      .filter((path) => !path.startsWith(`${KAFKA_FOLDER}/`))
      .filter((path) => CLIENT_IMPORT.test(readFileSync(path, 'utf8')))
      .map((path) => relative(SRC, path));
    assert.deepEqual(outside, []);
  });

  it('finds the imports it looks for (the check is not vacuous)', () => {
    assert.ok(CLIENT_IMPORT.test("import kafkajs, { type Admin } from 'kafkajs';"));
    assert.ok(CLIENT_IMPORT.test("import type { Admin } from 'kafkajs';"));
    assert.ok(CLIENT_IMPORT.test("require('kafkajs/src/cluster/index.js')"));
    assert.ok(CLIENT_IMPORT.test("import { Producer } from '@platformatic/kafka';"));
    assert.ok(!CLIENT_IMPORT.test("import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';"));
    assert.ok(sourceFiles(KAFKA_FOLDER).some((path) => CLIENT_IMPORT.test(readFileSync(path, 'utf8'))));
  });
});
