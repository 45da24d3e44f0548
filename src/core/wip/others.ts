/**
 * Other hosts' newer WIP of the branches here. Computed by the background worker from the
 * fetched index and written as one small file per branch (`<git-common-dir>/dx/warn/<branch>.msg`)
 * so the post-checkout shim can print it in sh without starting node.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { dxPaths } from '../context.js';
import type { IndexEntry, WipIndex } from '../wipindex/format.js';
import type { Session } from '../session.js';
import { createInside, renameInside, rmInside } from '../nofollow.js';
import { safeText } from '../text/safe.js';
import { readCacheText } from '../store/index.js';
import { shellCommand } from '../text/shell.js';
import { age } from '../time.js';
import { newerWipByBranch, type NewerWip } from './newer.js';

export { MAX_WARNINGS_PER_BRANCH, type NewerWip } from './newer.js';

/** One line of `warn/<branch>.json` (what triage reads without starting git). Times are Unix seconds. */
export interface NewerWipRecord { host: string; branch: string; ref: string; sha: string; ts: number; message: string; dirty: boolean; count: number | null; restore: string }

/** The restore command for an entry (printed in warnings and status), each word shell-quoted: host and branch come from another host's index entry. */
export function restoreCommand(e: Pick<IndexEntry, 'host' | 'branch'>): string {
  return shellCommand(['dx-hooks', 'restore', '--host', e.host, '--branch', e.branch]);
}

function commits(n: number | null): string {
  return n === null ? 'work' : `${n} commit${n === 1 ? '' : 's'}`;
}

/**
 * One warning as the text around its age: the age is filled in when it is shown, so it is never stale.
 * The sh hooks print it raw, so every field from the index (host, message) and the branch name is made
 * safe here (core/text/safe.ts), and the restore command is quoted.
 */
function warningParts(branch: string, { entry: e, count }: NewerWip): [string, string] {
  const oneLine = safeText(e.message.replace(/[\t\r\n]+/g, ' '));
  return [`dx-hooks: host "${safeText(e.host)}" has newer WIP of "${safeText(branch)}": ${commits(count)} this branch lacks${e.dirty ? ' (with uncommitted work)' : ''}, pushed `, ` (${safeText(e.sha.slice(0, 12))} "${oneLine}") — restore it: ${restoreCommand(e)}`];
}

/** The warning lines for one branch: host, how many commits the branch lacks, age, and the restore command. */
export function warningText(branch: string, newer: NewerWip[], now?: number): string {
  return newer.map((n) => warningParts(branch, n).join(age(n.entry.ts, now))).join('\n');
}

/**
 * The `warn/<branch>.msg` lines the shims print: `<push time, Unix s>\t<text before the age>\t<text after>`,
 * so the shim shows the age as of now (`… pushed 3h ago (…)`).
 */
export function warningMsgLines(branch: string, newer: NewerWip[]): string {
  return newer.map((n) => [String(n.entry.ts), ...warningParts(branch, n)].join('\t')).join('\n');
}

/** The structured form of the warnings (`warn/<branch>.json`). */
export function warningRecords(newer: NewerWip[]): NewerWipRecord[] {
  return newer.map(({ entry: e, count }) => ({ host: e.host, branch: e.branch, ref: e.ref, sha: e.sha, ts: e.ts, message: e.message, dirty: e.dirty, count, restore: restoreCommand(e) }));
}

/**
 * Rewrite the warn/ folder: `<branch>.msg` (what the shims print, see warningMsgLines) and `<branch>.json` (for
 * triage) per local branch that another host is ahead of. Returns the branches warned about.
 */
export async function writeBranchWarnings(s: Session, index: WipIndex, remote?: string): Promise<string[]> {
  const dir = dxPaths(s.ctx).warnDir;
  const byBranch = await newerWipByBranch(s, index, remote);
  const files: Array<[string, string]> = [];
  const warned: string[] = [];
  for (const [b, newer] of [...byBranch].sort(([x], [y]) => x.localeCompare(y))) {
    warned.push(b);
    files.push([`${b}.msg`, warningMsgLines(b, newer) + '\n'], [`${b}.json`, JSON.stringify(warningRecords(newer)) + '\n']);
  }
  // The folder already holds exactly these warnings (its key names their content): nothing is written.
  // With 50 hosts × 100 branches the folder is ~200 files, which cost more to create than to compute.
  const hash = createHash('sha256');
  for (const [name, text] of files) hash.update(`${name}\0${text}\0`);
  const key = hash.digest('hex') + '\n';
  if (warned.length && readCacheText(path.join(dir, KEY_FILE)) === key) return warned;
  const tmp = `${dir}.${process.pid}.tmp`;
  rmInside(s.ctx.commonDir, tmp, { recursive: true });
  // Created in the fresh folder that replaces the old one at the end (the rename below is the atomic
  // step): no temporary file and no fsync per file. A cache: lost in a crash, the next look writes it.
  for (const [name, text] of files) createInside(s.ctx.commonDir, path.join(tmp, name), text);
  if (warned.length) createInside(s.ctx.commonDir, path.join(tmp, KEY_FILE), key);
  rmInside(s.ctx.commonDir, dir, { recursive: true });
  if (warned.length) renameInside(s.ctx.commonDir, tmp, dir);
  return warned;
}

/** `warn/.content-key`: sha256 of the folder's files (names and text), so unchanged warnings are not rewritten. No branch name starts with a dot. */
const KEY_FILE = '.content-key';
