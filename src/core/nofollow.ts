/**
 * Writes that never follow a symbolic link (issue 10, "nothing outside the repository, ever"). A
 * cloned repository can commit symlinks; a write that followed one (`.husky -> ~`, a telemetry
 * folder -> `~/.config`) would land outside the repository, in a shell start-up file for instance.
 *
 * Every function takes a trusted `root` (the work-tree top, or the git common dir for
 * `<git-common-dir>/dx/`) and a path inside it. Every component from `root` down, the last one
 * included, is checked with lstat: a symlink refuses the write with PATH_THROUGH_SYMLINK naming the
 * link. Files are opened with O_NOFOLLOW (and O_EXCL for temp files), so the check and the open agree.
 * `root` itself and its ancestors are trusted (a home folder reached through a link is fine).
 * Outside any repository (the user's own config and state) use store/user.ts (writeAtomic), which follows links.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DxError, EXIT } from './errors.js';

const { O_WRONLY, O_RDONLY, O_RDWR, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW } = fs.constants;

/** Paths in messages: JSON-quoted, so a hostile name cannot carry terminal control characters. */
const q = (p: string) => JSON.stringify(p);

/**
 * A write refused because a component of its path is a symlink. `link` is the absolute path of the
 * link met (a component of `file`, or `file` itself), `target` what it points to ('' when unreadable).
 */
export class SymlinkRefused extends DxError {
  readonly link: string;
  readonly target: string;
  readonly file: string;
  constructor(file: string, link: string) {
    let target = '';
    try {
      target = fs.readlinkSync(link);
    } catch {
      /* named without its target */
    }
    super(
      'PATH_THROUGH_SYMLINK',
      `refusing to write ${q(file)}: ${link === file ? 'it' : q(link)} is a symbolic link${target ? ` to ${q(target)}` : ''}, and dx-hooks never writes through a link (it could lead outside the repository)`,
      `If the repository committed this link, it may be trying to make dx-hooks write outside it: look at it (ls -l ${q(link)}), then remove it or change the setting that names it.`,
      EXIT.FAILED,
    );
    this.name = 'SymlinkRefused';
    this.link = link;
    this.target = target;
    this.file = file;
  }
}

/** The absolute path of `file` (absolute, or relative to `root`), which must be inside `root`. @throws DxError PATH_OUTSIDE_ROOT */
function resolveInside(root: string, file: string): { abs: string; parts: string[] } {
  const abs = path.resolve(root, file);
  const rel = path.relative(root, abs);
  if (rel === '') return { abs, parts: [] };
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new DxError('PATH_OUTSIDE_ROOT', `refusing to write ${q(abs)}: it is outside ${q(root)}`, 'dx-hooks writes only inside the repository and its git dir.', EXIT.FAILED);
  }
  return { abs, parts: rel.split(path.sep) };
}

/**
 * Check every component of `file` below `root` with lstat. Directories on the way must be real
 * directories; the last component, when it exists, must not be a symlink (unless `lastMayBeLink`:
 * removing or renaming a link touches only the link).
 * @returns the absolute path and the last component's lstat (null: it does not exist)
 * @throws SymlinkRefused (PATH_THROUGH_SYMLINK, exit 1); DxError PATH_OUTSIDE_ROOT, PATH_NOT_A_DIRECTORY
 */
export function checkInside(root: string, file: string, opts: { lastMayBeLink?: boolean } = {}): { abs: string; stat: fs.Stats | null } {
  const { abs, parts } = resolveInside(root, file);
  let cur = root;
  let st: fs.Stats | null = null;
  for (let i = 0; i < parts.length; i++) {
    cur = path.join(cur, parts[i] as string);
    const last = i === parts.length - 1;
    try {
      st = fs.lstatSync(cur);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { abs, stat: null };
      throw err;
    }
    if (st.isSymbolicLink() && !(last && opts.lastMayBeLink)) throw new SymlinkRefused(abs, cur);
    if (!last && !st.isDirectory()) {
      throw new DxError('PATH_NOT_A_DIRECTORY', `refusing to write ${q(abs)}: ${q(cur)} is not a directory`, `Move ${q(cur)} away, then run the command again.`, EXIT.FAILED);
    }
  }
  return { abs, stat: st };
}

/**
 * Create directory `dir` (absolute, or relative to `root`) and its parents below `root`, one
 * component at a time, refusing at the first symlink. `root` itself is created when missing.
 * @throws SymlinkRefused; DxError PATH_OUTSIDE_ROOT, PATH_NOT_A_DIRECTORY; fs errors
 */
