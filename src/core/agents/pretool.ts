/**
 * The verdict on an agent's shell command before it runs (issue 14 point 2, `PreToolUse` on a shell tool):
 * the line is read (shell/walk.ts: never run) into its destructive effects (shell/effects.ts), and
 * - any effect on a protected path (protect.paths in force) is DENIED, with the reason and the override;
 * - otherwise, when an effect would destroy uncommitted work (a destructive git command, `rm`, `mv`, a
 *   redirect over a changed or untracked file), a snapshot is taken first (local-only, kept under
 *   refs/dx/undo/<event id>, an undoable ledger line), and the command is allowed;
 * - anything else is allowed untouched.
 * The override is the user's, not the agent's: DX_ALLOW_DESTRUCTIVE=1 in the environment the agent was
 * started with. The same words inside the command line are part of what the agent wrote, and change nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseSize } from '../config/schema.js';
import { gitRaw, gitTry } from '../git.js';
import { guardCommand, parseGitArgs, protectedHits } from '../gitguard/destructive.js';
import { headState } from '../head.js';
import { appendLedger, newEventId } from '../ledger.js';
import { protectionInForce } from '../protect/inforce.js';
import { lastValue, repoConfig } from '../repo-config.js';
import type { Session } from '../session.js';
import { takeSnapshot } from '../snapshot.js';
import { safeText } from '../text/safe.js';
import type { Effect } from './shell/effects.js';
import { effectsInside, readShellLine } from './shell/read.js';

/**
 * The verdict. `deny`: refused, `reason` says what and how to override; `allow`: it may run — `snapshot`
 * names the snapshot taken first (null: nothing at risk), `eventId` its ledger line (`dx-hooks undo <id>`).
 * `notes`: what could not be read (a script piped into a shell), for the ledger and debugging.
 */
export interface ShellVerdict { decision: 'allow' | 'deny'; reason: string | null; snapshot: string | null; eventId: string | null; effects: number; notes: string[] }

const inside = (top: string, p: string) => p === top || p.startsWith(top + path.sep);
const rel = (top: string, p: string) => path.relative(top, p).split(path.sep).join('/');

/**
 * Judge `line`, run from `cwd` by agent `agent` in the repository of `s`.
 * @param env the agent's environment (the hook's own): DX_ALLOW_DESTRUCTIVE=1 there lets protected paths go (logged)
 * @throws GitError / DxError when git cannot answer (the caller decides: an agent is never blocked by a crash)
 */
export async function judgeShellCommand(s: Session, line: string, cwd: string, agent: string, env: NodeJS.ProcessEnv = process.env): Promise<ShellVerdict> {
  const first = readShellLine(line, cwd);
  // clean.requireForce decides whether a `git clean` without -f deletes: the repository's config, asked only then.
  const cleanNeedsForce = first.mayClean ? lastValue(await repoConfig(s.ctx), 'clean.requireforce')?.trim().toLowerCase() !== 'false' : true;
  const { walked, effects } = cleanNeedsForce ? first : readShellLine(line, cwd, false);
  const notes = [...walked.opaque.map((o) => `not read: ${o.why}`), ...walked.errors.map((e) => `syntax: ${e}`)];
  const top = s.ctx.top;
  const ours = effectsInside(effects, top);
  if (!ours.length) return { decision: 'allow', reason: null, snapshot: null, eventId: null, effects: 0, notes };
  const inForce = await protectionInForce(s);
  const hits: Array<{ effect: Effect; paths: string[] }> = [];
  let atRisk: string[] = [];
  const gitEffects: Effect[] = [];
  for (const e of ours) {
    if (e.kind === 'git') {
      const cmd = parseGitArgs(e.argv, e.cwd ?? top);
      const { paths, hit } = await protectedHits(s, cmd);
      if (hit.length) hits.push({ effect: e, paths: hit });
      else gitEffects.push(e);
      atRisk.push(...paths);
      continue;
    }
    const known = e.targets.filter((t) => t.path !== null && inside(top, t.path)) as Array<{ path: string; tree: boolean }>;
    const unknown = e.targets.some((t) => t.path === null);
    const hit: string[] = [];
    if (unknown && e.kind === 'remove' && inForce.paths.length && e.targets.some((t) => t.path === null && t.tree)) hit.push('(a path known only when it runs)');
    const files = await filesUnder(s, known);
    for (const f of files) if (inForce.isProtected(f)) hit.push(f);
    for (const t of known) {
      const r = rel(top, t.path);
      if (r && inForce.isProtected(r) && !hit.includes(r)) hit.push(r);
      if ((t.tree || isDir(t.path)) && inForce.paths.length && inForce.isProtected(`${r ? `${r}/` : ''}x`) && !hit.includes(r || '.')) hit.push(r || '.');
    }
    if (hit.length) hits.push({ effect: e, paths: [...new Set(hit)] });
    atRisk.push(...(await uncommitted(s, known.map((t) => rel(top, t.path)))));
  }
  atRisk = [...new Set(atRisk)];
  if (hits.length && env.DX_ALLOW_DESTRUCTIVE !== '1') {
    const paths = [...new Set(hits.flatMap((h) => h.paths))];
    appendLedger(s.ctx, { host: s.host, op: 'agent.refuse', ok: false, error: `${agent}'s command would destroy protected paths`, paths: paths.slice(0, 200), detail: { agent, command: line.slice(0, 2000), effects: hits.map((h) => h.effect.text.slice(0, 200)) } });
    const reason = [
      `dx-hooks refused this command: it would destroy protected paths (protect.paths in .dxrc):`,
      ...paths.slice(0, 20).map((p) => `  - ${safeText(p)}`),
      ...(paths.length > 20 ? [`  … and ${paths.length - 20} more`] : []),
      `by: ${hits.map((h) => safeText(h.effect.text.slice(0, 120))).join('; ')}`,
      'Leave these paths alone, or ask the user. The override is theirs: run the command in their own terminal, or start the agent with DX_ALLOW_DESTRUCTIVE=1 in its environment (the same words inside a command change nothing).',
    ].join('\n');
    return { decision: 'deny', reason, snapshot: null, eventId: null, effects: ours.length, notes };
  }
  // Allowed. Destructive git commands go through the git guard (its snapshot and undoable ledger line, stash
  // entries kept); file effects over uncommitted work get one snapshot of their own.
  let snapshot: string | null = null;
  let eventId: string | null = null;
  for (const e of gitEffects.concat(hits.map((h) => h.effect).filter((e) => e.kind === 'git'))) {
    const v = await guardCommand(s, parseGitArgs((e as Extract<Effect, { kind: 'git' }>).argv, e.cwd ?? top), env);
    snapshot ??= v.snapshot;
    eventId ??= v.eventId;
  }
  const fileRisk = ours.some((e) => e.kind !== 'git') && atRisk.length > 0;
  if (fileRisk && !snapshot) {
    const taken = await snapshotBefore(s, agent, line, atRisk);
    snapshot = taken.snapshot;
    eventId = taken.eventId;
  }
  if (hits.length) appendLedger(s.ctx, { host: s.host, op: 'agent.allow-destructive', ok: true, paths: hits.flatMap((h) => h.paths).slice(0, 200), detail: { agent, command: line.slice(0, 2000), override: 'DX_ALLOW_DESTRUCTIVE' } });
  return { decision: 'allow', reason: null, snapshot, eventId, effects: ours.length, notes };
}

