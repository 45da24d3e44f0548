/**
 * The git guard's node half: before a destructive git command (reset --hard, checkout -- paths,
 * restore, clean -f, stash drop/clear, switch --discard-changes) work out which protected paths it
 * would destroy, refuse unless DX_ALLOW_DESTRUCTIVE=1 (logged), and otherwise snapshot the work
 * tree (kept under refs/dx/undo/<event id>) and write an undoable ledger line first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gitRaw, gitTry } from '../git.js';
import { headState } from '../head.js';
import { appendLedger, newEventId } from '../ledger.js';
import { parseSize } from '../config/schema.js';
import { protectedLosses, protectedMatcher } from '../protect/match.js';
import type { Session } from '../session.js';
import { takeSnapshot } from '../snapshot.js';

/** The git command line split into global options, subcommand and its arguments. */
export interface GitCommand { cwd: string; sub: string; args: string[]; unguardable: string | null }

/** Split `git [global options] <sub> [args]`, following `-C <dir>` (relative to `cwd`). */
export function parseGitArgs(argv: string[], cwd: string): GitCommand {
  let dir = cwd;
  let unguardable: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-C') dir = path.resolve(dir, argv[++i] ?? '.');
    else if (a === '-c' || a === '--namespace' || a === '--exec-path') i++;
    else if (a === '--git-dir' || a === '--work-tree' || a.startsWith('--git-dir=') || a.startsWith('--work-tree=')) {
      unguardable = a.split('=')[0] as string;
      if (!a.includes('=')) i++;
    } else if (!a.startsWith('-')) return { cwd: dir, sub: a, args: argv.slice(i + 1), unguardable };
  }
  return { cwd: dir, sub: '', args: [], unguardable };
}

/** Pathspecs of a checkout/restore: what follows `--`, else the arguments that are existing paths. */
function pathspecs(cmd: GitCommand, top: string): string[] {
  const dd = cmd.args.indexOf('--');
  if (dd >= 0) return cmd.args.slice(dd + 1);
  return cmd.args.filter((a) => !a.startsWith('-') && (a === '.' || existsInside(path.resolve(cmd.cwd, a), top)));
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
      if (t.code === 0) losses = (await protectedLosses(s.ctx, protectedMatcher(s.config), 'HEAD', t.stdout.trim())).map((l) => l.path);
    }
    return { paths, losses };
  }
  if (cmd.sub === 'checkout' || cmd.sub === 'restore') return { paths: await changedVsHead(pathspecs(cmd, top)), losses: [] };
  if (cmd.sub === 'clean') {
    const r = await gitTry(['clean', '--dry-run', ...cmd.args.filter((a) => a !== '--force' && a !== '-f')], { cwd: cmd.cwd });
    const rel = path.relative(top, cmd.cwd);
    const paths = r.stdout.split('\n').filter((l) => l.startsWith('Would remove ')).map((l) => path.posix.join(rel.split(path.sep).join('/'), l.slice('Would remove '.length)).replace(/\/$/, ''));
    return { paths, losses: [] };
  }
  return { paths: [], losses: [] };
}

/** What the guard decided. `exitCode`: 0 run git, 10 refused. */
export interface GuardVerdict { exitCode: 0 | 10; message: string | null; eventId: string | null; snapshot: string | null }

/**
 * Guard one destructive git command.
 * @param env the caller's environment (DX_ALLOW_DESTRUCTIVE)
 */
