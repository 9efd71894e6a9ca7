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
      ['abc', '"abc"'],
      ['1.2.3', '"1.2.3"'],
      ['.', '"."'],
      ['-', '"-"'],
      ['1,50', '"1,50"'],
      ['NaN', '"NaN"'],
      [NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [true, 'true'],
      ['AJg=', '"AJg="'],
    ];
    for (const [raw, shown] of cases) {
      assert.throws(
        () => scale2(raw),
        (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message === `Cannot normalize field "creditLimit": ${shown} is not a decimal number.`,
        `for ${shown}`,
      );
    }
  });

  it('returns a value already in canonical form as it is, and every other form of it as that', () => {
    let seed = 11;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
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

  describe('Debezium decimal.handling.mode forms', () => {
    const notDecimal = (normalize: (raw: unknown) => unknown, raw: unknown): void => {
      assert.throws(
        () => normalize(raw),
        (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message.endsWith(' is not a decimal number.'),
        `for ${JSON.stringify(raw)}`,
      );
    };
    const precise2 = decimalNormalizer('creditLimit', { normalizer: 'decimal', scale: 2, encoding: 'base64' });
    const precise4 = decimalNormalizer('quantity', { normalizer: 'decimal', scale: 4, encoding: 'base64' });

    it('reads string mode text and double mode numbers', () => {
      // The PostgreSQL connector's test values: numeric(3,2) 1.1 is "1.10" or 1.1d, numeric(6,4) 22.22 is "22.2200" or 22.22d.
      assert.equal(scale2('1.10'), '1.10');
      assert.equal(scale2(1.1), '1.10');
      assert.equal(decimalNormalizer('q', { normalizer: 'decimal', scale: 4 })('22.2200'), '22.2200');
      assert.equal(decimalNormalizer('q', { normalizer: 'decimal', scale: 4 })(22.22), '22.2200');
    });

    it('reads precise mode base64 at the column scale, as java.math.BigInteger writes it', () => {
      // org.apache.kafka.connect.data.Decimal: the unscaled value's two's-complement bytes ("Decimal types").
      assert.equal(precise2('bg=='), '1.10'); // 110
      assert.equal(precise4('A2P4'), '22.2200'); // 222200
      assert.equal(precise2('AIA='), '1.28'); // 128: a leading zero byte keeps it positive
      assert.equal(precise2('gA=='), '-1.28'); // -128
      assert.equal(precise2('AA=='), '0.00');
      assert.equal(precise2('AJvTCjxkWUPdFpCgOhQ='), '123456789012345678901234567890.12');
    });

    it('reads money as a decimal in every mode', () => {
      // The PostgreSQL connector's test: '$1234.11' and '($1234.11)' are Decimal(2) 1234.11 and -1234.11
      // (scale from money.fraction.digits, default 2).
      for (const raw of ['1234.11', 1234.11]) assert.equal(scale2(raw), '1234.11');
      for (const raw of ['-1234.11', -1234.11]) assert.equal(scale2(raw), '-1234.11');
      assert.equal(precise2('AeIT'), '1234.11');
      assert.equal(precise2('/h3t'), '-1234.11');
    });

    it('reads the variable-scale struct of numeric without scale, in any encoding, and rounds it to scale', () => {
      // io.debezium.data.VariableScaleDecimal: "scale of type INT32 ... and value of type BYTES containing the
      // original value in an unscaled form". The connector's test: 10.1111 is {scale: 4, value: 101111}, 10 is {scale: 0, value: 10}.
      assert.equal(precise4({ scale: 4, value: 'AYr3' }), '10.1111');
      assert.equal(scale2({ scale: 4, value: 'AYr3' }), '10.11');
      assert.equal(scale2({ scale: 0, value: 'Cg==' }), '10.00');
      assert.equal(decimalNormalizer('n', { normalizer: 'decimal', scale: 0 })({ scale: 4, value: 'AYr3' }), '10');
    });

    it('reads the bytes the Avro decoder hands over', () => {
      assert.equal(precise2({ type: 'Buffer', data: [0x6e] }), '1.10');
      assert.equal(scale2({ type: 'Buffer', data: [0x6e] }), '1.10');
      assert.equal(scale2({ scale: 4, value: { type: 'Buffer', data: [0x01, 0x8a, 0xf7] } }), '10.11');
    });

    it('reads MySQL BIGINT UNSIGNED in precise mode exactly beyond 2^53', () => {
      const unsigned = decimalNormalizer('serial', { normalizer: 'decimal', scale: 0, encoding: 'base64' });
      assert.equal(unsigned('AP//////////'), '18446744073709551615');
      assert.equal(decimalNormalizer('serial', { normalizer: 'decimal', scale: 0 })('9007199254740993'), '9007199254740993');
    });

    it("dead-letters NaN and the infinities in every mode's spelling", () => {
      // String mode: "the connector encodes NaN as ... the string constant NAN", and the infinities as
      // POSITIVE_INFINITY / NEGATIVE_INFINITY (the connector's test); double mode: Double.NaN and the infinities,
      // which JsonConverter writes as the strings "NaN", "Infinity" and "-Infinity".
      for (const raw of ['NAN', 'POSITIVE_INFINITY', 'NEGATIVE_INFINITY', 'NaN', 'Infinity', '-Infinity', NaN, -Infinity]) notDecimal(scale2, raw);
      for (const raw of ['NAN', 'NaN']) notDecimal(precise2, raw);
    });

    it('refuses what is not base64 bytes with encoding base64, and bad structs', () => {
      for (const raw of ['1.10', 'bg=', '', { scale: 'x', value: 'bg==' }, { scale: 2 }, { scale: 2, value: '' }, { value: 'bg==' }]) {
        if (raw === '') assert.equal(precise2(raw), null);
        else notDecimal(precise2, raw);
      }
    });
  });
});
