/**
 * `guard --watch` (issue 5): run the guard whenever the file system says something changed near a
 * critical path (chokidar), and on an interval anyway — events can be missed (a directory swapped
 * by rsync, a network file system), the interval cannot. Every directory from the top down to each
 * entry's directory is watched one level deep, so removing or swapping any of them is seen; a
 * glob's fixed base directory is watched at any depth.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Session } from '../session.js';
import { criticalEntries } from './entries.js';

/** The directories to watch (absolute) for the entries of `s.config`: `shallow` one level deep, `deep` (a glob's fixed base) at any depth. */
export function watchedDirs(s: Session): { shallow: string[]; deep: string[] } {
  const shallow = new Set<string>([s.ctx.top]);
  const deep = new Set<string>();
  for (const e of criticalEntries(s.config)) {
    // A glob's fixed leading directories (`tools/bin/*.sh` → tools/bin), a plain path's directory.
    const segments = e.entry.split('/');
    const fixed = e.glob ? segments.slice(0, segments.findIndex((x) => /[*?[\]{}!]/.test(x))) : segments.slice(0, -1);
    let dir = s.ctx.top;
    for (const seg of fixed) shallow.add((dir = path.join(dir, seg)));
    if (e.glob) deep.add(dir);
  }
  return { shallow: [...shallow], deep: [...deep] };
}

/** A running watch: `stop()` closes the watcher and the timer. */
export interface Watch { stop: () => Promise<void> }

/**
 * Call `onTick(reason)` after a file-system event near a critical path (debounced by `debounceMs`)
 * and every `intervalMs` (ms); ticks never overlap. @throws when the watcher cannot start
 */
export async function watchCritical(s: Session, intervalMs: number, onTick: (reason: 'event' | 'interval') => Promise<void>, debounceMs = 150): Promise<Watch> {
  const { watch } = await import('chokidar');
  const dirs = watchedDirs(s);
  const gitDir = path.join(s.ctx.top, '.git');
  const ignored = (p: string) => p === gitDir || p.startsWith(gitDir + path.sep) || p.includes(`${path.sep}node_modules${path.sep}`);
  const watchers = [watch(dirs.shallow, { ignoreInitial: true, depth: 0, ignored })];
  if (dirs.deep.length) watchers.push(watch(dirs.deep, { ignoreInitial: true, ignored }));
  let running: Promise<void> | null = null;
  let again: 'event' | 'interval' | null = null;
  let timer: NodeJS.Timeout | undefined;
  // chokidar goes on watching a directory that was removed and created again (an rsync-style swap)
  // through the dead handle of the old one, and `add` of a path it knows is a no-op: a directory
  // that is another directory now is unwatched and added again after each run — and checked once
  // more, since a change made before the new watch was in place raised no event. "Another": its inode
  // and birth time (a new directory often gets the freed inode of the old one at once); without a
  // birth time, its ctime (then a changed entry also counts: one extra run, harmless).
  const identity = (d: string) => {
    try {
      const st = fs.statSync(d);
      return `${st.ino}:${st.birthtimeMs || st.ctimeMs}`;
    } catch {
      return null;
    }
  };
  const lists = [dirs.shallow, dirs.deep];
  const seen = lists.map((list) => new Map(list.map((d) => [d, identity(d)])));
  const rewatch = () => {
    lists.forEach((list, i) => {
      const swapped = list.filter((d) => {
        const now = identity(d);
        const was = seen[i]?.get(d);
        seen[i]?.set(d, now);
        return now !== was;
      });
      if (swapped.length && watchers[i]) {
        watchers[i].unwatch(swapped).add(swapped);
        clearTimeout(timer);
        timer = setTimeout(() => tick('event'), debounceMs);
      }
    });
  };
  const tick = (reason: 'event' | 'interval') => {
    if (running) {
      again = reason;
      return;
    }
    running = onTick(reason).finally(() => {
      running = null;
      rewatch();
      if (again) {
        const r = again;
        again = null;
        tick(r);
      }
    });
  };
  for (const w of watchers) {
    w.on('all', () => {
      clearTimeout(timer);
      timer = setTimeout(() => tick('event'), debounceMs);
    });
  }
  await Promise.all(watchers.map((w) => new Promise<void>((resolve) => w.once('ready', () => resolve()))));
  const every = setInterval(() => tick('interval'), intervalMs);
  return {
    stop: async () => {
      clearInterval(every);
      clearTimeout(timer);
      await Promise.all(watchers.map((w) => w.close()));
      if (running) await running;
    },
  };
}
