/**
 * The README's first command, `erp-delta demo`, on the test stack: it captures the ERP database,
 * runs the tracker and the loader, and prints what the target receives; its sample statements show
 * one real change and three that are noise; the mapping change re-sends the rep's customers; the
 * status page answers; Ctrl-C ends it with exit code 0.
 *
 * It runs in a directory of its own (the demo keeps its state in ./.erp-delta/data) with the
 * default config: group `erp-delta` and the default delta topics, which no other test uses.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { waitUntil } from '../../support/tracker-harness.js';
import { erpDatabase, STACK_DIR_FLAG } from '../../support/test-stack.js';

const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'erp-delta.js');

/** `target <- customers     C0001            UPSERT CHANGE changed=[salesRepCode] {...}` */
const RECEIVED = /^target <- (\S+)\s+(\S+)\s+(UPSERT|DELETE)\s+(\S+)(?: changed=\[([^\]]*)\] (.*))?$/;

interface Received {
  entity: string;
  key: string;
  op: string;
  reason: string;
  changed: string[];
  data: Record<string, unknown> | null;
}

describe('erp-delta demo', () => {
  it("prints what the target receives: one delta for the real change, none for the noise, the rep's customers on a mapping change", { timeout: 240_000 }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'erp-delta-demo-'));
    const child = spawn(process.execPath, [bin, 'demo', ...STACK_DIR_FLAG], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const received = (): Received[] =>
      stdout.split('\n').flatMap((line) => {
        const match = RECEIVED.exec(line);
        if (!match) return [];
        return [
          {
            entity: match[1] ?? '',
            key: match[2] ?? '',
            op: match[3] ?? '',
            reason: match[4] ?? '',
            changed: match[5] ? match[5].split(', ') : [],
            data: match[6] ? (JSON.parse(match[6]) as Record<string, unknown>) : null,
          },
        ];
      });
    const tail = (): string => `--- stderr:\n${stderr.slice(-3000)}\n--- stdout (last lines):\n${stdout.split('\n').slice(-15).join('\n')}`;
    try {
      await waitUntil('the demo to finish its samples', () => stderr.includes('[demo] try it yourself'), 200_000, tail);
      const db = await erpDatabase();
      const repOfC0001 = (await db.query<{ rep: string }>("SELECT sales_rep_code AS rep FROM customers WHERE code = 'C0001'")).rows[0]?.rep;
      const sal002Customers = (await db.query<{ code: string }>("SELECT code FROM customers WHERE sales_rep_code = 'SAL002' ORDER BY code")).rows.map((row) => row.code);
      await db.end();

      // The mapping change: one ASSIGNMENT delta per customer of SAL002, with the rep's new user.
      const user = /assign SAL002 (\S+)`/.exec(stderr)?.[1];
      assert.ok(user, tail());
      await waitUntil(
        'an ASSIGNMENT delta for every customer of SAL002',
        () => {
          const assigned = new Set(
            received()
              .filter((delta) => delta.reason === 'ASSIGNMENT' && delta.data?.['assignedUserId'] === user)
              .map((delta) => delta.key),
          );
          return sal002Customers.every((code) => assigned.has(code));
        },
        30_000,
        tail,
      );
      assert.ok(sal002Customers.length > 0);

      // The target got the latest version of every record first (the demo's loader replays), then
      // the samples. C0001's last delta is the real change: the noise after it sent nothing
      // (checked after the mapping change's deltas, which the demo caused after the noise).
      const ofC0001 = received().filter((delta) => delta.entity === 'customers' && delta.key === 'C0001');
      const last = ofC0001.at(-1);
      assert.equal(last?.reason, 'CHANGE', tail());
      assert.deepEqual(last?.changed, ['salesRepCode']);
      assert.equal(last?.data?.['salesRepCode'], repOfC0001);

      const page = /\[demo\] status page: (http:\S+)/.exec(stderr)?.[1];
      assert.ok(page, tail());
      const response = await fetch(page);
      assert.equal(response.status, 200);
      assert.match(await response.text(), /<title>erp-delta status<\/title>/);
    } finally {
      child.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000))]);
      if (code === 'timeout') child.kill('SIGKILL');
      rmSync(cwd, { recursive: true, force: true });
      assert.equal(code, 0, `the demo exits 0 on Ctrl-C\n${tail()}`);
    }
  });
});