export async function guardCommand(s: Session, cmd: GitCommand, env: NodeJS.ProcessEnv = process.env): Promise<GuardVerdict> {
  const isProtected = protectedMatcher(s.config);
  const { paths, losses } = await pathsAtRisk(s, cmd);
  const hit = [...new Set([...paths.filter((p) => isProtected(p)), ...losses])];
  // A folder that clean would remove holds protected files too.
  for (const p of paths) if (!hit.includes(p) && s.config.protect.paths.length && isProtected(p + '/x')) hit.push(p);
  const line = `git ${cmd.sub} ${cmd.args.join(' ')}`.trim();
  if (hit.length && env.DX_ALLOW_DESTRUCTIVE !== '1') {
    appendLedger(s.ctx, { host: s.host, op: 'guard.refuse', ok: false, error: `${line} would destroy protected paths`, paths: hit, detail: { args: [cmd.sub, ...cmd.args] } });
    return {
      exitCode: 10,
      eventId: null,
      snapshot: null,
      message: `dx-hooks: refused \`${line}\` — it would destroy protected paths (protect.paths in .dxrc):\n${hit.map((p) => `  - ${p}`).join('\n')}\nIf this is really intended: DX_ALLOW_DESTRUCTIVE=1 git …`,
    };
  }
  // Snapshot first (uncommitted and untracked work), kept reachable, then the ledger line — before git runs.
  const head = await headState(s.ctx);
  const id = newEventId();
  let snapshot: string | null = null;
  let note = '';
  if (cmd.sub === 'stash') {
    const list = await gitTry(['stash', 'list', '--format=%H'], { cwd: s.ctx.top });
    const shas = list.stdout.split('\n').filter(Boolean);
    for (const [i, sha] of shas.entries()) await gitRaw(['update-ref', `refs/dx/undo/${id}/stash-${i}`, sha], { cwd: s.ctx.top, env: { DX_IN_REFTX: '1' } });
    appendLedger(s.ctx, { id, host: s.host, op: `guard.stash`, ok: true, detail: { args: [cmd.sub, ...cmd.args], stashes: shas, recover: shas.map((sha) => `git stash store -m "recovered by dx-hooks" ${sha}`) } });
    return { exitCode: 0, eventId: id, snapshot: null, message: `dx-hooks: kept ${shas.length} stash entr${shas.length === 1 ? 'y' : 'ies'} under refs/dx/undo/${id}/ before \`${line}\` — bring one back: git stash store <sha> (dx-hooks log)` };
  }
  try {
    const snap = await takeSnapshot(s.ctx, { exclude: s.config.wip.exclude, maxFileSize: parseSize(s.config.wip.maxFileSize), allowSecrets: s.machine.allowSecrets, host: s.host, message: `dx-hooks snapshot before ${line}` });
    snapshot = snap.sha;
    // gitRaw throws on failure: the guard then refuses the command rather than run it unprotected.
    await gitRaw(['update-ref', `refs/dx/undo/${id}`, snap.sha], { cwd: s.ctx.top, env: { DX_IN_REFTX: '1' } });
    if (snap.excluded.length) note = ` (left out: ${snap.excluded.map((e) => e.path).join(', ')})`;
  } catch (err) {
    if (!(err instanceof Error && /nothing to snapshot/.test(err.message))) throw err;
  }
  appendLedger(s.ctx, {
    id,
    host: s.host,
    op: `guard.${cmd.sub}`,
    ok: true,
    paths: paths.slice(0, 200),
    detail: { args: [cmd.sub, ...cmd.args], summary: `snapshot before \`${line}\`${paths.length ? ` (${paths.length} path${paths.length === 1 ? '' : 's'} at risk)` : ''}`, ...(hit.length ? { override: 'DX_ALLOW_DESTRUCTIVE', protected: hit } : {}), ...(snapshot ? { undo: { worktree: { snapshot, head: head.sha, branch: head.branch } } } : {}) },
  });
  const msg = snapshot ? `dx-hooks: snapshot ${snapshot.slice(0, 12)} taken before \`${line}\`${note} — undo with: dx-hooks undo` : null;
  return { exitCode: 0, eventId: id, snapshot, message: hit.length ? `dx-hooks: DX_ALLOW_DESTRUCTIVE=1 — destroying protected paths ${hit.join(', ')} (logged)\n${msg ?? ''}`.trim() : msg };
}
