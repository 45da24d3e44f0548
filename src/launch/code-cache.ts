/**
 * Why: node spends most of a short command compiling JavaScript, not running it (bench 18: ~40 ms of a
 * ~160 ms `session save` went to compiling zod, the secret scanner, commander and our own modules). Node 22
 * keeps a compile cache of its own (`module.enableCompileCache`); node 20, which dx-hooks supports, has none
 * for modules. So the CLI is ONE script (dist/bundle/dx-hooks.js, CommonJS, built by scripts/post-build.mjs)
 * compiled with `vm.Script` and V8's code cache: the first run of each command writes what V8 compiled for it,
 * and every later run of that command starts from it (V8 checks the cache against its version, its flags and
 * the script's length; the file name carries the script's sha256, node's version and the architecture).
 *
 * Where: `<dist>/bundle/.v8-cache/` beside the code it caches (same owner, same trust: who can write there can
 * write the code), else the user's cache folder (`$XDG_CACHE_HOME/dx-hooks/v8`, env-paths). A cache file is read
 * only when it is a regular file (never through a link, nor in a linked folder) owned by this user or by the bundle's owner; it is
 * written to a fresh temporary file (`wx`) and renamed into place (a link in its place is replaced, never
 * followed), in a folder that is a real folder owned by this user. A cache that cannot be read or written costs
 * speed only: said under DX_DEBUG=1. `DX_CODE_CACHE=0` turns it off.
 *
 * Deliberately node's built-ins only (plus env-paths): it runs before anything else is loaded.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import envPaths from 'env-paths';

/** What the bundle (src/bundle.ts) exports. */
export interface BundleExports {
  /** The CLI on node's argv shape; sets process.exitCode. */
  main(argv?: string[]): Promise<void>;
  /** Every command's path as words, for the cache's names. */
  commandPaths(): string[][];
  /** The agent hook's full event handling (agent-core.ts). Returns the exit code. */
  handleEvent(agent: string, text: string, cwd: string): Promise<number>;
}

/**
 * What the build knows of the bundle (scripts/post-build.mjs): its sha256 and length in bytes, and whether it is
 * plain ASCII (then read as latin1: ~3 ms less than decoding 2.5 MB of UTF-8 on every start).
 */
export interface BuiltBundle { sha256: string; bytes: number; ascii: boolean }

declare const __DX_BUILT_BUNDLE__: BuiltBundle | undefined;

/** What the build wrote in (esbuild define, scripts/post-build.mjs); undefined when run from tsc's output. */
export function builtBundle(): BuiltBundle | undefined {
  return typeof __DX_BUILT_BUNDLE__ === 'undefined' ? undefined : __DX_BUILT_BUNDLE__;
}

/** node:crypto, loaded only when needed (a bundle changed since the build, a cache to write): ~1 ms at start. */
const crypto = () => createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');

/**
 * The function the bundle is compiled in (its parameters are what the bundle's free names resolve to: the
 * CommonJS ones, the launcher's import(), the bundle's own URL for import.meta.url). Its version is in each
 * cache file's name: a cache of another wrapper is never read.
 */
const WRAPPER = ['exports', 'require', 'module', '__filename', '__dirname', '__dxImport', '__dxImportMetaUrl'];
const WRAPPER_VERSION = 'w3';

/**
 * A short tag for how V8 runs here: its flags (node's own options, NODE_OPTIONS) change what a cache may hold,
 * and V8 rejects one made under others. FNV-1a of them, base 36; `0` for none. A name, not a check.
 */
