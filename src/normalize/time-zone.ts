const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Eleven years of hours per zone; cleared when full, which only costs recomputing. */
const MAX_CACHED_HOURS = 100_000;

/** Whether the platform's time zone data (Intl, ICU) knows `name`: an IANA name such as Europe/Berlin, or UTC. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * The UTC instant (epoch ms) at which the wall clock of `zone` shows `wallClockMs` (that wall
 * clock's reading written as if it were UTC, which is how Debezium encodes a column without a
 * zone). Where the clock is set back and a reading occurs twice, the earlier instant; where it is
 * set forward and a reading never occurs, the reading moved later by the gap (02:30 on a spring-
 * forward night is 03:30). Both are what java.time does (ZonedDateTime.ofLocal without a
 * preferred offset) and JavaScript's Temporal calls "compatible". `zone` must pass isTimeZone.
 */
export function utcOfWallClock(zone: string, wallClockMs: number): number {
  const offsets = zoneOffsets(zone);
  if (offsets === undefined) return wallClockMs;
  // Offsets a day either side hold every offset that can apply: zones change at most once a day.
  const before = offsets.at(wallClockMs - DAY_MS);
  const after = offsets.at(wallClockMs + DAY_MS);
  const earlier = wallClockMs - Math.max(before, after);
  if (offsets.at(earlier) === wallClockMs - earlier) return earlier;
  const later = wallClockMs - Math.min(before, after);
  if (offsets.at(later) === wallClockMs - later) return later;
  return wallClockMs - before;
}

const ZONES = new Map<string, ZoneOffsets | undefined>();

/** Undefined for UTC itself, which needs no work. */
function zoneOffsets(zone: string): ZoneOffsets | undefined {
  if (ZONES.has(zone)) return ZONES.get(zone);
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    era: 'short',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const offsets = format.resolvedOptions().timeZone === 'UTC' ? undefined : new ZoneOffsets(format);
  ZONES.set(zone, offsets);
  return offsets;
}

/**
 * A zone's offset from UTC at an instant. Intl only formats (a few microseconds a call), so
 * offsets are kept per UTC hour in which the zone's offset does not change, checked at the hour's
 * first and last second; an hour with a change (offsets change on whole seconds) is computed each time.
 */
class ZoneOffsets {
  private readonly hourly = new Map<number, number>();

  constructor(private readonly format: Intl.DateTimeFormat) {}

  /** Milliseconds to add to a UTC instant to read the zone's wall clock at it. */
  at(utcMs: number): number {
    const hour = Math.floor(utcMs / HOUR_MS);
    const known = this.hourly.get(hour);
    if (known !== undefined) return known;
    const start = hour * HOUR_MS;
    const offset = this.exact(start);
    if (offset !== this.exact(start + HOUR_MS - 1000)) return this.exact(utcMs);
    if (this.hourly.size >= MAX_CACHED_HOURS) this.hourly.clear();
    this.hourly.set(hour, offset);
    return offset;
  }

  private exact(utcMs: number): number {
    const second = Math.floor(utcMs / 1000) * 1000;
    const parts: Record<string, string> = {};
    for (const part of this.format.formatToParts(second)) parts[part.type] = part.value;
    const yearOfEra = Number(parts['year']);
    // Intl counts years by era (1 BC, 1 AD); the wall clock is proleptic Gregorian like Date.
    const year = parts['era'] === 'BC' || parts['era'] === 'B' ? 1 - yearOfEra : yearOfEra;
    const wall = new Date(0);
    wall.setUTCFullYear(year, Number(parts['month']) - 1, Number(parts['day']));
    wall.setUTCHours(Number(parts['hour']), Number(parts['minute']), Number(parts['second']), 0);
    return wall.getTime() - second;
  }
}
