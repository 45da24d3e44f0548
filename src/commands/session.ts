/**
 * `dx-hooks session save|show|list|restore` (DESIGN §9, issue 13 point 2): an agent's session state in
 * git refs. This layer reads the input (a state file or stdin, a transcript file), prints, and writes
 * `--out` files; the store is core/sessions/store.ts. A save is pushed like WIP (queued for the background
 * worker, or now with --wait); another host's session is fetched by name.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DxError, EXIT } from '../core/errors.js';
import { writeInside } from '../core/nofollow.js';
import { openSession } from '../core/session.js';
import { listSessions, removeSession, restoreSession, saveSession, sessionAtCheckpoint } from '../core/sessions/store.js';
import { clock } from '../core/time.js';
import type { Session } from '../core/session.js';
import type { ListedSession } from '../core/sessions/store.js';
import type { HostSessionRow } from '../core/sessions/summary.js';
import { out, printJson, safe, warn } from './common.js';

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
export async function save(opts: { id: string; agent?: string; file?: string; transcript?: string; snapshot?: string; wait?: boolean; json?: boolean; cwd: string }): Promise<number> {
  if (!opts.agent) throw new DxError('USAGE', '--agent is required', 'dx-hooks session save <id> --agent <name> --file <state.json>', EXIT.USAGE);
  const state = await readState(opts.file);
  // The transcript is read by the save, from where the last one stopped (it only grows between turns).
  const transcript = opts.transcript ? { file: path.resolve(opts.cwd, opts.transcript) } : undefined;
  const s = await openSession(opts.cwd);
  // The push's modules load while git writes the save (node compiles them on this thread: the waits are free time).
  const pushing = pushModules();
  pushing.catch(() => undefined); // awaited below; a save that fails first must not leave it unhandled
  const r = await saveSession(s, { id: opts.id, agent: opts.agent, state, transcript, snapshot: opts.snapshot });
  const push = await pushSaved(s, r.ref, opts.wait === true, await pushing);
  if (opts.json) printJson({ ...r, push });
  else {
    out(`✔ saved ${safe(r.ref)} turn ${r.turn} (${r.commit.slice(0, 12)}): ${r.rewrote ? 'written anew' : `${r.appended.messages} new message(s)`}${r.redacted.length ? `; redacted: ${r.redacted.join(', ')}` : ''}`);
    if (push.state === 'failed') warn(`✖ the session is kept here but NOT on ${push.remote || 'the remote'}: ${push.error} — retried by the next hook or command (dx-hooks status)`);
    else if (push.state === 'off' || (push.state === 'queued' && !push.remote)) out(`  not pushed: ${push.error}`);
  }
  return push.state === 'failed' ? 1 : 0;
}

/** The modules a queued push needs (pushSaved), loaded at once. */
async function pushModules() {
  const [{ resolveRemote }, { headState }, { enqueue }, { liveWorker }, { startWorker }] = await Promise.all([
    import('../core/wip/remote.js'), import('../core/head.js'), import('../core/wip/queue.js'), import('../core/wip/live.js'), import('./background.js'),
  ]);
  return { resolveRemote, headState, enqueue, liveWorker, startWorker };
}

/**
 * The save's push, like WIP's: queued for the background worker (default), or now with `wait`. A failure
 * is kept pending (state.json), retried by the next hook or command, and shown in the banner until it lands.
 */
async function pushSaved(s: Session, ref: string, wait: boolean, mods: Awaited<ReturnType<typeof pushModules>>): Promise<{ state: 'queued' | 'pushed' | 'failed' | 'off'; remote: string; error: string | null }> {
  if (!s.config.wip.enabled || s.config.wip.push === 'off') return { state: 'off', remote: '', error: 'WIP pushing is off in .dxrc (wip.push: off): the session stays on this machine' };
  const { resolveRemote, headState, enqueue, liveWorker, startWorker } = mods;
  let remote = '';
  try {
    remote = await resolveRemote(s.ctx, s.config.remote, (await headState(s.ctx)).branch);
  } catch {
    remote = ''; // no remote yet: kept pending, pushed once there is one (remote-refs.ts pendingRemote)
  }
  if (!remote) {
    // No remote yet: queued (not failing), pushed by the first worker after one is set up.
    const { queueRefPush } = await import('../core/remote-refs.js');
    await queueRefPush(s, '', [ref]);
    return { state: 'queued', remote: '', error: 'no remote yet: pushed once there is one' };
  }
  if (!wait) {
    // Like a commit's WIP: one line in the queue, and the background worker pushes it (a failure there is kept pending).
    // A worker alive already takes the line (it looks at the queue again before it lets go: wip/worker.ts).
    enqueue(s.ctx, { kind: 'ref', ref });
    if (!liveWorker(s.ctx)) await startWorker(s.ctx);
    return { state: 'queued', remote, error: null };
  }
  const { keepPending, pushRefsLocked } = await import('../core/remote-refs.js');
  const r = await pushRefsLocked(s.ctx, remote, [ref]);
  if (r.ok) return { state: 'pushed', remote, error: null };
  await keepPending(s, r, false);
  const { appendLedger } = await import('../core/ledger.js');
  appendLedger(s.ctx, { host: s.host, op: 'refs.push', ok: false, error: r.error ?? 'push failed', detail: { remote, refs: [ref] } });
  return { state: 'failed', remote, error: r.error };
}

