/**
 * An agent's shell line read without the repository's config, git or node's heavier modules (the
 * PreToolUse hook's fast answer): what it reaches (walk.ts), what it would destroy (effects.ts), and which of
 * that is inside a work tree. pretool.ts judges what is left against the repository.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseGitArgs } from '../../gitguard/git-args.js';
import { effectsOf, type Effect } from './effects.js';
import { walkCommandLine } from './walk.js';

const inside = (top: string, p: string) => p === top || p.startsWith(top + path.sep);

/**
 * A line read without the repository (no git, no config): every command it reaches, their destructive effects
 * (with `git clean` deleting only when forced, git's default), and whether a `git clean` is among them
 * (`mayClean`: then clean.requireForce may change the answer). A line with no effects needs no more.
 */
export function readShellLine(line: string, cwd: string, cleanNeedsForce = true): { walked: ReturnType<typeof walkCommandLine>; effects: Effect[]; mayClean: boolean } {
  const walked = walkCommandLine(line, cwd);
  const effects = walked.commands.flatMap((c) => effectsOf(c, { cleanNeedsForce, exists: (p) => fs.existsSync(p) }));
  const mayClean = walked.commands.some((c) => c.words[0]?.value.endsWith('git') && c.words.some((w) => w.value === 'clean'));
  return { walked, effects, mayClean };
}

/** The effects that reach into the work tree at `top` (a path known only when the line runs may). */
export function effectsInside(effects: Effect[], top: string): Effect[] {
  return effects.filter((e) => (e.kind === 'git' ? e.cwd === null || inside(top, gitDir(e, top)) : e.targets.some((t) => t.path === null || inside(top, t.path))));
}

/** The directory a git effect acts in (its `-C`, from its cwd). */
function gitDir(e: Effect, top: string): string {
  return e.kind === 'git' ? parseGitArgs(e.argv, e.cwd ?? top).cwd : top;
}
