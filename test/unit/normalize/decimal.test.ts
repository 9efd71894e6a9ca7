import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { decimalNormalizer } from '../../../src/normalize/decimal.js';

describe('decimal normalizer', () => {
  const scale2 = decimalNormalizer('creditLimit', { normalizer: 'decimal', scale: 2 });

  it('writes 1.50, 1.5, " 0001.500 " and the number 1.5 the same way', () => {
    for (const raw of ['1.50', '1.5', ' 0001.500 ', 1.5, '+1.5']) assert.equal(scale2(raw), '1.50', `for ${JSON.stringify(raw)}`);
  });

  it('pads to exactly scale fraction digits', () => {
    assert.equal(scale2('7'), '7.00');
    assert.equal(scale2('7.'), '7.00');
    assert.equal(scale2('.5'), '0.50');
    assert.equal(scale2(0), '0.00');
  });

  it('rounds half up (away from zero) beyond the scale', () => {
    assert.equal(scale2('1.005'), '1.01');
    assert.equal(scale2('1.00499999'), '1.00');
    assert.equal(scale2('-1.005'), '-1.01');
    assert.equal(scale2('9.995'), '10.00');
    assert.equal(scale2('999.999'), '1000.00');
  });

  it('has no floating-point error', () => {
    // 0.1 + 0.2 is 0.30000000000000004 as a double; 1.005 is 1.00499999999999989... as a double.
    assert.equal(scale2(0.1 + 0.2), '0.30');
    assert.equal(scale2('123456789012345678.12'), '123456789012345678.12');
    assert.equal(decimalNormalizer('q', { normalizer: 'decimal', scale: 3 })('0.1'), '0.100');
  });

  it('reads exponent notation', () => {
    assert.equal(scale2('1.5E+3'), '1500.00');
    assert.equal(scale2('15e-3'), '0.02');
    assert.equal(scale2(1e21), '1000000000000000000000.00');
    assert.equal(scale2(1e-7), '0.00');
  });

  it('has one zero: -0.00 and -0.001 are 0.00', () => {
    assert.equal(scale2('-0.00'), '0.00');
    assert.equal(scale2('-0.001'), '0.00');
    assert.equal(scale2(-0), '0.00');
  });

  it('writes no point at scale 0', () => {
    const scale0 = decimalNormalizer('n', { normalizer: 'decimal', scale: 0 });
    assert.equal(scale0('42.5'), '43');
    assert.equal(scale0('0042'), '42');
    assert.equal(scale0('.4'), '0');
  });

  it('makes null and blank null', () => {
    assert.equal(scale2(null), null);
    assert.equal(scale2('  '), null);
  });

  it('refuses what is not a decimal number, naming field and value', () => {
    const cases: [unknown, string][] = [
      ['abc', '"abc"'], ['1.2.3', '"1.2.3"'], ['.', '"."'], ['-', '"-"'], ['1,50', '"1,50"'], ['NaN', '"NaN"'],
      [NaN, 'NaN'], [Infinity, 'Infinity'], [true, 'true'], ['AJg=', '"AJg="'],
    ];
    for (const [raw, shown] of cases) {
      assert.throws(() => scale2(raw), (error) => isErpDeltaError(error, 'NORMALIZE_FAILED')
        && error.message === `Cannot normalize field "creditLimit": ${shown} is not a decimal number.`, `for ${shown}`);
    }
  });

  it('returns a value already in canonical form as it is, and every other form of it as that', () => {
    let seed = 11;
    const random = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    for (const scale of [0, 1, 2, 4]) {
      const normalize = decimalNormalizer('n', { normalizer: 'decimal', scale });
      for (let draw = 0; draw < 500; draw += 1) {
        const units = BigInt(Math.floor(random() * 2_000_000) - 1_000_000);
        const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
        const magnitude = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
        const canonical = units < 0n ? `-${magnitude}` : magnitude;
        assert.equal(normalize(canonical), canonical);
        const fraction = scale === 0 ? '' : magnitude.slice(-scale);
        const integer = scale === 0 ? magnitude : magnitude.slice(0, -scale - 1);
        const sign = units < 0n ? '-' : '';
        for (const variant of [`${sign}00${magnitude}`, `${sign}${integer}.${fraction}000`, ` ${canonical} `, `${sign === '' ? '+' : sign}${magnitude}`]) {
          assert.equal(normalize(variant), canonical, `${JSON.stringify(variant)} at scale ${scale}`);
        }
      }
    }
    assert.equal(scale2('-0.00'), '0.00');
    assert.equal(scale2('00.50'), '0.50');
    assert.equal(scale2('-0.01'), '-0.01');
    assert.equal(decimalNormalizer('n', { normalizer: 'decimal', scale: 0 })('-0'), '0');
  });
});
