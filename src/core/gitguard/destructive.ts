/**
 * The git guard's node half: before a destructive git command (reset --hard, checkout -- paths,
 * checkout/restore from another tree, restore, clean -f, stash drop/clear, switch --discard-changes,
 * rm -f, worktree remove --force, a shell alias naming one of them) work out which protected paths it
 * would destroy, refuse unless DX_ALLOW_DESTRUCTIVE=1 (logged), and otherwise snapshot the work
 * tree (kept under refs/dx/undo/<event id>) and write an undoable ledger line first.
 */
import { DxError } from '../errors.js';
import fs from 'node:fs';
import path from 'node:path';
import { gitRaw, gitTry } from '../git.js';
import { headState } from '../head.js';
import { appendLedger, newEventId } from '../ledger.js';
import { parseSize } from '../config/schema.js';
import { protectedLosses } from '../protect/match.js';
import { protectionInForce } from '../protect/inforce.js';
import type { Session } from '../session.js';
import { takeSnapshot } from '../snapshot.js';
import { readStash } from '../undo/stash.js';
import { secretPaths } from '../secrets/names.js';
import { shellQuote } from '../text/shell.js';
import { safeText } from '../text/safe.js';

import { parseGitArgs, type GitCommand } from './git-args.js';

export { parseGitArgs, type GitCommand };

/**
 * The tree a checkout or restore takes files from, when it is not the index: `restore --source=<t>`
 * / `-s <t>`, or `checkout <tree-ish> [--] <paths>`. Null: from the index (or HEAD for restore --staged).
 */
export async function sourceOf(cmd: GitCommand): Promise<string | null> {
  let name: string | null = null;
  if (cmd.sub === 'restore') {
    for (let i = 0; i < cmd.args.length; i++) {
      const a = cmd.args[i] as string;
      if (a === '--') break;
      if (a === '-s' || a === '--source') name = cmd.args[i + 1] ?? null;
      else if (a.startsWith('--source=')) name = a.slice('--source='.length);
      else if (/^-s./.test(a)) name = a.slice(2);
    }
  } else if (cmd.sub === 'checkout') {
    const dd = cmd.args.indexOf('--');
    const before = (dd >= 0 ? cmd.args.slice(0, dd) : cmd.args).filter((a) => !a.startsWith('-'));
    name = before.find((a) => a !== '.' && !fs.existsSync(path.resolve(cmd.cwd, a))) ?? null;
    if (name && dd < 0 && before.length === 1) name = null; // `git checkout <branch>`: a switch, not a file checkout
  }
  if (!name) return null;
  const r = await gitTry(['rev-parse', '-q', '--verify', `${name}^{tree}`], { cwd: cmd.cwd });
  return r.code === 0 ? r.stdout.trim() : null;
}

/** Pathspecs of a checkout/restore: what follows `--`, else the arguments that are existing paths. */
function pathspecs(cmd: GitCommand, top: string): string[] {
  const dd = cmd.args.indexOf('--');
  if (dd >= 0) return cmd.args.slice(dd + 1);
  const valued = new Set(['-s', '--source', '--pathspec-from-file', '-b', '-B', '--orphan', '--conflict']);
  return cmd.args.filter((a, i) => !a.startsWith('-') && !valued.has(cmd.args[i - 1] ?? '') && (a === '.' || existsInside(path.resolve(cmd.cwd, a), top)));
}

function existsInside(p: string, top: string): boolean {
  return (p === top || p.startsWith(top + path.sep)) && fs.existsSync(p);
}

