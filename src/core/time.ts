/** How times are shown to people: ages ("3h ago") and local clock times ("14:02"). Inputs are Unix seconds. */

/** "3h"-style length of the time since a Unix-seconds timestamp. */
export function span(ts: number, now = Math.floor(Date.now() / 1000)): string {
  const s = Math.max(0, now - ts);
  if (s < 90) return `${s}s`;
  if (s < 90 * 60) return `${Math.round(s / 60)}m`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

/** "3h ago"-style age of a Unix-seconds timestamp. */
export function age(ts: number, now = Math.floor(Date.now() / 1000)): string {
  return `${span(ts, now)} ago`;
}

/** Local clock time `HH:MM` of a Unix-seconds timestamp (with the date when not today). */
export function clock(ts: number, now = Date.now()): string {
  const d = new Date(ts * 1000);
  const hhmm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return new Date(now).toDateString() === d.toDateString() ? hhmm : `${d.toISOString().slice(0, 10)} ${hhmm}`;
}
