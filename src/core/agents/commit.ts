/**
 * The attributed commit (`dx-hooks commit --agent … --task … -m …`, DESIGN §9): stage the named files
 * (or every change), leave out what must never be committed — a file matched by the built-in secret
 * names or `wip.exclude`, or over `wip.maxFileSize` — and commit `[<agent>] <task>: <description>` with
 * the attribution trailers. The commit is a plain `git commit`: the user's hooks run (so protection and
 * mirroring apply), and a hook's refusal is this command's refusal. Nothing is ever forced: a file
 * already staged that must not be committed refuses the commit and names how to unstage it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseSize } from '../config/size.js';
import { DxError, EXIT } from '../errors.js';
import { git, gitRaw, gitTry } from '../git.js';
import { appendLedger } from '../ledger.js';
import { checkPreCommit } from '../protect/precommit.js';
import { secretPaths } from '../secrets/names.js';
import type { Session } from '../session.js';
import type { ExcludedFile } from '../snapshot.js';
import { safeJson } from '../text/safe.js';
import { shellOperand } from '../text/shell.js';
import { scanWorkTree } from '../worktree-scan.js';
import { ATTRIBUTED_ENV, checkAttribution, type AgentIdentity } from './names.js';
import { attributionTrailers, withTrailers } from './trailers.js';

/** What to commit. `files`: paths (relative to `cwd`, or absolute inside the work tree); none = every change. */
export interface AgentCommitInput extends AgentIdentity {
  task: string;
  /** the commit's description: its first line follows `[<agent>] <task>: `, the rest is the body */
  description: string;
  files?: readonly string[];
  /** where relative `files` are resolved (default: the work tree's top) */
  cwd?: string;
}

/**
 * What was done: the new commit (null when there was nothing to commit), its full message, when
 * (Unix seconds), the paths it changed, and the files left out (with why: `exclude` by name, `size`).
 */
export interface AgentCommitResult { commit: string | null; message: string; ts: number; files: string[]; excluded: ExcludedFile[] }

/** The description checked: not empty, no control character but newlines and tabs (it becomes the commit message). */
function checkDescription(d: string): string {
  const text = d.replace(/\r\n/g, '\n').trim();
  if (!text) throw new DxError('COMMIT_MESSAGE_EMPTY', 'the description is empty (-m)', 'Say what the change does: dx-hooks commit --agent <name> --task <id> -m "<description>".', EXIT.USAGE);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) throw new DxError('COMMIT_MESSAGE_INVALID', `the description holds a control character: ${safeJson(text.slice(0, 80))}`, 'Write it as plain text (newlines and tabs are fine).', EXIT.USAGE);
  return text;
}

/** `files` as paths relative to the work tree's top, `/`-separated. */
function selection(top: string, cwd: string, files: readonly string[]): string[] {
  return files.map((f) => {
    const rel = path.relative(top, path.resolve(cwd, f));
    if (!f || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new DxError('COMMIT_PATH_OUTSIDE', `${safeJson(f)} is not inside the work tree ${safeJson(top)}`, 'Name files inside this repository.', EXIT.USAGE);
    }
    return rel.split(path.sep).join('/');
  });
}

/** Whether `p` is `sel` or lies under it (a folder named). The whole work tree when `sel` is ''. */
const under = (p: string, sel: string) => sel === '' || p === sel || p.startsWith(sel.endsWith('/') ? sel : `${sel}/`);

/**
 * Make the attributed commit in the work tree of `s` (see the header).
 * @throws DxError AGENT_NAME_INVALID / COMMIT_MESSAGE_EMPTY / COMMIT_MESSAGE_INVALID / COMMIT_PATH_OUTSIDE /
 *   COMMIT_PATH_UNKNOWN (exit 2) for bad input; COMMIT_STAGED_EXCLUDED (exit 1) when a staged file must not be
 *   committed; PROTECTED_PATHS (exit 1) when the commit would remove a protected path; COMMIT_FAILED (exit 1)
 *   when `git commit` (or one of the user's hooks) refused — git's own words are in the message
 */
