/**
 * The few lines an agent gets at its session's start (issue 14 point 2, `SessionStart`): which other hosts
 * have newer WIP of this branch, whether a backup is failing, and which sessions of this repository exist
 * on other hosts. Read from what this host already knows (the worker's warnings, state.json, the session
 * refs and summaries fetched before): no network in the agent's foreground. Every line is another host's
 * text or derived from it: made safe (no control characters) and kept short.
 */
import path from 'node:path';
import { z } from 'zod';
import { dxPaths } from '../../context.js';
import { headState } from '../../head.js';
import type { Session } from '../../session.js';
import { readCacheText } from '../../store/index.js';
import { safeLine } from '../../text/safe.js';
import { clock } from '../../time.js';

const WarnRecords = z.array(z.looseObject({ host: z.string(), ts: z.number(), count: z.number().nullable(), restore: z.string() })).max(200);

/** The context text, or null when there is nothing to say. */
export async function sessionStartContext(s: Session): Promise<string | null> {
  const lines: string[] = [];
  const head = await headState(s.ctx);
  if (head.branch) {
    const text = readCacheText(path.join(dxPaths(s.ctx).warnDir, `${head.branch}.json`));
    let recs: z.output<typeof WarnRecords> = [];
    try {
      const r = WarnRecords.safeParse(text ? JSON.parse(text) : []);
      if (r.success) recs = r.data;
    } catch {
      recs = [];
    }
    for (const r of recs.slice(0, 3)) lines.push(`- Host ${safeLine(r.host)} has newer work on branch ${safeLine(head.branch)}${r.count ? ` (${r.count} commit(s) not here)` : ''}, from ${clock(r.ts)}. Before changing files, tell the user; they can bring it here with: ${safeLine(r.restore)}`);
    if (recs.length > 3) lines.push(`- … and ${recs.length - 3} more host(s) (dx-hooks status).`);
  }
  const [{ readState }, { bannerText }] = await Promise.all([import('../../state.js'), import('../../wip/banner.js')]);
  const banner = await bannerText(s, readState(s.ctx).state);
  if (banner) lines.push(`- Backup: ${safeLine(banner.replace(/^dx-hooks: /, ''))}`);
  const { listSessions } = await import('../../sessions/store.js');
  const others = (await listSessions(s, { allHosts: true })).filter((r) => r.host !== s.host);
  const { FETCHED_SUMMARY_PREFIX } = await import('../../sessions/refs.js');
  const { gitTry } = await import('../../git.js');
  const summaries = await gitTry(['for-each-ref', '--format=%(refname:lstrip=5)', `${FETCHED_SUMMARY_PREFIX}/`], { cwd: s.ctx.top });
  const summaryHosts = summaries.stdout.split('\n').filter(Boolean);
  for (const r of others.slice(0, 5)) lines.push(`- Session ${safeLine(`${r.agent}/${r.id}`)} of host ${safeLine(r.host)} (branch ${safeLine(r.branch ?? 'detached')}, ${r.turns} turn(s), ${clock(r.updated)}); restore it with: dx-hooks session restore ${safeLine(r.id)} --host ${safeLine(r.host)}`);
  if (!others.length && summaryHosts.length) lines.push(`- Other hosts with sessions of this repository: ${summaryHosts.map((h) => safeLine(h)).join(', ')} (dx-hooks session list --all-hosts).`);
  if (!lines.length) return null;
  return ['dx-hooks (work safety across hosts) says:', ...lines].join('\n');
}
