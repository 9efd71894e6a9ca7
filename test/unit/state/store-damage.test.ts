import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { StateStore, storeDamage } from '../../../src/state/state-store.js';

describe('a state store whose files are damaged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'erp-delta-store-damage-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function written(name: string): Promise<string> {
    const storeDir = join(dir, name);
    const store = await StateStore.open(storeDir);
    await store.write({ put: [], delete: [], changelogNextOffset: '7' });
    await store.close();
    return storeDir;
  }

  it("refuses to open with STORE_CORRUPT, naming its folder and LevelDB's reason, when a file is corrupt or missing", async () => {
    const garbled = await written('garbled');
    writeFileSync(join(garbled, 'CURRENT'), 'garbage');
    await assert.rejects(StateStore.open(garbled), (error: unknown) => {
      assert.ok(isErpDeltaError(error, 'STORE_CORRUPT'), String(error));
      assert.ok(error.message.includes(garbled), error.message);
      assert.match(error.message, /Corruption/);
      return true;
    });

    const withoutManifest = await written('without-manifest');
    const manifest = readdirSync(withoutManifest).find((name) => name.startsWith('MANIFEST-'));
    assert.ok(manifest);
    unlinkSync(join(withoutManifest, manifest));
    await assert.rejects(StateStore.open(withoutManifest), { code: 'STORE_CORRUPT' });
  });

  it('opens empty once wiped', async () => {
    const storeDir = await written('wiped');
    writeFileSync(join(storeDir, 'CURRENT'), 'garbage');
    await StateStore.wipe(storeDir);
    const store = await StateStore.open(storeDir);
    assert.equal(await store.changelogNextOffset(), undefined);
    await store.close();
  });

  it('is not damaged when it is only locked, or for a failure that wiping would not cure', async () => {
    const storeDir = await written('locked');
    const holder = await StateStore.open(storeDir);
    await assert.rejects(StateStore.open(storeDir), (error: unknown) => !isErpDeltaError(error, 'STORE_CORRUPT'));
    await holder.close();
    assert.equal(storeDamage({ code: 'LEVEL_DATABASE_NOT_OPEN', cause: { code: 'LEVEL_LOCKED', message: 'IO error: lock /data/LOCK: already held by process' } }), undefined);
    assert.equal(storeDamage({ code: 'LEVEL_DATABASE_NOT_OPEN', cause: { code: 'LEVEL_IO_ERROR', message: 'IO error: /data/000005.ldb: Too many open files' } }), undefined);
    assert.equal(storeDamage(new Error('no cause')), undefined);
    assert.equal(storeDamage(undefined), undefined);
    assert.equal(storeDamage({ cause: { code: 'LEVEL_CORRUPTION', message: 'Corruption: bad block' } }), 'Corruption: bad block');
  });
});
