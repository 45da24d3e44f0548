/**
 * Other hosts' newer WIP of the branches here. Computed by the background worker from the
 * fetched index and written as one small file per branch (`<git-common-dir>/dx/warn/<branch>.msg`)
 * so the post-checkout shim can print it in sh without starting node.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dxPaths } from '../context.js';
import { git, gitTry } from '../git.js';
import { commitInfo } from '../head.js';
import { entriesNewestFirst, type IndexEntry, type WipIndex } from '../index/format.js';
import type { Session } from '../session.js';
import { writeAtomic } from '../fsx.js';
import { age } from '../time.js';

/** A newer WIP of a local branch on another host. */
export interface NewerWip { entry: IndexEntry; localSha: string | null }

/** The restore command for an entry (printed in warnings and status). */
export function restoreCommand(e: Pick<IndexEntry, 'host' | 'branch'>): string {
  return `dx-hooks restore --host ${e.host} --branch ${e.branch}`;
}

/**
 * Other hosts' entries for `branch` that hold work this branch lacks: a different sha, newer than
 * the branch tip's commit time, and not already contained in the branch (when we have the object).
 */
export async function newerWipFor(s: Session, index: WipIndex, branch: string): Promise<NewerWip[]> {
  const tip = await gitTry(['rev-parse', '-q', '--verify', `refs/heads/${branch}^{commit}`], { cwd: s.ctx.top });
  const localSha = tip.code === 0 ? tip.stdout.trim() : null;
  const localTime = localSha ? (await commitInfo(s.ctx, localSha)).committed : 0;
  const out: NewerWip[] = [];
  for (const e of entriesNewestFirst(index)) {
    if (e.branch !== branch || e.host === s.host || e.sha === localSha || e.ts <= localTime) continue;
    if (localSha) {
      const anc = await gitTry(['merge-base', '--is-ancestor', e.sha, localSha], { cwd: s.ctx.top });
      if (anc.code === 0) continue;
    }
    out.push({ entry: e, localSha });
  }
  return out;
}

/** The warning lines for one branch. */
export function warningText(branch: string, newer: NewerWip[]): string {
  return newer
    .map(({ entry: e }) => `dx-hooks: host "${e.host}" has newer WIP of "${branch}" (${age(e.ts)}, ${e.sha.slice(0, 12)} "${e.message}") — restore it: ${restoreCommand(e)}`)
    .join('\n');
}

/** Rewrite the warn/ folder: one `<branch>.msg` per local branch that another host is ahead of. Returns the branches warned about. */
export async function writeBranchWarnings(s: Session, index: WipIndex): Promise<string[]> {
  const dir = dxPaths(s.ctx).warnDir;
  const branches = (await git(['for-each-ref', '--format=%(refname:short)', 'refs/heads/'], { cwd: s.ctx.top })).split('\n').filter(Boolean);
  const tmp = `${dir}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const warned: string[] = [];
  for (const b of branches) {
    const newer = await newerWipFor(s, index, b);
    if (!newer.length) continue;
    warned.push(b);
    writeAtomic(path.join(tmp, `${b}.msg`), warningText(b, newer) + '\n');
  }
  fs.rmSync(dir, { recursive: true, force: true });
  if (warned.length) fs.renameSync(tmp, dir);
  return warned;
}