function isDir(p: string): boolean {
  try {
    return fs.lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The files git knows or sees (tracked, and untracked not ignored) under the folder targets (repository-relative). */
async function filesUnder(s: Session, targets: Array<{ path: string; tree: boolean }>): Promise<string[]> {
  const dirs = targets.filter((t) => t.tree || isDir(t.path)).map((t) => rel(s.ctx.top, t.path) || '.');
  if (!dirs.length) return [];
  const r = await gitTry(['--literal-pathspecs', 'ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...dirs], { cwd: s.ctx.top });
  return r.stdout.split('\0').filter(Boolean);
}

/** Which of `paths` (repository-relative files or folders) hold uncommitted work: changed against HEAD, or untracked. */
async function uncommitted(s: Session, paths: string[]): Promise<string[]> {
  if (!paths.length) return [];
  const r = await gitTry(['--literal-pathspecs', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--', ...paths.map((p) => p || '.')], { cwd: s.ctx.top });
  return r.stdout.split('\0').filter((l) => l.length > 3).map((l) => l.slice(3));
}

/** The snapshot before a file effect: local-only (it may hold secrets the command would delete), kept under refs/dx/undo/<id>, one undoable ledger line. */
async function snapshotBefore(s: Session, agent: string, line: string, paths: string[]): Promise<{ snapshot: string | null; eventId: string | null }> {
  const head = await headState(s.ctx);
  const id = newEventId();
  const short = line.length > 200 ? `${line.slice(0, 200)}…` : line;
  let snap;
  try {
    snap = await takeSnapshot(s.ctx, { exclude: s.config.wip.exclude, maxFileSize: parseSize(s.config.wip.maxFileSize), allowSecrets: s.machine.allowSecrets, host: s.host, message: `dx-hooks snapshot before ${agent}'s \`${short}\``, localOnly: true });
  } catch (err) {
    if (err instanceof Error && /nothing to snapshot/i.test(err.message)) return { snapshot: null, eventId: null };
    throw err;
  }
  await gitRaw(['update-ref', `refs/dx/undo/${id}`, snap.sha], { cwd: s.ctx.top, noHooks: true });
  appendLedger(s.ctx, {
    id, host: s.host, op: 'agent.snapshot', ok: true, paths: paths.slice(0, 200),
    detail: { agent, command: line.slice(0, 2000), summary: `snapshot before ${agent}'s \`${short}\` (${paths.length} path${paths.length === 1 ? '' : 's'} at risk)`, undo: { worktree: { snapshot: snap.sha, head: head.sha, branch: head.branch } } },
  });
  return { snapshot: snap.sha, eventId: id };
}
