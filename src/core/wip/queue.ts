/**
 * The mirror queue `<git-common-dir>/dx/queue`: the post-commit and post-rewrite shims append
 * one line per commit in sh (no node in the foreground) — `refs/heads/<branch>`, or a 40-hex sha
 * for a detached HEAD — and the worker takes the whole file by renaming it (atomic), so lines
 * appended meanwhile land in a fresh file for the next round. Files left by a killed worker
 * (`queue.*.work`) are taken too.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RepoContext } from '../context.js';
import { dxPaths } from '../context.js';
import { appendInside, renameInside } from '../nofollow.js';

/** A queued mirror request: a branch (its tip at mirror time is pushed) or a detached commit. */
export type QueueItem = { kind: 'branch'; branch: string } | { kind: 'detached'; sha: string } | { kind: 'ref'; ref: string };

/** A ref other than a branch the worker pushes as it is (a session save, DESIGN §9): only session refs, by their strict shape. */
const QUEUED_REF = /^refs\/dx\/sessions\/[A-Za-z0-9][A-Za-z0-9._-]*\/[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\/[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Parse queue lines; unknown lines are ignored (and counted). */
export function parseQueue(text: string): { items: QueueItem[]; invalid: number } {
  const items: QueueItem[] = [];
  let invalid = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('refs/heads/') && line.length > 'refs/heads/'.length) items.push({ kind: 'branch', branch: line.slice('refs/heads/'.length) });
    else if (/^[0-9a-f]{40}$/.test(line)) items.push({ kind: 'detached', sha: line });
    else if (QUEUED_REF.test(line) && !line.includes('..') && !line.endsWith('.lock')) items.push({ kind: 'ref', ref: line });
    else invalid++;
  }
  return { items, invalid };
}

/** Whether anything is queued (cheap: one stat). */
export function queueNonEmpty(ctx: RepoContext): boolean {
  try {
    const st = fs.lstatSync(dxPaths(ctx).queue);
    return st.isFile() && st.size > 0;
  } catch {
    return false;
  }
}

/**
 * Take everything queued (call under the worker lock). Returns the items, oldest first, a
 * `done()` that deletes the taken files once they have been processed — so a worker killed
 * mid-push leaves them for the next one — and `problems`: queue paths that are not readable files
 * (e.g. a directory where the queue should be), left where they are and named. Commits the shims
 * could not queue are found by unmirrored.ts.
 */
export function takeQueue(ctx: RepoContext): { items: QueueItem[]; invalid: number; problems: string[]; done: () => void } {
  const { queue } = dxPaths(ctx);
  const dir = path.dirname(queue);
  const taken: string[] = [];
  const problems: string[] = [];
  const isFile = (f: string) => {
    try {
      return fs.lstatSync(f).isFile();
    } catch {
      return false;
    }
  };
  try {
    for (const f of fs.readdirSync(dir)) {
      if (!/^queue\..+\.work$/.test(f)) continue;
      if (isFile(path.join(dir, f))) taken.push(path.join(dir, f));
      else problems.push(`${path.join(dir, f)} is not a regular file`);
    }
  } catch {
    /* no dx dir yet */
  }
  if (fs.existsSync(queue) && !isFile(queue)) problems.push(`${queue} is not a regular file: the hooks cannot queue commits (remove it)`);
  else {
    const mine = `${queue}.${process.pid}-${crypto.randomBytes(3).toString('hex')}.work`;
    try {
      renameInside(ctx.commonDir, queue, mine);
      taken.push(mine);
    } catch {
      /* nothing queued */
    }
  }
  let text = '';
  const read = new Map<string, number>();
  for (const f of taken) {
    try {
      const bytes = fs.readFileSync(f);
      read.set(f, bytes.length);
      text += bytes.toString('utf8') + '\n';
    } catch (err) {
      problems.push(`cannot read ${f}: ${(err as Error).message}`);
    }
  }
  const { items, invalid } = parseQueue(text);
  return { items, invalid, problems, done: () => taken.forEach((f) => finishTaken(ctx, f, read.get(f))) };
}

/**
 * Delete a taken queue file. A shim that opened the queue for its append before the rename writes its
 * line into the taken file (same inode) after the worker read it: that tail goes back to the queue for
 * the next round instead of being deleted with the file (issue 12: no queued entry is ever stranded).
 */
function finishTaken(ctx: RepoContext, file: string, readBytes: number | undefined): void {
  if (readBytes !== undefined) {
    let tail = Buffer.alloc(0);
    try {
      const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      try {
        const size = fs.fstatSync(fd).size;
        if (size > readBytes) {
          tail = Buffer.alloc(size - readBytes);
          fs.readSync(fd, tail, 0, tail.length, readBytes);
        }
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      /* gone already: nothing to hand back */
    }
    if (tail.length) appendInside(ctx.commonDir, dxPaths(ctx).queue, tail.toString('utf8').endsWith('\n') ? tail.toString('utf8') : `${tail.toString('utf8')}\n`);
  }
  fs.rmSync(file, { force: true });
}

/** Append a request (what the sh shim does; used by commands and tests). */
export function enqueue(ctx: RepoContext, item: QueueItem): void {
  appendInside(ctx.commonDir, dxPaths(ctx).queue, (item.kind === 'branch' ? `refs/heads/${item.branch}` : item.kind === 'ref' ? item.ref : item.sha) + '\n');
}
