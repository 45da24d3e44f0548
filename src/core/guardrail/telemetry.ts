/**
 * Guard telemetry (issue 5): `guard.telemetry`, default `<git-common-dir>/dx/telemetry.jsonl` — one
 * JSON line per drift of a critical file (missing, not executable) and per restore, so "when did
 * it vanish, and what touched it last" has an answer hours later. Lines are appended with one
 * write(2); a torn last line (a killed writer) is skipped on read and never glued to the next line.
 */
import path from 'node:path';
import { z } from 'zod';
import { insidePathProblem } from '../config/schema.js';
import { dxPaths } from '../context.js';
import { DxError, EXIT } from '../errors.js';
import { readJsonl } from '../store/jsonl.js';
import { appendJsonl } from '../store/write.js';
import type { Session } from '../session.js';
import { assertNoConfigLink } from '../config/links.js';

/** The events (issue 5): a critical path went missing, lost its exec bit, or came back. */
export const TELEMETRY_KINDS = ['critical_missing', 'critical_not_executable', 'critical_restored'] as const;
export type TelemetryKind = (typeof TELEMETRY_KINDS)[number];

const TelemetryEventSchema = z.object({
  ts: z.number().int().nonnegative(),
  host: z.string(),
  event: z.enum(TELEMETRY_KINDS),
  path: z.string().min(1),
  entry: z.string().min(1),
  commit: z.string().regex(/^[0-9a-f]{40}$/).nullable(),
  operation: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).optional(),
});

/**
 * One telemetry line. `ts`: Unix seconds. `path`: repo-relative (for a glob below its minCount, the
 * glob). `entry`: the `guard.critical` entry that asked for it. `commit`: the last commit on HEAD
 * that touched the path; `operation`: the last dx-hooks operation (ledger `<op> <id>`) that named it
 * — null when unknown.
 */
export type TelemetryEvent = z.infer<typeof TelemetryEventSchema>;

/**
 * The absolute telemetry file of a session: `guard.telemetry` resolved against the work tree top, or
 * `<git-common-dir>/dx/telemetry.jsonl`.
 * @throws DxError CONFIG_INVALID (exit 2) when the configured path leaves the repository (the schema
 *   refuses `..` and absolute paths); PATH_THROUGH_SYMLINK (exit 2) when any component of it, the
 *   file included, is a symbolic link (a committed link could lead the appends anywhere)
 */
export function telemetryFile(s: Session): string {
  const configured = s.config.guard.telemetry;
  if (!configured) return dxPaths(s.ctx).telemetry;
  const problem = insidePathProblem(configured);
  if (problem) {
    throw new DxError('CONFIG_INVALID', `guard.telemetry ${JSON.stringify(configured)} is outside the repository (${problem})`, 'Use a path inside the repository, e.g. ".dx/telemetry.jsonl", or remove the key for the default <git-common-dir>/dx/telemetry.jsonl.', EXIT.USAGE);
  }
  assertNoConfigLink(s.ctx.top, 'guard.telemetry', configured, { lastToo: true });
  return path.resolve(s.ctx.top, configured);
}

/** The trusted root the telemetry file is written under: the work tree for `guard.telemetry`, else the git common dir. */
export function telemetryRoot(s: Session): string {
  return s.config.guard.telemetry ? s.ctx.top : s.ctx.commonDir;
}

/** What a read found: valid events oldest first, and how many lines were unreadable (torn or foreign). */
export interface TelemetryRead { events: TelemetryEvent[]; invalid: number }

/**
 * Read and validate every line of `file` (through the store: a torn line never hides the next event).
 * A missing file reads as empty.
 * @throws DxError STORE_UNREADABLE when it exists but cannot be read (a directory, no permission)
 */
export function readTelemetry(file: string): TelemetryRead {
  const r = readJsonl(file, TelemetryEventSchema);
  return { events: r.records, invalid: r.invalid.length };
}

/**
 * Append `events` to `file` in one write(2), creating its directory. When the file's last line was
 * torn (no final newline), a newline goes first so the new lines stay whole. No symbolic link is
 * followed below `root` (telemetryRoot; default: the file's own folder), the file included.
 * @throws SymlinkRefused (PATH_THROUGH_SYMLINK) naming the link; the fs error when the file cannot be
 *   written (the caller reports it: never swallowed)
 */
export function appendTelemetry(file: string, events: readonly TelemetryEvent[], root = path.dirname(file)): void {
  if (!events.length) return;
  appendJsonl(root, file, events);
}
