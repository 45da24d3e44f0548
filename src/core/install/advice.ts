/**
 * What an install leaves for the user to commit and what stays local to this clone, as data, so
 * `install` can say it plainly: the config and husky's hook files are shared (the husky block does
 * nothing in a clone without dx-hooks); the runtime, ledger and stubs belong to this clone only.
 */
import path from 'node:path';
import { shellQuote } from '../text/shell.js';
import type { InstallPlan } from './plan.js';

/** One file or folder, named relative to the work tree where it lies inside it. */
export interface AdviceItem { path: string; why: string }

/** `commit`: files to add to the repository; `local`: never to be committed; `command`: a `git add` to paste, or null when nothing is to commit. */
export interface CommitAdvice { commit: AdviceItem[]; local: AdviceItem[]; command: string | null }

const inside = (p: string, root: string) => p === root || p.startsWith(root + path.sep);

/**
 * The commit advice for `plan` in the repository whose work tree is `top` and whose git common
 * dir is `commonDir` (both absolute). Pure: reads nothing.
 */
export function commitAdvice(plan: InstallPlan, top: string, commonDir: string): CommitAdvice {
  const rel = (p: string) => (inside(p, top) ? path.relative(top, p) || '.' : p);
  const commit: AdviceItem[] = []; // the config first, then husky's files in the plan's order
  const local: AdviceItem[] = [];
  let gitHooks = false;
  for (const a of plan.actions) {
    switch (a.kind) {
      case 'create-config':
      case 'keep-config':
        if (!inside(a.path, top)) break;
        commit.unshift(path.basename(a.path) === 'package.json'
          ? { path: rel(a.path), why: 'its "dx" key: the settings every clone shares' }
          : { path: rel(a.path), why: 'the settings every clone shares' });
        break;
      case 'husky-append':
      case 'husky-refresh':
        commit.push({ path: rel(a.path), why: 'husky hook file with dx-hooks\' lines (silent in clones without dx-hooks)' });
        break;
      case 'runtime':
        local.push({ path: rel(path.dirname(a.dir)) + path.sep, why: 'this clone\'s hook runtime, ledger and state' });
        break;
      case 'create-hook':
      case 'chain-hook':
      case 'refresh-hook':
        if (inside(a.path, commonDir)) gitHooks = true;
        else if (inside(a.path, top)) local.push({ path: rel(a.path), why: 'dx-hooks\' stub for this clone (each clone gets its own from npx dx-hooks install)' });
        break;
    }
  }
  if (gitHooks) local.push({ path: rel(plan.hooksDir) + path.sep, why: 'dx-hooks\' stubs for this clone' });
  const command = commit.length ? `git add -- ${commit.map((c) => shellQuote(c.path)).join(' ')}` : null;
  return { commit, local, command };
}
