/**
 * The one writer of the hook state (format.ts): built from the session's effective config, written
 * atomically (never through a link) to this worktree's `<git-dir>/dx/hook-state`. Every command that
 * has a session and may have seen a new `.dxrc` rewrites it: the worker (each hook run that starts
 * node), `status`, `install`, `doctor --fix` and `hook cache` (what the runtime asks for when `.dxrc`
 * is newer than the file).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { dxPaths, type RepoContext } from '../context.js';
import { debugNote } from '../debug.js';
import { describeError } from '../errors.js';
import { appendLedger } from '../ledger.js';
import { criticalLines } from '../guardrail/cache.js';
import { divergenceSettings } from '../divergence/cache.js';
import { packageVersion } from '../install/assets.js';
import { rmInside, writeInside } from '../nofollow.js';
import { protectListing, type ReuseList } from '../protect/list.js';
import type { ProtectSource } from '../protect/inforce.js';
import type { Session } from '../session.js';
import type { DxConfig } from '../config/schema.js';
import { formatHookState, HOOK_STATE_FORMAT, parseHookState, posixCksum, RC_NAMES, type HookState, type HookStateProblem } from './format.js';

/**
 * The caches this file replaced (up to release 7ad265b, all in `<git-common-dir>/dx/`, shared by every
 * worktree): removed when the hook state is written and the installed runtime reads it (syncLegacy).
 */
export const LEGACY_HOOK_CACHES = ['push-mode', 'protect', 'protect-list', 'protect-head', 'protect-committed', 'divergence', 'critical-list'] as const;

function version(): string {
  try {
    return packageVersion();
  } catch {
    return 'unknown';
  }
}

/** The config fingerprint (16 hex digits of a sha256): the effective config and the protection sources in force. */
export function configFingerprint(config: DxConfig, sources: readonly ProtectSource[]): string {
  return createHash('sha256').update(JSON.stringify({ config, sources: sources.map((x) => [x.from, x.paths, x.branches]) })).digest('hex').slice(0, 16);
}

/**
 * The hook state for `s` (one `rev-parse`, one `ls-tree -r` when protect.paths is set, the remote lookup).
 * @throws GitError when HEAD's tree cannot be listed
 */
