/**
 * The protected-path list the post-checkout shim reads in sh (`<git-common-dir>/dx/protect-list`,
 * lines `<mode> <path>`): every path of HEAD matched by `protect.paths` — and
 * `<git-common-dir>/dx/protect`, non-empty when pre-commit must check. (Critical paths have their
 * own list: guardrail/cache.ts.)
 * Written by the worker and install, so the hooks never parse .dxrc. Built from the protection in
 * force (inforce.ts: the work tree's .dxrc ∪ HEAD's committed one), so an uncommitted .dxrc edit
 * cannot empty them; `protect-head` names the HEAD they were built for, and pre-commit trusts an
 * empty `protect` only for that HEAD (a stale cache never makes the check weaker).
 */
import path from 'node:path';
import { rmInside, writeInside } from '../nofollow.js';
import { gitTry } from '../git.js';
import type { Session } from '../session.js';
import { protectionInForce } from './inforce.js';

/** Write `protect` and `protect-list` for the shims. Returns how many paths are listed. */
export async function writeProtectCache(s: Session): Promise<number> {
  const dir = s.ctx.dxDir;
  const head = await gitTry(['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { cwd: s.ctx.top });
  const inForce = await protectionInForce(s);
  const isProtected = inForce.isProtected;
  const lines = new Map<string, string>();
  if (inForce.paths.length) {
    const r = await gitTry(['ls-tree', '-r', '-z', '--full-tree', 'HEAD'], { cwd: s.ctx.top });
    if (r.code === 0) {
      for (const rec of r.stdout.split('\0')) {
        const tab = rec.indexOf('\t');
        if (tab < 0) continue;
        const p = rec.slice(tab + 1);
        // Newlines in a path would break the line format the shim reads: such paths are left out.
        if (!p.includes('\n') && isProtected(p)) lines.set(p, rec.slice(0, rec.indexOf(' ')));
      }
    }
  }
  if (inForce.paths.length) writeInside(s.ctx.commonDir, path.join(dir, 'protect'), '1\n');
  else rmInside(s.ctx.commonDir, path.join(dir, 'protect'));
  // pre-commit may skip its check only when HEAD has no committed config either (a staged one could take its protection away).
  if (inForce.sources.some((x) => x.from.startsWith('HEAD:'))) writeInside(s.ctx.commonDir, path.join(dir, 'protect-committed'), '1\n');
  else rmInside(s.ctx.commonDir, path.join(dir, 'protect-committed'));
  if (head.code === 0) writeInside(s.ctx.commonDir, path.join(dir, 'protect-head'), head.stdout.trim() + '\n');
  else rmInside(s.ctx.commonDir, path.join(dir, 'protect-head'));
  const list = path.join(dir, 'protect-list');
  if (lines.size) writeInside(s.ctx.commonDir, list, [...lines].map(([p, m]) => `${m} ${p}`).join('\n') + '\n');
  else rmInside(s.ctx.commonDir, list);
  return lines.size;
}