/** `session list [--all-hosts] [--offline] [--json]`. */
export async function list(opts: { allHosts?: boolean; offline?: boolean; json?: boolean; cwd: string }): Promise<number> {
  const s = await openSession(opts.cwd);
  let rows: Array<ListedSession & Partial<HostSessionRow>> = [];
  if (opts.allHosts && !opts.offline) {
    // Every host's sessions on the remote, described by each host's summary: no session is fetched.
    const [{ resolveRemote }, { headState }, { listAllHosts }] = await Promise.all([import('../core/wip/remote.js'), import('../core/head.js'), import('../core/sessions/summary.js')]);
    const remote = await resolveRemote(s.ctx, s.config.remote, (await headState(s.ctx)).branch);
    const all = await listAllHosts(s, remote);
    rows = all.rows;
    for (const p of all.problems) warn(`dx-hooks: ${safe(p)}`);
  } else rows = await listSessions(s, { allHosts: opts.allHosts });
  if (opts.json) {
    printJson(rows);
    return 0;
  }
  if (!rows.length) out(`no sessions${opts.allHosts ? '' : ` of host ${safe(s.host)}`} here`);
  for (const r of rows) {
    const name = `${safe(r.agent)}/${safe(r.id)}  host ${safe(r.host)}`;
    if (r.described === 'none') {
      out(`${name}  on the remote, not described (details: dx-hooks session show ${safe(r.id)} --host ${safe(r.host)})`);
      continue;
    }
    const where = r.fetched === false ? `  (on the remote${r.described === 'older-summary' ? '; as of an earlier save' : ''})` : r.remoteCommit !== undefined && r.remoteCommit !== null && r.remoteCommit !== r.commit ? '  (the remote has a newer save)' : '';
    out(`${name}  branch ${safe(r.branch ?? '(detached)')}  updated ${clock(r.updated)}  ${r.turns} turn(s), ${r.messages} message(s)${where}`);
  }
  return 0;
}

