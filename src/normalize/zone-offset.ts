/**
 * The offset an ISO 8601 zone designator stands for, in milliseconds east of UTC: "Z", "+02",
 * "+0530", "-05:00", and "+00:53:28" (java.time writes the seconds of an old local mean time).
 * Undefined for an offset beyond 23:59:59.
 */
export function zoneOffsetMs(zone: string): number | undefined {
  if (zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replaceAll(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || '0');
  const seconds = Number(digits.slice(4, 6) || '0');
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * ((hours * 60 + minutes) * 60 + seconds) * 1000;
}
