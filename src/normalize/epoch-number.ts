export type EpochUnit = 'millis' | 'micros' | 'nanos';

const PER_MS: Record<EpochUnit, number> = { millis: 1, micros: 1_000, nanos: 1_000_000 };
const YEAR_10000_MS = Date.UTC(10000, 0, 1);

/**
 * The epoch milliseconds of an integer count of `unit`s since 1970-01-01, floored: before 1970,
 * truncating toward zero would move an instant later, not earlier.
 *
 * A count beyond 2^53 reached erp-delta rounded: JSON.parse (and JavaScript numbers at all) keep
 * 53 bits, so it is off by up to half the spacing of doubles at its size (128 ns for nanos of
 * 2018, 512 ns near 2262, 16 µs for micros near 9999). Its exact value is gone; where a
 * millisecond boundary lies within that reach, the boundary is taken. Values written to the
 * millisecond, most of an ERP's, then stay exact (flooring the rounded count would put half of
 * them a millisecond early), at the price of a value less than that reach before a boundary
 * (23:59:59.9999999) reading as the boundary. For the same reason a rounded count that lands on
 * 10000-01-01T00:00:00, which no ERP column holds, is taken as the last millisecond of 9999: the
 * end-of-time 9999-12-31 23:59:59.999999 in micros arrives as exactly that count.
 */
export function epochMillisOf(count: number, unit: EpochUnit): number {
  const perMs = PER_MS[unit];
  if (Number.isSafeInteger(count)) {
    // Integer arithmetic: Math.floor(count / perMs) can round up across a boundary near 2^53.
    const remainder = ((count % perMs) + perMs) % perMs;
    return (count - remainder) / perMs;
  }
  const reached = BigInt(count) + BigInt(halfSpacing(count));
  const per = BigInt(perMs);
  const floored = reached / per - (reached % per < 0n ? 1n : 0n);
  const ms = Number(floored);
  return ms === YEAR_10000_MS ? ms - 1 : ms;
}

/** Half the distance from `value` (an integer beyond 2^53) to the next double of its size. */
function halfSpacing(value: number): number {
  const magnitude = Math.abs(value);
  let exponent = Math.floor(Math.log2(magnitude));
  // log2 can round up just below a power of two.
  if (2 ** exponent > magnitude) exponent -= 1;
  return 2 ** (exponent - 53);
}
