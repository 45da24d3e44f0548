/** `dx-hooks log [--since 24h] [--path P] [--json]`: the ledger, newest first — what changed, when, on which host. */
import pc from 'picocolors';
import { parseDuration } from '../core/duration.js';
import type { LedgerEvent } from '../core/ledger.js';
import { queryLog } from '../core/log.js';
import { openRepo } from '../core/context.js';
import { out, printJson, safe, warn } from './common.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** Local date and time of a Unix-seconds timestamp: `2025-01-30 14:02:33`. */
function localTime(ts: number): string {
  const d = new Date(ts * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const short = (sha: string | null | undefined) => (sha ? sha.slice(0, 7) : '∅');

/** One event as a block of lines. */
function formatEvent(e: LedgerEvent): string {
  const status = e.ok ? pc.green('ok') : pc.red('error');
  const lines = [`${localTime(e.ts)}  ${safe(e.host)}  ${pc.bold(safe(e.op))}  ${status}  ${pc.dim(safe(e.id))}`];
  if (typeof e.detail?.summary === 'string') lines.push(`    ${safe(e.detail.summary)}`);
  if (e.error) lines.push(`    ${pc.red(safe(e.error))}`);
  for (const [ref, v] of Object.entries(e.refs ?? {})) lines.push(`    ${safe(ref)} ${safe(short(v.old))} → ${safe(short(v.new))}`);
  if (e.paths?.length) lines.push(`    paths: ${e.paths.slice(0, 10).map(safe).join(', ')}${e.paths.length > 10 ? ` … (+${e.paths.length - 10})` : ''}`);
  return lines.join('\n');
}

/** Print the filtered ledger. Returns 0; throws DxError BAD_DURATION (exit 2). */
export async function run(opts: { since?: string; path?: string; json?: boolean; cwd: string }): Promise<number> {
  const since = opts.since === undefined ? undefined : parseDuration(opts.since);
  const ctx = await openRepo(opts.cwd);
  const { events, invalid } = await queryLog(ctx, { since, path: opts.path });
  if (opts.json) {
    printJson({ events, invalid });
    return 0;
  }
  if (invalid) warn(`${invalid} unreadable ledger line(s) skipped (torn or foreign)`);
  if (!events.length) out('No events' + (since !== undefined || opts.path ? ' match.' : ' yet.'));
  for (const e of events) out(formatEvent(e));
  return 0;
}