export async function agentCommit(s: Session, input: AgentCommitInput): Promise<AgentCommitResult> {
  const id = checkAttribution({ agent: input.agent, task: input.task, session: input.session, model: input.model });
  const description = checkDescription(input.description);
  const top = s.ctx.top;
  const sel = input.files?.length ? selection(top, input.cwd ?? top, input.files) : null;
  const scan = await scanWorkTree(top, {});
  const names = secretPaths(s.config.wip.exclude, s.machine.allowSecrets ?? []);
  const maxBytes = parseSize(s.config.wip.maxFileSize);
  const inSel = (p: string) => !sel || sel.some((x) => under(p, x));
  if (sel) {
    // Every named path must be something git knows or a file here: a typo is an error, not an empty commit.
    const known = new Set([...scan.changed, ...scan.untracked, ...scan.staged.map((e) => e.path)]);
    for (const [i, x] of sel.entries()) {
      if ([...known].some((p) => under(p, x)) || fs.existsSync(path.join(top, x))) continue;
      const tracked = await gitTry(['ls-files', '--error-unmatch', '--', `:(literal)${x}`], { cwd: top });
      if (tracked.code !== 0) throw new DxError('COMMIT_PATH_UNKNOWN', `${safeJson(input.files![i])} is neither a file here nor one git knows`, 'Check the path (git status lists what changed).', EXIT.USAGE);
    }
  }
  const excluded: ExcludedFile[] = [];
  const why = (p: string): ExcludedFile | null => {
    if (names.verdict(p)) return { path: p, reason: 'exclude' };
    try {
      const st = fs.lstatSync(path.join(top, p));
      if (st.isFile() && st.size > maxBytes) return { path: p, reason: 'size', bytes: st.size };
    } catch {
      // deleted: the deletion is staged like any change
    }
    return null;
  };
  // Already staged and about to be committed: what must not be committed refuses the whole commit.
  const stagedBad = scan.staged.filter((e) => inSel(e.path) && e.sha !== null).map((e) => why(e.path)).filter((x): x is ExcludedFile => x !== null);
  if (stagedBad.length) {
    const list = stagedBad.map((x) => `${x.path} (${x.reason === 'size' ? `${x.bytes} bytes, over wip.maxFileSize` : 'a secret file name: the built-in exclusions or wip.exclude'})`).join(', ');
    throw new DxError('COMMIT_STAGED_EXCLUDED', `refusing to commit: staged file(s) that must not be committed: ${list}`, `Unstage them first: git restore --staged -- ${stagedBad.map((x) => shellOperand(x.path)).join(' ')}`, EXIT.FAILED);
  }
  const take: string[] = [];
  for (const p of [...new Set([...scan.changed, ...scan.untracked])]) {
    if (!inSel(p)) continue;
    const out = why(p);
    if (out) excluded.push(out);
    else take.push(p);
  }
  if (take.length) await gitRaw(['--literal-pathspecs', 'add', '--all', '--pathspec-from-file=-', '--pathspec-file-nul'], { cwd: top, input: take.join('\0') + '\0' });
  // What this commit holds: the index against HEAD, within the selection.
  const pending = await gitTry(['diff', '--cached', '--name-only', '-z', '--no-renames'], { cwd: top });
  const staged = pending.stdout.split('\0').filter((p) => p && inSel(p));
  const subject = description.split('\n')[0]!;
  const body = description.split('\n').slice(1).join('\n').trim();
  const base = `[${id.agent}] ${input.task}: ${subject}\n${body ? `\n${body}\n` : ''}`;
  const message = await withTrailers(top, base, attributionTrailers(id, s.host, id.agent ? s.machine.agentCoAuthors?.[id.agent] : undefined));
  const ts = Math.floor(Date.now() / 1000);
  if (!staged.length) return { commit: null, message, ts, files: [], excluded };
  if (!sel) {
    // The index is what is committed: the protection check runs here too, so it applies with or without the hooks installed.
    const verdict = await checkPreCommit(s, undefined, process.env);
    if (verdict.refused) throw new DxError('PROTECTED_PATHS', verdict.message ?? 'refused: the commit would remove protected paths', 'Keep the protected paths, or set DX_ALLOW_PROTECTED=1 if this is really intended (logged).', EXIT.FAILED);
  }
  const args = ['commit', '--quiet', '--no-edit', '--cleanup=verbatim', '-F', '-', ...(sel ? ['--', ...staged.map((p) => `:(literal)${p}`)] : [])];
  const r = await gitTry(args, { cwd: top, input: message, env: { [ATTRIBUTED_ENV]: '1' } });
  if (r.code !== 0) {
    throw new DxError('COMMIT_FAILED', `git commit refused the attributed commit: ${r.stderr.trim().split('\n').slice(-6).join(' | ') || `exit ${r.code}`}`, 'Nothing was committed; the files stay staged. Fix what git or the hook said and run it again.', EXIT.FAILED);
  }
  const commit = (await git(['rev-parse', 'HEAD'], { cwd: top })).trim();
  const changed = await git(['diff-tree', '--root', '--no-commit-id', '--name-only', '--no-renames', '-r', '-z', commit], { cwd: top });
  const files = changed.split('\0').filter(Boolean);
  appendLedger(s.ctx, { host: s.host, op: 'agent.commit', ok: true, detail: { agent: id.agent, task: input.task, ...(id.session ? { session: id.session } : {}), commit, files: files.length, excluded: excluded.map((x) => x.path) } });
  return { commit, message, ts, files, excluded };
}
