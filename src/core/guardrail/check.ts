/**
 * The guard's check (issue 5): does every `guard.critical` entry exist in the work tree as a regular
 * file, executable where asked, and does every glob match at least `minCount` files? A pure read of
 * the work tree (plus HEAD's file list for globs, so a tracked file a glob lost is named).
 */
import fs from 'node:fs';
import path from 'node:path';
import { gitTry } from '../git.js';
import type { Session } from '../session.js';
import { criticalEntries, type CriticalEntry } from './entries.js';

/** One critical entry out of step. `path` is repo-relative (for a glob below its minCount: the glob itself); `reason` says what is wrong, in words. */
export interface Drift { path: string; entry: string; event: 'critical_missing' | 'critical_not_executable'; reason: string }

/** What is at `abs`: a regular file (with its mode), something else, or nothing. Symlinks are followed. */
function inspect(abs: string): { kind: 'file'; mode: number } | { kind: 'missing' | 'dangling' | 'directory' | 'other' } {
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    try {
      fs.lstatSync(abs);
      return { kind: 'dangling' };
    } catch {
      return { kind: 'missing' };
    }
  }
  if (st.isFile()) return { kind: 'file', mode: st.mode };
  return { kind: st.isDirectory() ? 'directory' : 'other' };
}

const WHY = { missing: 'missing from the work tree', dangling: 'a symlink to nothing', directory: 'a directory, not a regular file', other: 'not a regular file' } as const;

/** Check one file path against an entry, pushing drifts. Returns whether a regular file is there. */
function checkFile(top: string, rel: string, e: CriticalEntry, out: Drift[]): boolean {
  const what = inspect(path.join(top, rel));
  if (what.kind !== 'file') {
    out.push({ path: rel, entry: e.entry, event: 'critical_missing', reason: WHY[what.kind] });
    return false;
  }
  if (e.executable && (what.mode & 0o111) === 0) out.push({ path: rel, entry: e.entry, event: 'critical_not_executable', reason: `not executable (mode ${(what.mode & 0o777).toString(8)})` });
  return true;
}

/** HEAD's paths (`ls-tree -r`), or none on an unborn branch. */
async function headPaths(s: Session): Promise<string[]> {
  const r = await gitTry(['ls-tree', '-r', '-z', '--name-only', '--full-tree', 'HEAD'], { cwd: s.ctx.top });
  return r.code === 0 ? r.stdout.split('\0').filter(Boolean) : [];
}

/**
 * Check every `guard.critical` entry of `s.config` against the work tree. Plain paths: exists, is a
 * regular file, executable when asked. Globs: each file HEAD has that the glob matches is still
 * there, there are at least `minCount` matching files, and each is executable when asked.
 * @returns the drifts, in the order of the entries (empty: healthy)
 */
export async function checkCritical(s: Session): Promise<Drift[]> {
  const entries = criticalEntries(s.config);
  const out: Drift[] = [];
  const globs = entries.filter((e) => e.glob);
  if (!globs.length) {
    for (const e of entries) checkFile(s.ctx.top, e.entry, e, out);
    return dedupe(out);
  }
  const [{ glob }, { default: picomatch }, tracked] = await Promise.all([import('tinyglobby'), import('picomatch'), headPaths(s)]);
  for (const e of entries) {
    if (!e.glob) {
      checkFile(s.ctx.top, e.entry, e, out);
      continue;
    }
    const present = await glob(e.entry, { cwd: s.ctx.top, dot: true, onlyFiles: true, ignore: ['.git/**'], expandDirectories: false });
    const here = new Set(present);
    const isMatch = picomatch(e.entry, { dot: true });
    const lost = tracked.filter((p) => isMatch(p) && !here.has(p));
    let files = 0;
    for (const p of [...present.sort(), ...lost]) if (checkFile(s.ctx.top, p, e, out)) files++;
    if (files + lost.length < e.minCount) {
      out.push({ path: e.entry, entry: e.entry, event: 'critical_missing', reason: `matches ${files} file(s); at least ${e.minCount} expected (minCount)` });
    }
  }
  return dedupe(out);
}

/** One drift per (event, path): a path matched by two entries is one drift, named after the first entry. */
function dedupe(drifts: Drift[]): Drift[] {
  const seen = new Set<string>();
  return drifts.filter((d) => {
    const k = `${d.event}\t${d.path}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
