/**
 * The paths a user names to `diagnose`: relative to the cwd or absolute, but always inside the
 * repository's work tree — `../../etc/passwd` is a usage error, never a read outside. Also the shell
 * quoting of the fix commands we print for the user to copy (we never run them through a shell).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DxError, EXIT } from '../errors.js';

/**
 * A named path: `path` repository-relative with forward slashes; `shown` relative to the cwd (what a
 * copied command needs); `up` the work tree's top relative to the cwd (`''`, `..`, `../..`), to show
 * other repository paths (a file's older name) the same way.
 */
export interface NamedPath { input: string; path: string; shown: string; up: string }

const outside = (input: string, top: string, why: string) =>
  new DxError('PATH_OUTSIDE_REPO', `${input} is outside the repository ${top} (${why})`, 'Name a file inside the work tree, relative to the current directory or absolute.', EXIT.USAGE);

/** The real path of `abs`'s deepest existing ancestor (itself included), so a symlinked folder pointing out is caught. */
function realAncestor(abs: string): string {
  let cur = abs;
  for (;;) {
    try {
      return path.join(fs.realpathSync(cur), path.relative(cur, abs));
    } catch {
      const up = path.dirname(cur);
      if (up === cur) return abs;
      cur = up;
    }
  }
}

const inside = (p: string, top: string) => p === top || p.startsWith(top + path.sep);

/**
 * Resolve each input against `cwd` and check it lies inside `top` (the work tree's real path).
 * @throws DxError PATH_OUTSIDE_REPO (exit 2) naming the first input outside the work tree, inside
 *   `.git`, the top itself, or containing a newline/NUL
 */
export function resolvePaths(top: string, cwd: string, inputs: readonly string[]): NamedPath[] {
  let realCwd = cwd;
  try {
    realCwd = fs.realpathSync(cwd);
  } catch {
    // a vanished cwd: git already failed to open the repository before we get here
  }
  return inputs.map((input) => {
    if (/[\0\n\r]/.test(input)) throw new DxError('BAD_PATH', `${JSON.stringify(input)} contains a newline or NUL`, 'Name the file without control characters.', EXIT.USAGE);
    const abs = path.resolve(realCwd, input);
    const rel = path.relative(top, abs);
    if (rel === '') throw new DxError('BAD_PATH', `${input} is the top of the repository, not a path in it`, 'Name a file or folder inside the work tree.', EXIT.USAGE);
    if (rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel)) throw outside(input, top, `it resolves to ${abs}`);
    if (rel.split(path.sep)[0] === '.git') throw outside(input, top, 'it is inside .git, not a work-tree file');
    // The last component may itself be a symlink pointing anywhere (a tracked symlink is a work-tree entry): only the folders on the way count.
    const real = path.join(realAncestor(path.dirname(abs)), path.basename(abs));
    if (!inside(real, top)) throw outside(input, top, `a symlinked folder on the way leads to ${real}`);
    return { input, path: rel.split(path.sep).join('/'), shown: path.relative(realCwd, abs).split(path.sep).join('/') || '.', up: path.relative(realCwd, top).split(path.sep).join('/') };
  });
}

/** Whether repository path `q` is `p` or lies below it (a folder's files belong to the folder). */
export function under(q: string, p: string): boolean {
  return q === p || q.startsWith(p + '/');
}

/** Repository path `q` as seen from the cwd, given `up` (see NamedPath). */
export function fromCwd(up: string, q: string): string {
  return path.posix.normalize(up ? `${up}/${q}` : q);
}

// One quoting for every paste-able command (core/text/shell.ts): controls in a name stay exact and printable.
export { shellQuote, shellOperand as operand } from '../text/shell.js';