/** Whether `<top>/package.json` may hold a `dx` key: runtime.sh's test (`"dx"` or `\u` in the text); unreadable counts as yes, missing as no. */
export function packageJsonMayHoldDx(top: string): boolean {
  let text: string;
  try {
    text = fs.readFileSync(path.join(top, 'package.json'), 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
  return text.includes('"dx"') || text.includes('\\u');
}

/** The config file `s` was loaded from, with its POSIX cksum, when it is one the hooks look at (format.ts RC_NAMES); else null. */
export function configFileSum(s: Session): HookState['configFile'] {
  const file = s.configFile;
  if (!file || path.dirname(file) !== s.ctx.top || !RC_NAMES.has(path.basename(file))) return null;
  try {
    const data = fs.readFileSync(file);
    return { name: path.basename(file), crc: posixCksum(data), bytes: data.length };
  } catch {
    return null; // gone meanwhile: the hooks see no file of that name and ask again
  }
}

export async function buildHookState(s: Session, previous?: HookState | null): Promise<HookState> {
  // The protected paths of a HEAD and a protection already listed are not listed again (no ls-tree -r).
  const reuse: ReuseList = (head, sources) =>
    previous && previous.configOk && previous.protect.head === head && previous.fingerprint === configFingerprint(s.config, sources) ? previous.protectList : null;
  const [listing, divergence] = await Promise.all([protectListing(s, reuse), divergenceSettings(s)]);
  return {
    format: HOOK_STATE_FORMAT,
    version: version(),
    fingerprint: configFingerprint(s.config, listing.sources),
    configOk: true,
    mode: s.config.wip.enabled ? s.config.wip.push : 'off',
    divergence,
    protect: { pathsSet: listing.pathsSet, committed: listing.committed, head: listing.head },
    critical: criticalLines(s.config),
    protectList: listing.list,
    packageJsonDx: packageJsonMayHoldDx(s.ctx.top),
    configFile: configFileSum(s),
  };
}

/**
 * The installed runtime (`<git-common-dir>/dx/hooks/runtime.sh`) reads the hook state: true when it
 * names it. An older runtime stays installed until `install` or `doctor --fix` and reads the legacy
 * caches instead.
 */
function runtimeReadsHookState(ctx: RepoContext): boolean {
  try {
    return fs.readFileSync(path.join(dxPaths(ctx).hooksDir, 'runtime.sh'), 'utf8').includes('/dx/hook-state');
  } catch {
    return true; // no runtime installed: nothing reads the legacy caches
  }
}

/**
 * The legacy caches: removed once the installed runtime reads the hook state. While an older runtime
 * is installed they are written in their most careful form, so it never skips a check it used to run
 * (under dash, `.dxrc -nt <missing file>` is false: a removed `protect` would switch pre-commit off):
 * `protect` and `protect-committed` always set, no `protect-head` (so "nothing protected" is never
 * trusted), and the push mode, protected paths, critical list and divergence settings of `st`.
 */
function syncLegacy(ctx: RepoContext, st: HookState): void {
  const file = (f: string) => path.join(ctx.dxDir, f);
  if (runtimeReadsHookState(ctx)) {
    for (const f of LEGACY_HOOK_CACHES) {
      try {
        rmInside(ctx.commonDir, file(f));
      } catch (err) {
        debugNote(`could not remove the old hook cache ${f}: ${String(err)}`);
      }
    }
    return;
  }
  const d = st.divergence;
  const lines = (xs: string[]) => (xs.length ? xs.join('\n') + '\n' : null);
  const content: Record<(typeof LEGACY_HOOK_CACHES)[number], string | null> = {
    protect: '1\n',
    'protect-committed': '1\n',
    'protect-head': null,
    'protect-list': lines(st.protectList.filter(([, p]) => !/[\n\r]/.test(p)).map(([m, p]) => `${m} ${p}`)),
    'critical-list': lines(st.critical.filter((c) => !/[\n\r]/.test(c.path)).map((c) => `${c.kind} ${c.path}`)),
    divergence: `${d.warn ? 'on' : 'off'} ${Math.max(1, Math.round(d.staleSeconds))} ${d.remote ?? '-'}\n`,
    'push-mode': `${st.mode}\n`, // last: the old runtime compares .dxrc's mtime with it
  };
  for (const [f, text] of Object.entries(content)) {
    if (text === null) rmInside(ctx.commonDir, file(f));
    else writeInside(ctx.commonDir, file(f), text, { fsync: false });
  }
}

/**
 * Write this worktree's hook state for `s` — unless the file already holds the same text and is newer
 * than every config file the hooks compare it with (`.dxrc`'s mtime against the file's) — and remove the legacy caches — or, for an older runtime still installed, write them
 * in their careful form. Returns what was written.
 * @throws SymlinkRefused, fs errors, GitError (buildHookState)
 */
export async function writeHookState(s: Session): Promise<HookState> {
  const file = dxPaths(s.ctx).hookState;
  const before = readStateFile(file);
  const prev = before ? parseHookState(before.text) : null;
  const st = await buildHookState(s, prev && !('error' in prev) ? prev : null);
  const text = formatHookState(st);
  if (!before || before.text !== text || !olderThanAllRcFiles(s.ctx.top, before.mtimeMs)) writeInside(s.ctx.commonDir, file, text, { fsync: false });
  syncLegacy(s.ctx, st);
  return st;
}

/** The hook state file's text and mtime (ms), or null when it is missing, not a regular file or unreadable (then it is written). */
function readStateFile(file: string): { text: string; mtimeMs: number } | null {
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile()) return null;
    return { text: fs.readFileSync(file, 'utf8'), mtimeMs: st.mtimeMs };
  } catch {
    return null;
  }
}

