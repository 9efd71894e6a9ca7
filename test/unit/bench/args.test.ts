import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBenchArgs, UsageError, type BenchArgs } from '../../../bench/args.js';

function parsed(argv: string[]): BenchArgs {
  const args = parseBenchArgs(argv, {});
  assert.notEqual(args, 'help');
  return args as BenchArgs;
}

describe('bench flags', () => {
  it('warms the broker up by default, and --warmup-transactions 0 skips it', () => {
    assert.equal(parsed([]).warmupTransactions, 600);
    assert.equal(parsed(['--warmup-transactions', '0']).warmupTransactions, 0);
    assert.equal(parsed(['--warmup-transactions', '1_500']).warmupTransactions, 1_500);
  });

  it('refuses a warm-up that is not a whole number, naming the flag', () => {
    for (const value of ['-1', 'many', '2.5', '100001']) {
      assert.throws(
        () => parseBenchArgs(['--warmup-transactions', value], {}),
        (error: unknown) => error instanceof UsageError && /--warmup-transactions/.test(error.message),
        value,
      );
    }
  });

  it('measures the restore of a lost data dir only when asked, and takes 10,000,000 keys', () => {
    assert.equal(parsed([]).restoreRounds, 0);
    const scale = parsed(['--restore', '--events', '12_000_000', '--keys', '10_000_000']);
    assert.equal(scale.restoreRounds, 1);
    assert.equal(parsed(['--restore-rounds', '3']).restoreRounds, 3, '--restore-rounds implies --restore');
    assert.throws(() => parsed(['--restore-rounds', '0']), /--restore-rounds must be at least 1/);
    assert.deepEqual([scale.plan.keys, scale.plan.events, scale.plan.expectedEmitted], [10_000_000, 12_000_000, 10_600_000]);
  });

  it('runs a replay refresh only when asked, at the rate given', () => {
    assert.equal(parsed([]).replayRate, undefined);
    assert.equal(parsed(['--replay', '100_000']).replayRate, 100_000);
    for (const value of ['0', 'fast', '-5']) {
      assert.throws(
        () => parseBenchArgs(['--replay', value], {}),
        (error: unknown) => error instanceof UsageError && /--replay/.test(error.message),
        value,
      );
    }
  });
});
