/**
 * Epoch milliseconds of a UTC calendar time, or undefined when a part is out of range (2024-02-30,
 * 25:00). Date.UTC alone would roll 2024-02-30 over into March, and would read years 0-99 as
 * 1900-1999, so the parts are set with setUTCFullYear and read back to check them.
 */
export function utcCalendarTime(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, millisecond = 0): number | undefined {
  if (year < 0 || year > 9999 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millisecond);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.getTime();
}
