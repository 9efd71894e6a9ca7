import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { mappedTableFiles } from '../../../src/state/mapped-tables.js';
import { StateStore } from '../../../src/state/state-store.js';
import type { LoadedRecord } from '../../../src/model/loaded-record.js';
import { prebuiltClassicLevelEnv } from '../../support/prebuilt-classic-level.js';

const KEYS = 60_000;

function loaded(index: number): LoadedRecord {
  const key = `C${String(index).padStart(6, '0')}`;
  // Text that does not compress to nothing: the tables must hold real bytes.
  const data = { code: key, name: `Customer ${(index * 2_654_435_761) % 1_000_003} ${key}`, city: `City ${(index * 40_503) % 9_973}`, creditLimit: `${index}.00` };
  return { key, data, source: { topic: 'erp.public.customers', partition: 0, offset: index, tsMs: 0, connector: null, position: null, epoch: 0 } };
}

describe('state store table reads (a real LevelDB, as installed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'erp-delta-mapped-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads its tables without mapping them into the process, so the RSS does not grow with the key count', async () => {
    const store = await StateStore.open(join(dir, 'customers-0'));
    for (let start = 0; start < KEYS; start += 5_000) {
      await store.write({ put: Array.from({ length: 5_000 }, (_, offset) => loaded(start + offset)), delete: [] });
    }
    await store.close();
    // Reopened, its data is in table files only (the log is compacted into one at open).
    const reopened = await StateStore.open(join(dir, 'customers-0'));
    const tables = readdirSync(join(dir, 'customers-0')).filter((name) => name.endsWith('.ldb'));
    assert.ok(tables.length >= 2, `the store has table files to read (${tables.join(', ')})`);
    const keys = Array.from({ length: 2_000 }, (_, index) => loaded((index * 7_919) % KEYS).key);
    const records = await reopened.getMany(keys);
    assert.equal(records.filter((record) => record !== undefined).length, keys.length, 'every key read back');

    assert.equal(mappedTableFiles(dir), 0, 'no table file mapped: classic-level was built to read with pread (npm run build:state-store says why not)');
    await reopened.close();
  });

  it('finds the tables that classic-level\'s prebuilt binary maps, and only those under the directory asked about', () => {
    // A child process loads the prebuilt binary: it maps its tables, and the count must see them.
    const script = `
      import { ClassicLevel } from 'classic-level';
      import { mappedTableFiles } from './src/state/mapped-tables.ts';
      const db = new ClassicLevel(process.argv[1] + '/store', { writeBufferSize: 1 << 20 });
      for (let batch = 0; batch < 20; batch += 1) {
        await db.batch(Array.from({ length: 2000 }, (_, i) => ({ type: 'put', key: 'k' + (batch * 2000 + i), value: String(Math.random()).repeat(8) })));
      }
      await db.close();
      await db.open();
      await db.getMany(Array.from({ length: 500 }, (_, i) => 'k' + i * 79));
      console.log(JSON.stringify({ under: mappedTableFiles(process.argv[1]), elsewhere: mappedTableFiles(process.argv[1] + '/other') }));
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, join(dir, 'mapped')], {
      cwd: join(import.meta.dirname, '..', '..', '..'), encoding: 'utf8', env: { ...process.env, ...prebuiltClassicLevelEnv(dir) },
    });
    assert.equal(result.status, 0, result.stderr);
    const counts = JSON.parse(result.stdout) as { under: number; elsewhere: number };
    assert.ok(counts.under >= 1, `the prebuilt binary's tables are counted (${result.stdout})`);
    assert.equal(counts.elsewhere, 0);
  });
});
