/** Maintenance windows: whether new nodes may start at a given instant. */
import type { UpgradeSpec } from '../api/types.js';

/** A maintenance window as in Upgrade.spec.window. */
export type MaintenanceWindow = NonNullable<UpgradeSpec['window']>;

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Throws a message naming the field when the window can never open or its time zone is unknown. */
export function validateWindow(w: MaintenanceWindow): void {
  if (w.days.length === 0) throw new Error('spec.window.days is empty: the window never opens');
  if (minutes(w.start) === minutes(w.end)) throw new Error('spec.window: start equals end: the window never opens');
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: w.timeZone ?? 'UTC' });
  } catch {
    throw new Error(`spec.window.timeZone: unknown time zone "${w.timeZone}": use an IANA name like "Europe/Berlin" or "UTC"`);
  }
}

/** The weekday and minute of day of an instant in a time zone. */
function local(now: Date, timeZone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return { day: DAYS.indexOf(get('weekday')), minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

/** True when a window is open at `now` (no window: always open). A window with end before start spans midnight. */
export function windowOpen(w: MaintenanceWindow | undefined, now: Date): boolean {
  if (!w) return true;
  const { day, minute } = local(now, w.timeZone ?? 'UTC');
  const start = minutes(w.start);
  const end = minutes(w.end);
  const today = DAYS[day] as string;
  const yesterday = DAYS[(day + 6) % 7] as string;
  const days = w.days as string[];
  if (start < end) return days.includes(today) && minute >= start && minute < end;
  return (days.includes(today) && minute >= start) || (days.includes(yesterday) && minute < end);
}