/**
 * Whether every config file the runtime compares with the hook state (`[ <rc> -nt <hook-state> ]`,
 * RC_NAMES) is older than `mtimeMs`, or absent: then an unchanged state is not rewritten (the hooks
 * would find nothing newer either way). Any other answer (equal times, a stat error) rewrites it.
 */
function olderThanAllRcFiles(top: string, mtimeMs: number): boolean {
  for (const name of RC_NAMES) {
    try {
      if (fs.statSync(path.join(top, name)).mtimeMs >= mtimeMs) return false;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
    }
  }
  return true;
}

/**
 * writeHookState for the worker and `status`, which must go on when it fails (a tree git cannot list,
 * an unwritable dx folder): the hook state is marked `config invalid` — the hooks then send every check
 * to node and stop asking for a rewrite until `.dxrc` changes — and the failure goes to the ledger
 * (`hook.state`). Returns the failure's description, or null when the state was written. Never throws.
 */
export async function refreshHookState(s: Session): Promise<string | null> {
  try {
    await writeHookState(s);
    return null;
  } catch (err) {
    const msg = describeError(err);
    try {
      markHookStateInvalid(s.ctx);
    } catch (again) {
      debugNote(`could not mark the hook state "config invalid" either: ${String(again)}`);
    }
    try {
      appendLedger(s.ctx, { host: s.host, op: 'hook.state', ok: false, error: `could not write the hook state: ${msg}` });
    } catch (again) {
      debugNote(`could not write the ledger line for the hook state: ${String(again)}`);
    }
    return msg;
  }
}

/**
 * Read this worktree's hook state: null when there is none, `{ error }` (naming the file) when it
 * cannot be read or parsed — a file of another format included.
 */
export function readHookState(ctx: RepoContext): HookState | HookStateProblem | null {
  const file = dxPaths(ctx).hookState;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { error: `${file}: ${(err as Error).message}` };
  }
  const r = parseHookState(text);
  return 'error' in r ? { error: `${file}: ${r.error}` } : r;
}

/**
 * `.dxrc` could not be loaded: mark the hook state `config invalid`, so the hooks send every check to
 * node (which applies the committed config) and stop asking node to re-read `.dxrc` on every hook
 * until it changes again. The last good values are kept; with none, the most careful ones are written
 * (protection assumed set and committed, at no known HEAD). @throws SymlinkRefused, fs errors
 */
export function markHookStateInvalid(ctx: RepoContext): void {
  const prev = readHookState(ctx);
  const st: HookState = prev && !('error' in prev)
    ? { ...prev, configOk: false, configFile: undefined } // no cksum: a .dxrc written back to the last good bytes must still be read again
    : {
        format: HOOK_STATE_FORMAT,
        version: version(),
        fingerprint: 'invalid',
        configOk: false,
        mode: 'background',
        divergence: { warn: true, staleSeconds: 86400, remote: null },
        protect: { pathsSet: true, committed: true, head: null },
        critical: [],
        protectList: [],
        packageJsonDx: true,
      };
  writeInside(ctx.commonDir, dxPaths(ctx).hookState, formatHookState(st), { fsync: false });
}

/** Whether this worktree's hook state matches `s`: `current`, or what is wrong with it (for doctor and status). */
export async function hookStateProblem(s: Session): Promise<string | null> {
  const st = readHookState(s.ctx);
  if (st === null) return `no hook state yet (${dxPaths(s.ctx).hookState}): the hooks send every check to node`;
  if ('error' in st) return `the hook state is unreadable: ${st.error}`;
  if (!st.configOk) return 'the hook state says .dxrc could not be loaded: the hooks send every check to node';
  const want = await buildHookState(s);
  if (st.version !== want.version) return `the hook state was written by dx-hooks ${st.version} (this is ${want.version})`;
  if (st.fingerprint !== want.fingerprint) return 'the hook state was written for another .dxrc';
  return null;
}
