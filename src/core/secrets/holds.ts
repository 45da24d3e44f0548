/**
 * The record of commits whose mirror is held because they add a secret: `<git-common-dir>/dx/secret-holds.json`.
 * `held` (sha → what was found), `released` (sha → when the user released it), `clean` (commits scanned
 * and found clean, so a retry never scans twice). A missing or corrupt file is an empty record: every
 * commit not yet on the remote is scanned again and held again (fail closed); an unreadable one is loud.
 */
import path from 'node:path';
import type { RepoContext } from '../context.js';
import { debugNote } from '../debug.js';
import { describeProblem, syntaxProblem } from '../store/problem.js';
import { readStoreText } from '../store/read.js';
import { writeJson } from '../store/write.js';

/** One finding of a held commit: the path and why (`name`: a built-in secret file name; otherwise the scanner's rule). Never the secret. */
export interface HeldFinding { path: string; rule: string }

/** The record. Shas are full 40-hex commit ids; times are Unix seconds. */
export interface SecretHolds {
  v: 1;
  held: Record<string, { at: number; findings: HeldFinding[] }>;
  released: Record<string, { at: number }>;
  clean: string[];
}

/** How many clean commit ids are remembered (oldest forgotten first: they are rescanned if ever needed). */
const CLEAN_CAP = 5000;
const SHA = /^[0-9a-f]{40}$/;
const WHAT = 'secret holds record';

/** Path of the record. */
export function holdsFile(ctx: RepoContext): string {
  return path.join(ctx.dxDir, 'secret-holds.json');
}

/**
 * Read the record through the store (its text and its words for a corrupt file; no zod here: the
 * snapshot path loads this module, and each entry is checked one by one below, so one bad entry never
 * drops the others). A missing or corrupt file (or corrupt entries) reads as empty — fail closed:
 * unpushed commits are scanned again, released ones held again (said under DX_DEBUG).
 * @throws DxError STORE_UNREADABLE when the file exists but cannot be read (a directory, no permission)
 */
export function readHolds(ctx: RepoContext): SecretHolds {
  const empty: SecretHolds = { v: 1, held: {}, released: {}, clean: [] };
  const file = holdsFile(ctx);
  const text = readStoreText(file);
  if (text === null) return empty;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    debugNote(`${describeProblem(syntaxProblem(file, WHAT, text))}; read as empty: unpushed commits are scanned again, released ones held again`);
    return empty;
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    debugNote(`${describeProblem({ file, what: WHAT, where: 'top level', message: 'not an object', issues: [] })}; read as empty`);
    return empty;
  }
  const r = raw as { held?: Record<string, unknown>; released?: Record<string, unknown>; clean?: unknown };
  for (const [sha, v] of Object.entries(r.held ?? {})) {
    const h = v as { at?: unknown; findings?: unknown } | null;
    if (SHA.test(sha) && h && Array.isArray(h.findings)) empty.held[sha] = { at: Number(h.at) || 0, findings: (h.findings as HeldFinding[]).filter((f) => f && typeof f.path === 'string' && typeof f.rule === 'string') };
  }
  for (const [sha, x] of Object.entries(r.released ?? {})) if (SHA.test(sha)) empty.released[sha] = { at: Number((x as { at?: unknown } | null)?.at) || 0 };
  if (Array.isArray(r.clean)) empty.clean = r.clean.filter((c): c is string => typeof c === 'string' && SHA.test(c));
  return empty;
}

/** Write the record atomically (the clean list trimmed to its newest CLEAN_CAP ids). */
export function writeHolds(ctx: RepoContext, holds: SecretHolds): void {
  const clean = holds.clean.slice(-CLEAN_CAP);
  writeJson(ctx.commonDir, holdsFile(ctx), { ...holds, clean });
}

/** The commits held and not released, oldest first. */
export function activeHolds(holds: SecretHolds): { sha: string; at: number; findings: HeldFinding[] }[] {
  return Object.entries(holds.held)
    .filter(([sha]) => !holds.released[sha])
    .map(([sha, h]) => ({ sha, ...h }))
    .sort((a, b) => a.at - b.at);
}

/** Remember commits known clean (a snapshot just scanned by takeSnapshot), so the gate does not scan them again. */
export function markClean(ctx: RepoContext, shas: string[]): void {
  const holds = readHolds(ctx);
  const fresh = shas.filter((s) => !holds.clean.includes(s) && !holds.held[s]);
  if (!fresh.length) return;
  holds.clean.push(...fresh);
  writeHolds(ctx, holds);
}
