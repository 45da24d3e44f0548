/**
 * Durations people type on the command line (`--since 24h`, later `--older-than 7d`): a number
 * and a unit — s, m, h, d or w. One parser, so every command accepts the same spellings.
 */
import { DxError, EXIT } from './errors.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * Parse `30m`, `24h`, `7d`, `90s`, `2w` (also `1.5h`, and long units such as `3 days`) into seconds.
 * @throws DxError BAD_DURATION (exit 2) naming the value and the accepted forms
 */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?)\s*$/i.exec(text);
  if (!m) {
    throw new DxError('BAD_DURATION', `"${text}" is not a duration`, 'Use a number and a unit: 90s, 30m, 24h, 7d or 2w.', EXIT.USAGE);
  }
  const unit = (m[2] as string).toLowerCase().charAt(0);
  const seconds = Number(m[1]) * (UNIT_SECONDS[unit] as number);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new DxError('BAD_DURATION', `"${text}" must be longer than zero`, 'Use a number and a unit: 90s, 30m, 24h, 7d or 2w.', EXIT.USAGE);
  }
  return Math.round(seconds);
}
