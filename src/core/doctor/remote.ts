/**
 * Doctor's network check, the slowest one: one `git ls-remote` of the WIP remote, bounded by a
 * timeout, reporting `REMOTE_UNREACHABLE`. What it lists (the index branch tip and every WIP ref)
 * is handed to the index checks, so doctor asks the remote once.
 */
import { describeError } from '../errors.js';
import { gitTry } from '../git.js';
import { headState } from '../head.js';
import { INDEX_REF } from '../wipindex/store.js';
import type { Session } from '../session.js';
import { lastLines, resolveRemote } from '../wip/remote.js';
import type { Diagnostic } from './types.js';

/** Doctor's network bound when DX_NETWORK_TIMEOUT_MS is not set: ms. */
export const DOCTOR_TIMEOUT_MS = 10_000;

/** The timeout (ms) for doctor's network calls: DX_NETWORK_TIMEOUT_MS when it is a positive number, else 10 s. */
export function doctorTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.DX_NETWORK_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : DOCTOR_TIMEOUT_MS;
}

/** What the remote holds: ref → sha for the index branch and the WIP refs under the configured prefix. */
export interface RemoteProbe { remote: string; url: string; refs: Map<string, string> }

const unreachable = (s: Session, message: string, hint: string, id = 'REMOTE_UNREACHABLE'): Diagnostic => ({
  code: 'REMOTE_UNREACHABLE', id, severity: s.config.wip.enabled ? 'error' : 'warning', message, fixable: false, hint,
});

/**
 * Probe the WIP remote of `s`. `probe` is null when there is no remote or it cannot be read.
 * A repository without any remote is a warning (dx-hooks then keeps WIP on this host only).
 */
export async function probeRemote(s: Session, timeoutMs = doctorTimeoutMs()): Promise<{ probe: RemoteProbe | null; diagnostics: Diagnostic[] }> {
  const { ctx } = s;
  const remotes = (await gitTry(['remote'], { cwd: ctx.top })).stdout.split('\n').filter(Boolean);
  if (!remotes.length) {
    return {
      probe: null,
      diagnostics: [{ code: 'REMOTE_UNREACHABLE', id: 'REMOTE_UNREACHABLE:none', severity: 'warning', fixable: false, message: 'this repository has no remote: WIP is kept on this host only, nothing is backed up elsewhere', hint: 'Add one: git remote add origin <url> (or set "remote" in .dxrc.json).' }],
    };
  }
  let remote: string;
  try {
    remote = await resolveRemote(ctx, s.config.remote, (await headState(ctx)).branch);
  } catch (err) {
    return { probe: null, diagnostics: [unreachable(s, describeError(err), `Add it, or set "remote" in .dxrc.json to one of: ${remotes.join(', ')}.`, 'REMOTE_UNREACHABLE:name')] };
  }
  const url = (await gitTry(['remote', 'get-url', '--', remote], { cwd: ctx.top })).stdout.trim();
  const hint = 'Check the network, the URL (git remote -v) and your credentials. Pushes that fail stay pending and are retried by the next hook or command.';
  let r;
  try {
    r = await gitTry(['ls-remote', '--', remote, INDEX_REF, `${s.config.wip.refPrefix}/*`], { cwd: ctx.top, timeoutMs });
  } catch (err) {
    return { probe: null, diagnostics: [unreachable(s, `cannot reach the WIP remote "${remote}" (${url}): no answer within ${timeoutMs} ms (${describeError(err).split('\n')[0]})`, hint)] };
  }
  if (r.code !== 0) return { probe: null, diagnostics: [unreachable(s, `cannot reach the WIP remote "${remote}" (${url}): ${lastLines(r.stderr)}`, hint)] };
  const refs = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (sha && ref) refs.set(ref, sha);
  }
  return { probe: { remote, url, refs }, diagnostics: [] };
}
