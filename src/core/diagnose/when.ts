/**
 * The times `diagnose --since/--until` accept: a duration back from now (`24h`, `7d`, the same
 * spellings as every other command, via duration.ts) or an ISO 8601 date or date-time. One parser,
 * so a typo is one clear usage error instead of an empty listing.
 */
import { parseDuration } from '../duration.js';
import { DxError, EXIT } from '../errors.js';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const HINT = 'Use a duration back from now (30m, 24h, 7d, 2w) or an ISO 8601 date such as 2025-01-30 or 2025-01-30T14:00:00Z.';

/** Unix seconds of an ISO 8601 date (UTC midnight) or date-time (local time unless a zone is given); null when `text` is not one. */
function isoSeconds(text: string): number | null {
  const m = ISO.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map((x) => (x === undefined ? undefined : Number(x)));
  // Date.parse rolls 2025-02-30 over into March: check the fields really exist.
  const probe = new Date(Date.UTC(y as number, (mo as number) - 1, d as number));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== (mo as number) - 1 || probe.getUTCDate() !== d) return null;
  if ((h ?? 0) > 23 || (mi ?? 0) > 59 || (s ?? 0) > 59) return null;
  const ms = Date.parse(text.trim().replace(' ', 'T'));
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

/**
 * Parse the value of `flag` (`--since`, `--until`) into Unix seconds: `24h` means 24 hours before
 * `now` (Unix seconds); an ISO 8601 date is taken as it is.
 * @throws DxError BAD_TIME (exit 2) naming the flag, the value and the accepted forms
 */
export function parseWhen(text: string, flag: string, now: number): number {
  const iso = isoSeconds(text);
  if (iso !== null) return iso;
  try {
    return now - parseDuration(text);
  } catch {
    throw new DxError('BAD_TIME', `${flag} "${text}" is neither a duration nor an ISO 8601 date`, HINT, EXIT.USAGE);
  }
}

/** A time window in Unix seconds, both ends included; null means open on that side. */
export interface Window { since: number | null; until: number | null }

/**
 * The window of `--since` / `--until`. Without `--until` it is open-ended: a commit from a host whose
 * clock runs ahead must not drop out of the listing.
 * @throws DxError BAD_TIME (exit 2) for a bad value or a window that ends before it starts
 */
export function parseWindow(since: string | undefined, until: string | undefined, now: number): Window {
  const from = since === undefined ? null : parseWhen(since, '--since', now);
  const to = until === undefined ? null : parseWhen(until, '--until', now);
  if (from !== null && to !== null && from > to) {
    throw new DxError('BAD_TIME', `--since ${since} is after --until ${until}: the window is empty`, 'Give --since an earlier time than --until.', EXIT.USAGE);
  }
  return { since: from, until: to };
}

/** Whether Unix-seconds `ts` lies inside `w` (both ends included). */
export function inWindow(w: Window, ts: number): boolean {
  return (w.since === null || ts >= w.since) && (w.until === null || ts <= w.until);
}