export function mkdirInside(root: string, dir: string): string {
  const { abs, parts } = resolveInside(root, dir);
  fs.mkdirSync(root, { recursive: true });
  let cur = root;
  for (const part of parts) {
    cur = path.join(cur, part);
    try {
      fs.mkdirSync(cur);
      continue;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const st = fs.lstatSync(cur);
    if (st.isSymbolicLink()) throw new SymlinkRefused(abs, cur);
    if (!st.isDirectory()) throw new DxError('PATH_NOT_A_DIRECTORY', `refusing to create ${q(abs)}: ${q(cur)} is not a directory`, `Move ${q(cur)} away, then run the command again.`, EXIT.FAILED);
  }
  return abs;
}

function writeAll(fd: number, data: string | Buffer): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

/** Why an open failed, as a refusal when O_NOFOLLOW met a link (ELOOP; EMLINK on some BSDs). */
function openError(err: unknown, abs: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ELOOP' || code === 'EMLINK') return new SymlinkRefused(abs, abs);
  return err;
}

/**
 * Replace `file` atomically with `data` (a temp file opened O_CREAT|O_EXCL|O_NOFOLLOW beside it,
 * written, flushed unless `fsync: false`, then renamed over `file` — a rename replaces a link, never
 * follows it). Parent directories are created. The file keeps its mode unless `mode` is given.
 * @throws SymlinkRefused when a component (the last included) is a link; fs errors
 */
export function writeInside(root: string, file: string, data: string | Buffer, opts: { fsync?: boolean; mode?: number } = {}): void {
  const { abs, stat } = checkInside(root, file);
  mkdirInside(root, path.dirname(abs));
  const mode = opts.mode ?? (stat?.isFile() ? stat.mode & 0o7777 : undefined);
  const tmp = `${abs}.${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`;
  let fd: number;
  try {
    fd = fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode ?? 0o666);
  } catch (err) {
    throw openError(err, tmp);
  }
  try {
    try {
      if (mode !== undefined) fs.fchmodSync(fd, mode);
      writeAll(fd, data);
      if (opts.fsync !== false) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, abs);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Create `file` with `data`, failing when anything is already there (O_EXCL: not even a dangling
 * link is followed). For restoring a file into the work tree without overwriting what appeared.
 * @throws SymlinkRefused; EEXIST and other fs errors
 */
export function createInside(root: string, file: string, data: string | Buffer, mode = 0o644): void {
  const { abs } = checkInside(root, file);
  mkdirInside(root, path.dirname(abs));
  let fd: number;
  try {
    fd = fs.openSync(abs, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  } catch (err) {
    throw openError(err, abs);
  }
  try {
    writeAll(fd, data);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Open `file` for appending (created when missing, parents too) without following a link; `read`
 * also allows reading (O_RDWR). The caller closes the returned fd. Refuses anything but a regular file.
 * @throws SymlinkRefused; DxError PATH_NOT_A_FILE; fs errors
 */
export function openAppendInside(root: string, file: string, opts: { read?: boolean } = {}): number {
  const { abs } = checkInside(root, file);
  mkdirInside(root, path.dirname(abs));
  let fd: number;
  try {
    fd = fs.openSync(abs, (opts.read ? O_RDWR : O_WRONLY) | O_APPEND | O_CREAT | O_NOFOLLOW, 0o666);
  } catch (err) {
    throw openError(err, abs);
  }
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw new DxError('PATH_NOT_A_FILE', `refusing to append to ${q(abs)}: it is not a regular file`, `Move ${q(abs)} away, then run the command again.`, EXIT.FAILED);
  }
  return fd;
}

/** Append `data` to `file` in one write(2) (see openAppendInside). @throws SymlinkRefused; fs errors */
export function appendInside(root: string, file: string, data: string | Buffer): void {
  const fd = openAppendInside(root, file);
  try {
    writeAll(fd, data);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Append JSON Lines records (`lines`, each without its newline) to `file` in one write(2), first
 * ending a torn last line (a writer killed mid-line) with a newline, so it never swallows the next
 * record. @throws SymlinkRefused; fs errors
 */
export function appendLinesInside(root: string, file: string, lines: readonly string[]): void {
  if (!lines.length) return;
  const fd = openAppendInside(root, file, { read: true });
  try {
    const size = fs.fstatSync(fd).size;
    let lead = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      fs.readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) lead = '\n';
    }
    writeAll(fd, lead + lines.join('\n') + '\n');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Set the mode of `file`, which must exist and not be a link (chmod(2) would follow it and change
 * the target's mode). Done on an fd opened O_NOFOLLOW when the file is readable.
 * @throws SymlinkRefused; ENOENT and other fs errors
 */
export function chmodInside(root: string, file: string, mode: number): void {
  const { abs, stat } = checkInside(root, file);
  if (!stat) throw Object.assign(new Error(`ENOENT: no such file, chmod ${q(abs)}`), { code: 'ENOENT' });
  let fd: number | null = null;
  try {
    fd = fs.openSync(abs, O_RDONLY | O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') throw new SymlinkRefused(abs, abs);
    if (code !== 'EACCES') throw err;
  }
  if (fd === null) {
    fs.chmodSync(abs, mode); // unreadable: checked just above with lstat
    return;
  }
  try {
    fs.fchmodSync(fd, mode);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Rename `from` to `to`, both inside `root`. `from` may itself be a link (the link moves, its target
 * is untouched); no directory on either way may be, and `to` must not be a link.
 * @throws SymlinkRefused; fs errors
 */
export function renameInside(root: string, from: string, to: string): void {
  const a = checkInside(root, from, { lastMayBeLink: true });
  const b = checkInside(root, to);
  mkdirInside(root, path.dirname(b.abs));
  fs.renameSync(a.abs, b.abs);
}

/** Create the symlink `link` -> `target` (a committed symlink restored); refuses a link on the way and anything already at `link`. @throws SymlinkRefused; EEXIST */
export function symlinkInside(root: string, target: string, link: string): void {
  const { abs } = checkInside(root, link);
  mkdirInside(root, path.dirname(abs));
  fs.symlinkSync(target, abs);
}

/** Copy `src` (read normally) to a NEW file `dest` inside `root` (COPYFILE_EXCL: an existing file or link at `dest` fails). @throws SymlinkRefused; EEXIST */
export function copyInside(root: string, src: string, dest: string): void {
  const { abs } = checkInside(root, dest);
  mkdirInside(root, path.dirname(abs));
  fs.copyFileSync(src, abs, fs.constants.COPYFILE_EXCL);
}

/** Remove `file` (a link is removed itself, never its target), refusing a link among its directories. Missing is fine. @throws SymlinkRefused; fs errors */
export function rmInside(root: string, file: string, opts: { recursive?: boolean } = {}): void {
  const { abs, stat } = checkInside(root, file, { lastMayBeLink: true });
  if (stat) fs.rmSync(abs, { force: true, recursive: opts.recursive === true });
}
