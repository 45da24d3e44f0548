/**
 * `dx-hooks session save|show|list|restore` (DESIGN §9, issue 13 point 2): an agent's session state in
 * git refs. This layer reads the input (a state file or stdin, a transcript file), prints, and writes
 * `--out` files; the store is core/sessions/store.ts. Sessions are local refs for now: pushing them to
 * the remote (and restoring on another host from it) is not built yet.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DxError, EXIT } from '../core/errors.js';
import { writeInside } from '../core/nofollow.js';
import { openSession } from '../core/session.js';
import { listSessions, loadSession, saveSession } from '../core/sessions/store.js';
import { clock } from '../core/time.js';
import { out, printJson, safe } from './common.js';

/** The state object from `--file <path>` or stdin (`--file -`, or no --file with a pipe). */
async function readState(file: string | undefined): Promise<unknown> {
  let text: string;
  if (file === undefined || file === '-') {
    if (process.stdin.isTTY) throw new DxError('USAGE', 'no session state given', 'Pass --file <state.json>, or pipe the JSON in: … | dx-hooks session save <id> --agent <name> --file -', EXIT.USAGE);
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new DxError('SESSION_STATE_UNREADABLE', `cannot read the state file ${JSON.stringify(file)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'Check the path.', EXIT.USAGE);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new DxError('SESSION_STATE_INVALID', `the session state is not JSON: ${(err as Error).message}`, 'Give a JSON object with messages, agent_contexts, task_progress and current_task.', EXIT.USAGE);
  }
}

/** `session save <id> --agent <name> [--file <state.json> | -] [--transcript <file>] [--snapshot <sha>] [--json]`. */
export async function save(opts: { id: string; agent?: string; file?: string; transcript?: string; snapshot?: string; json?: boolean; cwd: string }): Promise<number> {
  if (!opts.agent) throw new DxError('USAGE', '--agent is required', 'dx-hooks session save <id> --agent <name> --file <state.json>', EXIT.USAGE);
  const state = await readState(opts.file);
  let transcript: Buffer | undefined;
  if (opts.transcript) {
    try {
      transcript = fs.readFileSync(opts.transcript);
    } catch (err) {
      throw new DxError('SESSION_TRANSCRIPT_UNREADABLE', `cannot read the transcript ${JSON.stringify(opts.transcript)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'Check the path.', EXIT.USAGE);
    }
  }
  const s = await openSession(opts.cwd);
  const r = await saveSession(s, { id: opts.id, agent: opts.agent, state, transcript, snapshot: opts.snapshot });
  if (opts.json) printJson(r);
  else out(`✔ saved ${safe(r.ref)} turn ${r.turn} (${r.commit.slice(0, 12)}): ${r.rewrote ? 'written anew' : `${r.appended.messages} new message(s)`}${r.redacted.length ? `; redacted: ${r.redacted.join(', ')}` : ''}`);
  return 0;
}

/** `session list [--all-hosts] [--json]`. */
export async function list(opts: { allHosts?: boolean; json?: boolean; cwd: string }): Promise<number> {
  const s = await openSession(opts.cwd);
  const rows = await listSessions(s, { allHosts: opts.allHosts });
  if (opts.json) {
    printJson(rows);
    return 0;
  }
  if (!rows.length) out(`no sessions${opts.allHosts ? '' : ` of host ${safe(s.host)}`} here`);
  for (const r of rows) out(`${safe(r.agent)}/${safe(r.id)}  host ${safe(r.host)}  branch ${safe(r.branch ?? '(detached)')}  updated ${clock(r.updated)}  ${r.turns} turn(s), ${r.messages} message(s)`);
  return 0;
}

/** `session show <id> [--agent <a>] [--host <h>] [--json]`: what is saved, without the messages themselves. */
export async function show(opts: { id: string; agent?: string; host?: string; json?: boolean; cwd: string }): Promise<number> {
  const s = await openSession(opts.cwd);
  const l = await loadSession(s, { id: opts.id, agent: opts.agent, host: opts.host });
  if (opts.json) {
    printJson({ ref: l.ref, commit: l.commit, session: l.meta, current_task: l.state.current_task });
    return 0;
  }
  const m = l.meta;
  out(`${safe(m.agent)}/${safe(m.session)} on host ${safe(m.host)}, branch ${safe(m.branch ?? '(detached)')}, work tree ${safe(m.worktree)}`);
  out(`  ref       ${safe(l.ref)} ${l.commit.slice(0, 12)}`);
  out(`  saved     ${m.turns.length} time(s), first ${clock(m.created)}, last ${clock(m.updated)}`);
  out(`  messages  ${m.messages.count} in ${m.messages.chunks.length} chunk(s)`);
  out(`  transcript ${m.transcript ? `${m.transcript.sourceBytes} bytes in ${m.transcript.chunks.length} chunk(s)` : 'none'}`);
  out(`  task      ${safe(typeof l.state.current_task === 'string' ? l.state.current_task : JSON.stringify(l.state.current_task))}`);
  return 0;
}

/**
 * `session restore <id> [--agent <a>] [--host <h>] [--out <file>] [--transcript-out <file>] [--force] [--json]`:
 * the state object (and the transcript) written back. Without --out the state goes to stdout. An existing
 * file is never overwritten without --force, and never through a link.
 */
export async function restore(opts: { id: string; agent?: string; host?: string; out?: string; transcriptOut?: string; force?: boolean; json?: boolean; cwd: string }): Promise<number> {
  const s = await openSession(opts.cwd);
  const l = await loadSession(s, { id: opts.id, agent: opts.agent, host: opts.host });
  const written: string[] = [];
  const put = (file: string, data: string | Buffer) => {
    const abs = path.resolve(opts.cwd, file);
    if (fs.existsSync(abs) && !opts.force) throw new DxError('SESSION_OUT_EXISTS', `${JSON.stringify(file)} already exists`, 'Name another file, or pass --force to replace it.', EXIT.FAILED);
    writeInside(path.dirname(abs), abs, data);
    written.push(abs);
  };
  const stateText = JSON.stringify(l.state, null, 2) + '\n';
  if (opts.out) put(opts.out, stateText);
  if (opts.transcriptOut) {
    if (!l.transcript) throw new DxError('SESSION_NO_TRANSCRIPT', `session ${JSON.stringify(opts.id)} has no transcript saved`, 'Restore the state only (drop --transcript-out).', EXIT.FAILED);
    put(opts.transcriptOut, l.transcript);
  }
  if (opts.json) printJson({ ref: l.ref, commit: l.commit, written, ...(opts.out ? {} : { state: l.state }) });
  else if (!opts.out) process.stdout.write(stateText);
  else out(`✔ restored ${safe(l.ref)} (${l.commit.slice(0, 12)}, turn ${l.meta.turns.at(-1)?.n ?? 0}) to ${written.map(safe).join(', ')}`);
  return 0;
}