function flagsTag(): string {
  const s = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join('\0');
  if (!s) return '0';
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

/** The most a cache file may hold (bytes): the whole CLI's compiled code is ~2–4 MB. */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

const debug = (msg: string) => {
  if (process.env.DX_DEBUG === '1') process.stderr.write(`dx-hooks: code cache: ${msg}\n`);
};

/**
 * The cache's name for `args` (the arguments after node and the script): the longest command path they start
 * with (`session save <id>` → `session-save`), else `cli` (--version, --help, a typo). Never a user's word, so
 * `restore <host>` makes one file, not one per host.
 */
export function cacheKey(args: readonly string[], paths: readonly (readonly string[])[]): string {
  let best: readonly string[] = [];
  for (const p of paths) if (p.length > best.length && p.every((w, i) => args[i] === w)) best = p;
  const key = best.join('-');
  return /^[a-z][a-z0-9-]{0,63}$/.test(key) ? key : 'cli';
}

/**
 * The folders a cache may live in: the package's own (`write` tries it first) and the user's. Read in the other
 * order: a file in the user's folder was written there because the package's could not take it (not this user's,
 * or its copy rejected and not replaceable), so it is the one to use.
 */
function cacheDirs(bundleDir: string): { pkg: string; user: string | null } {
  let user: string | null = null;
  try {
    user = path.join(envPaths('dx-hooks', { suffix: '' }).cache, 'v8');
  } catch {
    // no home: the package's folder only
  }
  return { pkg: path.join(bundleDir, '.v8-cache'), user };
}

/** Whether `dir` is a folder itself (not a link to one); false when it is missing or cannot be looked at (said under DX_DEBUG). */
function isRealDir(dir: string): boolean {
  try {
    return fs.lstatSync(dir, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch (err) {
    debug(`${dir}: not read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    return false;
  }
}

/** The cache file's bytes, when it is a regular file (not a link) owned by this user or by `trustedUid`; else null. */
function readCache(file: string, trustedUid: number | null): Buffer | null {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO planted at the name must not hang the command (the regular-file check comes after the open).
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') debug(`${file}: not read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    const uid = process.getuid?.();
    if (!st.isFile() || st.size > MAX_CACHE_BYTES) return (debug(`${file}: not a regular file of a sane size, ignored`), null);
    if (uid !== undefined && st.uid !== uid && st.uid !== trustedUid) return (debug(`${file}: owned by uid ${st.uid}, ignored`), null);
    return fs.readFileSync(fd);
  } catch (err) {
    debug(`${file}: not read (${String(err)})`);
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A folder to write the cache in: created when missing, and then a real folder owned by this user; else throws.
 * `parentMustBeOurs`: the package's folder is created only inside a bundle folder this user owns, so a run as
 * another user (root, through `sudo`) leaves nothing in a package its owner could then not delete.
 */
function ownedDir(dir: string, mode: number, parentMustBeOurs: boolean): void {
  const uid = process.getuid?.();
  if (!fs.lstatSync(dir, { throwIfNoEntry: false })) {
    const parent = parentMustBeOurs && uid !== undefined ? fs.lstatSync(path.dirname(dir)).uid : uid;
    if (parent !== uid) throw new Error(`the package is owned by uid ${parent}`);
    fs.mkdirSync(dir, { recursive: true, mode });
  }
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw new Error('not a folder (a link?)');
  if (uid !== undefined && st.uid !== uid) throw new Error(`owned by uid ${st.uid}`);
}

/**
 * Write `script`'s compiled code as `name` in the first folder that takes it, then drop that command's caches
 * of other builds there. The temporary file is opened before V8 serialises anything, so a folder that takes
 * nothing costs no serialising.
 */
function writeCache(script: vm.Script, dirs: { pkg: string; user: string | null }, name: string, key: string): void {
  for (const dir of [dirs.pkg, dirs.user]) {
    if (!dir) continue;
    const pkg = dir === dirs.pkg;
    const tmp = path.join(dir, `.${name}.${process.pid}.${crypto().randomBytes(4).toString('hex')}.tmp`);
    let fd: number | null = null;
    try {
      ownedDir(dir, pkg ? 0o755 : 0o700, pkg);
      fd = fs.openSync(tmp, 'wx', pkg ? 0o644 : 0o600);
      fs.writeFileSync(fd, script.createCachedData());
      fs.closeSync(fd);
      fd = null;
      fs.renameSync(tmp, path.join(dir, name));
      // Other builds' caches of this command under the same node, flags and wrapper: never read again. (Another
      // node or other flags may run next: theirs stay, or two of them would rewrite each other's on every run.)
      const tail = name.slice(name.lastIndexOf('.', name.length - 4));
      for (const f of fs.readdirSync(dir)) if (f.startsWith(`${key}.`) && f.endsWith(tail) && f !== name) fs.rmSync(path.join(dir, f), { force: true });
      debug(`written ${path.join(dir, name)}`);
      return;
    } catch (err) {
      if (fd !== null) fs.closeSync(fd);
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        // no temporary file was made there (the folder is not one)
      }
      debug(`${dir}: not written (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
}

/**
 * Load the bundle `file` (CommonJS) with V8's code cache for the command `key` (cacheKey), and return its exports.
 * `built`: what the build recorded of it; a bundle of another length (changed since) is hashed here instead. A
 * cache that is missing or that V8 rejects is written when the process exits. Throws what loading the bundle
 * throws (a missing or broken build: the stack names it).
 */
export function loadBundle(file: string, key: string, built?: BuiltBundle): BundleExports {
  const fd = fs.openSync(file, 'r');
  let buf: Buffer;
  let st: fs.Stats;
  try {
    st = fs.fstatSync(fd);
    buf = fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const same = built?.bytes === buf.length;
  const source = buf.toString(same && built.ascii ? 'latin1' : 'utf8').replace(/^#!.*/, '');
  const enabled = process.env.DX_CODE_CACHE !== '0';
  const sha = same ? built.sha256 : crypto().createHash('sha256').update(buf).digest('hex');
  // The build's sha256 names the code; the file's inode and times name this copy of it, so an edit in place that
  // keeps the length (V8 itself checks only the length) gets a cache of its own instead of the old code's.
  const copy = [st.ino, Math.trunc(st.mtimeMs), Math.trunc(st.ctimeMs)].map((n) => n.toString(36)).join('-');
  const name = `${key}.${sha.slice(0, 16)}.${copy}.${process.version}-${process.arch}-${flagsTag()}-${WRAPPER_VERSION}.v8`;
  const dirs = cacheDirs(path.dirname(file));
  let cachedData: Buffer | undefined;
  if (enabled) {
    for (const dir of [dirs.user, dirs.pkg]) {
      // A linked folder is not read from (nor written into: ownedDir); one that cannot even be looked at
      // (a file on its path, no permission) costs the cache only, never the command.
      if (!dir || !isRealDir(dir)) continue;
      cachedData = readCache(path.join(dir, name), st.uid) ?? undefined;
      if (cachedData) break;
    }
  }
  const script = new vm.Script(`(function (${WRAPPER.join(', ')}) {${source}\n})`, { filename: file, cachedData });
  if (enabled) {
    if (cachedData && !script.cachedDataRejected) debug(`used ${name}`);
    else {
      debug(cachedData ? `${name} rejected by V8: written anew at exit` : `no ${name}: written at exit`);
      process.once('exit', () => writeCache(script, dirs, name, key));
    }
  }
  const mod = { exports: {} as BundleExports };
  // The bundle's import() calls, made from here: a script compiled from a code cache has no loader of its own in
  // node 20 (its host-defined options are not in the cache). This file sits beside the bundle's folder, so a package
  // resolves from the same node_modules.
  const importHere = (spec: string) => import(spec);
  (script.runInThisContext() as (...a: unknown[]) => void)(mod.exports, createRequire(file), mod, file, path.dirname(file), importHere, pathToFileURL(file).href);
  return mod.exports;
}
