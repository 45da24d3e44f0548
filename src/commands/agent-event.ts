/**
 * `dx-hooks agent event <agent>` and `agent drain` (internal; issue 14 point 2): what an agent's hook
 * (agent-hook.sh) runs in node. The event's answer goes to stdout in the agent's format. A crash never
 * blocks the agent: it is said on stderr, in the ledger and in the banner, and the hook exits 0.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeError } from '../core/errors.js';
import { adapterFor } from '../core/agents/hooks/adapters.js';
import { dxEventOf, parsePayload, shellCommandOf, type Payload } from '../core/agents/event/payload.js';
import type { Session } from '../core/session.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The repository the event is about: the payload's cwd when it is a real directory, else where the hook runs. */
async function sessionFor(p: Payload, cwd: string): Promise<Session> {
  const { openSession } = await import('../core/session.js');
  const dir = p.cwd && path.isAbsolute(p.cwd) && fs.existsSync(p.cwd) ? p.cwd : cwd;
  return openSession(dir);
}

/** `agent event <agent>`: the agent's hook JSON on stdin. Exit 0 always (a refusal is in the JSON answer). */
export async function event(opts: { agent: string; cwd: string }): Promise<number> {
  return handleEvent(opts.agent, await readStdin(), opts.cwd);
}

/**
 * One hook event, its payload's text given (agent-event.ts's `event`, and the hook's own entry
 * src/agent-hook.ts when its fast answer was not enough). Returns the exit code: 0 always.
 */
export async function handleEvent(agent: string, text: string, cwd: string): Promise<number> {
  const opts = { agent, cwd };
  let s: Session | null = null;
  let what = 'the hook event';
  try {
    const adapter = adapterFor(opts.agent);
    const p = parsePayload(text);
    const ev = dxEventOf(adapter, p);
    what = `${adapter.name} ${p.hook_event_name}`;
    if (!ev || ev === 'post-tool') return 0;
    if (ev === 'pre-tool') {
      const line = shellCommandOf(adapter, p);
      if (line === null) return 0;
      const { fastShellAnswer } = await import('../core/agents/event/fast.js');
      const dir = p.cwd && path.isAbsolute(p.cwd) && fs.existsSync(p.cwd) ? p.cwd : opts.cwd;
      if ((await fastShellAnswer(line, dir)) === 'allow') return 0;
      s = await sessionFor(p, opts.cwd);
      const { judgeShellCommand } = await import('../core/agents/pretool.js');
      const v = await judgeShellCommand(s, line, dir, adapter.name);
      if (v.decision === 'deny') process.stdout.write(JSON.stringify(adapter.deny(v.reason ?? 'refused by dx-hooks', p.hook_event_name)) + '\n');
      return 0;
    }
    s = await sessionFor(p, opts.cwd);
    switch (ev) {
      case 'prompt': {
        const { startTurn } = await import('../core/agents/event/turns.js');
        await startTurn(s, adapter, p);
        return 0;
      }
      case 'session-start': {
        const { sessionStartContext } = await import('../core/agents/event/context.js');
        const text = await sessionStartContext(s);
        if (text) process.stdout.write(JSON.stringify(adapter.context(text, p.hook_event_name)) + '\n');
        return 0;
      }
      default: {
        // A turn's end: to the inbox and a detached drain (as agent-hook.sh does), so the agent never waits.
        const [{ queueTurnEnd }, { startDrain }] = await Promise.all([import('../core/agents/event/inbox.js'), import('./background.js')]);
        queueTurnEnd(s, adapter.name, p);
        startDrain(s.ctx);
        return 0;
      }
    }
  } catch (err) {
    const error = `dx-hooks: ${what} failed: ${describeError(err)} — the agent goes on; details: dx-hooks log`;
    process.stderr.write(error + '\n');
    try {
      s ??= await (await import('../core/session.js')).openSession(opts.cwd);
      const { appendLedger } = await import('../core/ledger.js');
      appendLedger(s.ctx, { host: s.host, op: 'agent.event', ok: false, error: describeError(err), detail: { agent: opts.agent, event: what } });
      const { writeInside } = await import('../core/nofollow.js');
      const { dxPaths } = await import('../core/context.js');
      const { safeLine } = await import('../core/text/safe.js');
      writeInside(s.ctx.commonDir, dxPaths(s.ctx).banner, safeLine(error) + '\n');
    } catch {
      // the stderr line above stands
    }
    return 0;
  }
}

/** `agent drain [--dx-dir <dir>]`: save the turns waiting in the inbox (started detached by agent-hook.sh). */
export async function drain(opts: { dxDir?: string; cwd: string }): Promise<number> {
  const { drainInbox } = await import('../core/agents/event/turns.js');
  let dxDir = opts.dxDir;
  if (!dxDir) dxDir = (await (await import('../core/session.js')).openSession(opts.cwd)).ctx.dxDir;
  const r = await drainInbox(path.resolve(opts.cwd, dxDir));
  // The saved sessions' pushes: the background worker, as after `session save`.
  const [{ liveWorker }, { startWorker }] = await Promise.all([import('../core/wip/live.js'), import('./background.js')]);
  for (const ctx of r.pushes) if (!liveWorker(ctx)) await startWorker(ctx);
  for (const e of r.errors) process.stderr.write(`dx-hooks: an agent turn was not saved: ${e}\n`);
  return r.failed ? 1 : 0;
}