/** Paths (repository-relative) whose uncommitted state or existence the command would destroy. */
export async function pathsAtRisk(s: Session, cmd: GitCommand): Promise<{ paths: string[]; losses: string[] }> {
  const top = s.ctx.top;
  const changedVsHead = async (specs: string[]) => {
    const r = await gitTry(['diff', '--name-only', '-z', 'HEAD', '--', ...(specs.length ? specs : ['.'])], { cwd: cmd.cwd });
    return r.stdout.split('\0').filter(Boolean);
  };
  if (cmd.sub === 'reset' || cmd.sub === 'switch') {
    const paths = await changedVsHead([]);
    const target = cmd.sub === 'reset' ? cmd.args.find((a) => !a.startsWith('-')) : undefined;
    let losses: string[] = [];
    if (target) {
      const t = await gitTry(['rev-parse', '-q', '--verify', `${target}^{commit}`], { cwd: cmd.cwd });
      if (t.code === 0) losses = (await protectedLosses(s.ctx, (await protectionInForce(s)).isProtected, 'HEAD', t.stdout.trim())).map((l) => l.path);
    }
    return { paths, losses };
  }
  if (cmd.sub === 'checkout' || cmd.sub === 'restore' || cmd.sub === 'rm') {
    const specs = pathspecs(cmd, top);
    const paths = await changedVsHead(specs);
    // From another tree without overlay (restore's default, checkout --no-overlay): what that tree lacks is deleted.
    const source = cmd.sub === 'rm' ? null : await sourceOf(cmd);
    const noOverlay = cmd.sub === 'restore' ? !cmd.args.includes('--overlay') : cmd.args.includes('--no-overlay');
    let losses: string[] = [];
    if (source && noOverlay) {
      const d = await gitTry(['diff', '--name-only', '-z', '--no-renames', '--diff-filter=D', 'HEAD', source, '--', ...(specs.length ? specs : ['.'])], { cwd: cmd.cwd });
      const { isProtected } = await protectionInForce(s);
      losses = d.stdout.split('\0').filter(Boolean).filter(isProtected);
    }
    return { paths, losses };
  }
  if (cmd.sub === 'clean') {
    // --dry-run lists what would go; an interactive clean is asked about as a whole.
    const args = cmd.args.filter((a) => a !== '--force' && a !== '-f' && a !== '-i' && a !== '--interactive').map((a) => (/^-[a-zA-Z]+$/.test(a) ? a.replace(/[fi]/g, '') : a)).filter((a) => a !== '-');
    const r = await gitTry(['clean', '--dry-run', ...args], { cwd: cmd.cwd });
    // Fail closed: a clean whose victims cannot be listed is refused, never run with nothing snapshot.
    if (r.code !== 0) throw new DxError('GUARD_CHECK_FAILED', `cannot list what this clean would delete (git clean --dry-run: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`})`, 'Nothing was deleted. Fix what git said and run it again; to go ahead without the guard: DX_HOOKS=0 git clean …');
    const rel = path.relative(top, cmd.cwd);
    const paths = r.stdout.split('\n').filter((l) => l.startsWith('Would remove ')).map((l) => path.posix.join(rel.split(path.sep).join('/'), l.slice('Would remove '.length)).replace(/\/$/, ''));
    return { paths, losses: [] };
  }
  // stash (its own path), a shell alias, worktree remove: whatever the work tree holds.
  return { paths: cmd.sub === 'stash' ? [] : await changedVsHead([]), losses: [] };
}

/**
 * The ignored files a `git clean -x`/`-X` would delete whose names are secrets (the built-in exclusions or
 * wip.exclude): `.env`, keys. The guard's local-only snapshot holds them; other ignored files (build output,
 * node_modules) are not snapshot. `paths`: what `git clean --dry-run` listed (files, or folders with -d).
 */
async function ignoredSecrets(s: Session, cmd: GitCommand, paths: string[]): Promise<string[]> {
  const ignoring = cmd.args.some((a) => a === '-x' || a === '-X' || (/^-[a-zA-Z]+$/.test(a) && /[xX]/.test(a)));
  if (!ignoring || !paths.length) return [];
  const r = await gitTry(['--literal-pathspecs', 'ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--', ...paths], { cwd: s.ctx.top });
  const names = secretPaths(s.config.wip.exclude, s.machine.allowSecrets);
  // Fail closed: the clean would delete what cannot be listed, so the guard refuses rather than snapshot without it.
  if (r.code !== 0) throw new DxError('GUARD_CHECK_FAILED', `cannot list the ignored files this clean would delete (${r.stderr.trim().split('\n').pop() ?? ''})`, 'Nothing was deleted. Run it again; to go ahead without the guard (and without its snapshot): DX_HOOKS=0 git clean …');
  return r.stdout.split('\0').filter((p) => p && names.verdict(p));
}

/**
 * The stash entries `git stash drop [-q] [<stash>]` removes, from the list before it (newest first):
 * stash@{0} by default, `stash@{n}` or `n`. Null: all of them may go (`clear`, or a form not read here).
 */
export function droppedStash(args: readonly string[], shas: readonly string[]): string[] | null {
  if (!args.includes('drop') || args.includes('clear')) return null;
  const named = args.slice(args.indexOf('drop') + 1).filter((a) => !a.startsWith('-'));
  const m = named.length ? /^(?:stash@\{(\d+)\}|(\d+))$/.exec(named[0] as string) : null;
  if (named.length && !m) return null;
  const n = m ? Number(m[1] ?? m[2]) : 0;
  const sha = shas[n];
  return sha ? [sha] : null;
}

/**
 * How the command reached the guard: `shellAlias` names a `!` alias (`alias.<name>`) that runs a
 * destructive git command dx-hooks cannot parse; `removedWorktree` is the path of a worktree that
 * `git worktree remove --force` deletes (its snapshot cannot be undone in place: it is re-added).
 */
export interface GuardOptions { shellAlias?: string; removedWorktree?: string }

/** What the guard decided. `exitCode`: 0 run git, 10 refused. */
export interface GuardVerdict { exitCode: 0 | 10; message: string | null; eventId: string | null; snapshot: string | null }

/**
 * What a destructive git command puts at risk (`paths`: uncommitted work it would destroy) and which of it is
 * protected (`hit`: paths, and folders `git clean` would remove that hold protected files). A shell alias
 * runs what dx-hooks cannot see: no protected-path verdict (`hit` empty).
 * @throws DxError GUARD_CHECK_FAILED when what a clean would delete cannot be listed (fail closed)
 */
export async function protectedHits(s: Session, cmd: GitCommand, opts: GuardOptions = {}): Promise<{ paths: string[]; hit: string[] }> {
  const inForce = await protectionInForce(s);
  const isProtected = inForce.isProtected;
  const { paths, losses } = await pathsAtRisk(s, cmd);
  const hit = opts.shellAlias ? [] : [...new Set([...paths.filter((p) => isProtected(p)), ...losses])];
  for (const p of paths) if (!hit.includes(p) && inForce.paths.length && isProtected(p + '/x')) hit.push(p);
  return { paths, hit };
}

/**
 * Guard one destructive git command.
 * @param env the caller's environment (DX_ALLOW_DESTRUCTIVE)
 */
export async function guardCommand(s: Session, cmd: GitCommand, env: NodeJS.ProcessEnv = process.env, opts: GuardOptions = {}): Promise<GuardVerdict> {
  const { paths, hit } = await protectedHits(s, cmd, opts);
  const line = `git ${cmd.sub} ${cmd.args.join(' ')}`.trim();
  if (hit.length && env.DX_ALLOW_DESTRUCTIVE !== '1') {
    appendLedger(s.ctx, { host: s.host, op: 'guard.refuse', ok: false, error: `${line} would destroy protected paths`, paths: hit, detail: { args: [cmd.sub, ...cmd.args] } });
    return {
      exitCode: 10,
      eventId: null,
      snapshot: null,
      message: `dx-hooks: refused \`${line}\` — it would destroy protected paths (protect.paths in .dxrc):\n${hit.map((p) => `  - ${safeText(p)}`).join('\n')}\nIf this is really intended: DX_ALLOW_DESTRUCTIVE=1 git …`,
    };
  }
  // Snapshot first (uncommitted and untracked work), kept reachable, then the ledger line — before git runs.
  const head = await headState(s.ctx);
  const id = newEventId();
  let snapshot: string | null = null;
  let note = '';
  if (cmd.sub === 'stash') {
    // The whole list as it was: undo puts back whichever entries the command dropped, where they were.
    const entries = await readStash(s.ctx);
    const shas = entries.map((e) => e.sha);
    for (const [i, sha] of shas.entries()) await gitRaw(['update-ref', `refs/dx/undo/${id}/stash-${i}`, sha], { cwd: s.ctx.top, noHooks: true });
    const words = `${shas.length} stash entr${shas.length === 1 ? 'y' : 'ies'}`;
    const dropped = droppedStash(cmd.args, shas);
    appendLedger(s.ctx, {
      id, host: s.host, op: `guard.stash`, ok: true,
      detail: {
        args: [cmd.sub, ...cmd.args], stashes: shas, recover: shas.map((sha) => `git stash store -m "recovered by dx-hooks" ${sha}`),
        summary: `\`${line}\` (the list had ${words})`,
        ...(shas.length ? { undo: { stash: { add: entries, ...(dropped ? { restore: dropped } : {}) } } } : {}),
      },
    });
    return { exitCode: 0, eventId: id, snapshot: null, message: `dx-hooks: kept ${words} under refs/dx/undo/${id}/ before \`${line}\` — undo with: dx-hooks undo` };
  }
  try {
    // Local-only: it keeps the secret and wip.exclude files the command would destroy (a `.env` that
    // `git clean -f` deletes), and carries the trailer that keeps it off every remote (secrets/localonly.ts).
    const ignored = cmd.sub === 'clean' ? await ignoredSecrets(s, cmd, paths) : [];
    const snap = await takeSnapshot(s.ctx, { exclude: s.config.wip.exclude, maxFileSize: parseSize(s.config.wip.maxFileSize), allowSecrets: s.machine.allowSecrets, host: s.host, message: `dx-hooks snapshot before ${line}`, localOnly: true, ignored });
    snapshot = snap.sha;
    // gitRaw throws on failure: the guard then refuses the command rather than run it unprotected.
    await gitRaw(['update-ref', `refs/dx/undo/${id}`, snap.sha], { cwd: s.ctx.top, noHooks: true });
    const listed = (paths: string[]) => paths.slice(0, 10).map((p) => safeText(p)).join(', ') + (paths.length > 10 ? `, … (${paths.length})` : '');
    if (snap.localOnly?.length) note += ` (kept on this machine only, never pushed: ${listed(snap.localOnly)})`;
    if (snap.excluded.length) note += ` (left out: ${listed(snap.excluded.map((e) => e.path))})`;
  } catch (err) {
    if (!(err instanceof Error && /nothing to snapshot/.test(err.message))) throw err;
  }
  const recover = opts.removedWorktree && snapshot ? `git worktree add --detach ${shellQuote(opts.removedWorktree)} ${snapshot}` : null;
  appendLedger(s.ctx, {
    id,
    host: s.host,
    op: opts.shellAlias ? 'guard.alias' : `guard.${cmd.sub}`,
    ok: true,
    paths: paths.slice(0, 200),
    detail: {
      args: [cmd.sub, ...cmd.args],
      summary: `snapshot before \`${line}\`${paths.length ? ` (${paths.length} path${paths.length === 1 ? '' : 's'} at risk)` : ''}`,
      ...(opts.shellAlias ? { alias: opts.shellAlias } : {}),
      ...(hit.length ? { override: 'DX_ALLOW_DESTRUCTIVE', protected: hit } : {}),
      // A removed worktree cannot be restored in place by undo (the folder is gone): it is re-added from the snapshot.
      ...(snapshot && !recover ? { undo: { worktree: { snapshot, head: head.sha, branch: head.branch } } } : {}),
      ...(recover ? { recover } : {}),
    },
  });
  const how = recover ? `bring it back with: ${recover}` : 'undo with: dx-hooks undo';
  const unseen = opts.shellAlias ? ` (${opts.shellAlias} is a shell command dx-hooks cannot read: protected paths were not checked)` : '';
  const msg = snapshot ? `dx-hooks: snapshot ${snapshot.slice(0, 12)} taken before \`${line}\`${note}${unseen} — ${how}` : null;
  return { exitCode: 0, eventId: id, snapshot, message: hit.length ? `dx-hooks: DX_ALLOW_DESTRUCTIVE=1 — destroying protected paths ${hit.join(', ')} (logged)\n${msg ?? ''}`.trim() : msg };
}