/** `session show <id> [--agent <a>] [--host <h>] [--json]`: what is saved, without the messages themselves. */
export async function show(opts: { id: string; agent?: string; host?: string; offline?: boolean; json?: boolean; cwd: string }): Promise<number> {
  const s = await openSession(opts.cwd);
  const l = await restoreSession(s, opts);
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
export async function restore(opts: { id: string; agent?: string; host?: string; offline?: boolean; checkpoint?: string; out?: string; transcriptOut?: string; force?: boolean; json?: boolean; cwd: string }): Promise<number> {
  const s = await openSession(opts.cwd);
  const l = opts.checkpoint ? await sessionAtCheckpoint(s, opts.checkpoint) : await restoreSession(s, opts);
  if (opts.checkpoint && l.ref.split('/').pop() !== opts.id) throw new DxError('SESSION_MISMATCH', `checkpoint ${JSON.stringify(opts.checkpoint)} recorded session ${JSON.stringify(l.ref)}, not ${JSON.stringify(opts.id)}`, `Restore it by its own id: dx-hooks session restore ${l.ref.split('/').pop() ?? ''} --checkpoint ${opts.checkpoint}`, EXIT.USAGE);
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
  // The agent's own transcript, where the agent reads it on this machine, its paths re-homed to this clone (issue 14 point 4).
  const agentFile = !opts.transcriptOut && l.transcript ? await toAgent(s, l, opts.force === true) : null;
  if (agentFile && !agentFile.kept) written.push(agentFile.file);
  if (opts.json) {
    printJson({ ref: l.ref, commit: l.commit, written, ...(agentFile ? { agent: agentFile } : {}), ...(opts.out ? {} : { state: l.state }) });
    return 0;
  }
  // The state on stdout is for a pipe: what else is said goes to stderr then.
  const say = opts.out ? out : warn;
  if (!opts.out) process.stdout.write(stateText);
  else out(`✔ restored ${safe(l.ref)} (${l.commit.slice(0, 12)}, turn ${l.meta.turns.at(-1)?.n ?? 0}) to ${written.map(safe).join(', ')}`);
  if (agentFile?.kept) say(`  ${safe(l.meta.agent)} has this session here already (${safe(agentFile.file)}): left as it is; --force replaces it with the saved one`);
  else if (agentFile) {
    say(`✔ the transcript is where ${safe(l.meta.agent)} reads it: ${safe(agentFile.file)}${agentFile.moved ? ` (${agentFile.moved} path(s) re-homed from ${safe(agentFile.from)} to ${safe(agentFile.to)})` : ''}`);
    if (agentFile.resume) say(`  resume it: ${agentFile.resume}`);
  }
  return 0;
}

/**
 * Write a restored session's transcript where its agent reads it on this machine (Claude Code, Codex:
 * agents/transcripts.ts), every path under the saving host's work tree moved under this one
 * (agents/rehome.ts). Null for an agent whose place dx-hooks does not know. A transcript the agent has there
 * already is left as it is (`kept`) unless `force`: a restore of the state never takes the agent's own file.
 */
async function toAgent(s: Session, l: { meta: { agent: string; session: string; top?: string }; transcript: Buffer | null; subagents?: Record<string, Buffer> }, force: boolean): Promise<{ file: string; from: string; to: string; moved: number; resume: string | null; kept: boolean } | null> {
  const [{ agentTranscriptPath }, { rehomeTranscript, transcriptCwd }, { adapterFor }, { shellQuote }] = await Promise.all([
    import('../core/agents/transcripts.js'), import('../core/agents/rehome.js'), import('../core/agents/hooks/adapters.js'), import('../core/text/shell.js'),
  ]);
  if (!l.transcript) return null;
  const launch = transcriptCwd(l.transcript);
  const from = l.meta.top ?? launch ?? '';
  const to = s.ctx.top;
  // The agent was launched in the work tree or a folder of it: the same folder of this clone.
  const rel = from && launch && (launch === from || launch.startsWith(from + '/')) ? launch.slice(from.length) : '';
  const file = agentTranscriptPath(l.meta.agent, to + rel, l.meta.session);
  if (!file) return null;
  const resumeLine = () => {
    try {
      return adapterFor(l.meta.agent).resume(l.meta.session).map((w) => shellQuote(w)).join(' ');
    } catch {
      return null;
    }
  };
  // The agent has this session here already (the same host, or restored before): left as it is unless --force.
  if (fs.existsSync(file) && !force) return { file, from, to, moved: 0, resume: resumeLine(), kept: true };
  const { text, moved } = rehomeTranscript(l.transcript, from, to);
  writeInside(path.dirname(file), file, text);
  // Claude Code keeps a session's subagents beside it: <session id>/subagents/agent-<id>.jsonl.
  if (l.meta.agent === 'claude-code') {
    for (const [sid, bytes] of Object.entries(l.subagents ?? {})) {
      const subFile = path.join(path.dirname(file), l.meta.session, 'subagents', `agent-${sid}.jsonl`);
      if (!fs.existsSync(subFile) || force) writeInside(path.dirname(file), subFile, rehomeTranscript(bytes, from, to).text);
    }
  }
  return { file, from, to, moved, resume: resumeLine(), kept: false };
}

/** `session rm <id> [--agent <a>] [--json]`: this host's session, here and on the remote; `dx-hooks undo` brings it back. */
export async function rm(opts: { id: string; agent?: string; json?: boolean; cwd: string }): Promise<number> {
  const s = await openSession(opts.cwd);
  const r = await removeSession(s, { id: opts.id, agent: opts.agent });
  if (opts.json) printJson(r);
  else out(`✔ removed ${safe(r.ref)} (${r.commit.slice(0, 12)})${r.push?.ok ? ` here and on ${safe(r.push.remote)}` : ''}; bring it back: dx-hooks undo ${r.id}`);
  if (r.push && !r.push.ok) {
    warn(`✖ removed here, but NOT on ${safe(r.push.remote)}: ${r.push.error} — retried by the next hook or command`);
    return 1;
  }
  return 0;
}

/**
 * `session rewind <id> --turn <n> [--code | --conversation | --both] [--dry-run] [--force] [--agent] [--host] [--transcript-out <file>] [--json]`:
 * the work tree (default) and/or the conversation back at the end of turn n (core/sessions/rewind.ts). The
 * conversation is a fork: for Claude Code it is written where `claude --resume` finds it, and the command is printed.
 */
export async function rewind(opts: { id: string; turn?: string; code?: boolean; conversation?: boolean; both?: boolean; dryRun?: boolean; force?: boolean; agent?: string; host?: string; transcriptOut?: string; json?: boolean; cwd: string }): Promise<number> {
  const turn = Number(opts.turn);
  if (opts.turn === undefined || !Number.isInteger(turn) || turn < 1) throw new DxError('USAGE', `--turn ${JSON.stringify(opts.turn ?? '')} is not a turn number`, 'dx-hooks session rewind <id> --turn <n> (the turns: dx-hooks session show <id>)', EXIT.USAGE);
  const conversation = opts.both === true || opts.conversation === true;
  const code = opts.both === true || opts.code === true || !conversation;
  const s = await openSession(opts.cwd);
  const { rewindSession } = await import('../core/sessions/rewind.js');
  const r = await rewindSession(s, { id: opts.id, agent: opts.agent, host: opts.host, turn, code, conversation, force: opts.force, dryRun: opts.dryRun });
  let written: string | null = null;
  let resume: string | null = null;
  if (r.conversation && !r.dryRun) {
    const [{ agentTranscriptPath }, { adapterFor }, { shellQuote }] = await Promise.all([import('../core/agents/transcripts.js'), import('../core/agents/hooks/adapters.js'), import('../core/text/shell.js')]);
    const agent = r.ref.split('/')[4] ?? '';
    const file = opts.transcriptOut ? path.resolve(opts.cwd, opts.transcriptOut) : agentTranscriptPath(agent, s.ctx.top, r.conversation.session);
    if (file) {
      if (fs.existsSync(file)) throw new DxError('SESSION_OUT_EXISTS', `${JSON.stringify(file)} already exists`, 'Name another file (--transcript-out).', EXIT.FAILED);
      writeInside(path.dirname(file), file, r.conversation.transcript);
      written = file;
    }
    try {
      resume = adapterFor(agent).resume(r.conversation.session).map((w) => shellQuote(w)).join(' ');
    } catch {
      resume = null; // an agent dx-hooks has no resume command for
    }
  }
  if (opts.json) {
    printJson({ ...r, conversation: r.conversation ? { session: r.conversation.session, lines: r.conversation.lines, written, resume } : null });
    return 0;
  }
  if (r.code) {
    out(`${r.dryRun ? 'would rewind' : '✔ rewound'} the work tree to the end of turn ${r.turn} (${r.target?.slice(0, 12) ?? '?'}): ${r.code.changed.length} file(s) changed, ${r.code.removed.length} removed${r.forced.length ? ' (forced over protected paths)' : ''}`);
    for (const p of [...r.code.changed.map((x) => `  ~ ${x}`), ...r.code.removed.map((x) => `  - ${x}`)].slice(0, 30)) out(safe(p));
    if (r.code.kept.length) out(`  left alone (not in the snapshot of now: ignored, secret or too big): ${r.code.kept.map(safe).join(', ')}`);
    if (r.code.eventId) out(`  undo it: dx-hooks undo ${r.code.eventId}`);
    if (!r.conversation && !r.dryRun) {
      // The code is back at turn n; the agent's own session goes on from where it is (its conversation was not rewound).
      const [{ adapterFor }, { shellQuote }] = await Promise.all([import('../core/agents/hooks/adapters.js'), import('../core/text/shell.js')]);
      try {
        out(`  resume the agent: ${adapterFor(r.ref.split('/')[4] ?? '').resume(r.ref.split('/')[5] ?? '').map((w) => shellQuote(w)).join(' ')}`);
      } catch {
        // an agent dx-hooks has no resume command for
      }
    }
  }
  if (r.conversation) {
    out(`${r.dryRun ? 'would fork' : '✔ forked'} the conversation at turn ${r.turn}: ${r.conversation.lines} transcript line(s) as session ${r.conversation.session}${written ? `, written to ${safe(written)}` : ''}`);
    if (resume) out(`  resume the agent there: ${resume}`);
  }
  return 0;
}
