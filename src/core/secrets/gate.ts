/**
 * The secret gate in front of every automatic push of history (WIP mirror, kept snapshots, checkpoint
 * tags): the commits a push would newly send (not reachable from the remote's tracking refs nor from
 * what this host already landed) are scanned — their first-parent diff, for an added file whose name is
 * a built-in secret, or an added or changed file whose content gains a private key or token. A flagged
 * commit is held: recorded in secret-holds.json and refused until `dx-hooks secrets release <sha>`.
 * A later commit that deletes the secret does not release it: the history still holds it. Runs in the
 * background worker or a command, never in a hook's foreground.
 */
import type { RepoContext } from '../context.js';
import { blobSizes, readBlobs } from '../blobs.js';
import { gitRaw, gitTry } from '../git.js';
import { readHolds, writeHolds, type HeldFinding } from './holds.js';
import { LOCAL_ONLY_FINDING, localOnlyInPush } from './localonly.js';
import { secretPaths, type SecretPaths } from './names.js';
import { scanContent } from './scan.js';

/**
 * What the gate needs: the machine's allowSecrets and the size bound of a scanned blob (bytes). Callers pass
 * GATE_MAX_BYTES, never the repository's wip.maxFileSize: a cloned .dxrc must not be able to shrink the scan.
 */
export interface GateRules { allowSecrets?: readonly string[]; maxFileSize: number }

/** A held commit in the way of a push; `fresh`: found by this call (not held before), so the caller logs it once. */
export interface Held { sha: string; findings: HeldFinding[]; fresh?: boolean }

/** The gate's bound on a scanned blob: 10 MiB (bigger blobs go unscanned; names are still checked). */
export const GATE_MAX_BYTES = 10 * 1024 * 1024;

interface Change { status: string; oldMode: string; newMode: string; oldSha: string; newSha: string; path: string }

/** `diff-tree -r -z --raw` output → changes. */
function parseRaw(out: string): Change[] {
  const parts = out.split('\0');
  const changes: Change[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const meta = parts[i] as string;
    if (!meta.startsWith(':')) break;
    const [oldMode, newMode, oldSha, newSha, status] = meta.slice(1).split(' ') as [string, string, string, string, string];
    changes.push({ status: status.charAt(0), oldMode, newMode, oldSha, newSha, path: parts[i + 1] as string });
  }
  return changes;
}

/** Matched texts of a blob's findings (to tell a finding the commit adds from one its parent already had). */
async function matches(bytes: Buffer, p: string): Promise<Set<string>> {
  const text = bytes.toString('utf8');
  return new Set((await scanContent(bytes, p)).map((f) => `${f.rule}\0${text.slice(f.start, f.end)}`));
}

/** Scan one commit's first-parent diff. Returns its findings (empty: clean). */
export async function scanCommit(ctx: RepoContext, sha: string, parent: string | null, names: SecretPaths, maxFileSize: number): Promise<HeldFinding[]> {
  const args = parent ? ['diff-tree', '-r', '-z', '--no-renames', '--no-commit-id', parent, sha] : ['diff-tree', '-r', '-z', '--no-renames', '--no-commit-id', '--root', sha];
  const changes = parseRaw(await gitRaw(args, { cwd: ctx.top })).filter((c) => c.status !== 'D' && c.newMode.startsWith('100'));
  const findings: HeldFinding[] = [];
  const toScan: Change[] = [];
  for (const c of changes) {
    if (names.allowed(c.path)) continue;
    if (c.status === 'A' && names.verdict(c.path) === 'default') findings.push({ path: c.path, rule: 'secret file name' });
    else toScan.push(c);
  }
  const zero = /^0+$/;
  const sizes = await blobSizes(ctx.top, [...new Set(toScan.flatMap((c) => [c.newSha, ...(zero.test(c.oldSha) ? [] : [c.oldSha])]))]);
  const small = (sha: string) => (sizes.get(sha) ?? Infinity) <= maxFileSize;
  const blobs = await readBlobs(ctx.top, [...new Set(toScan.map((c) => c.newSha).filter(small)), sha]);
  // The commit's own message goes to the remote too (and its subject into the index branch).
  const commit = blobs.get(sha) as Buffer;
  const body = commit.subarray(commit.indexOf('\n\n') + 2);
  for (const rule of new Set((await scanContent(body, 'COMMIT_EDITMSG')).map((f) => f.rule))) findings.push({ path: '(commit message)', rule });
  for (const c of toScan) {
    const bytes = blobs.get(c.newSha);
    if (!bytes) continue; // over maxFileSize
    const added = await matches(bytes, c.path);
    if (!added.size) continue;
    const old = !zero.test(c.oldSha) && c.oldMode.startsWith('100') && small(c.oldSha) ? (await readBlobs(ctx.top, [c.oldSha])).get(c.oldSha) : undefined;
    const before = old ? await matches(old, c.path) : new Set<string>();
    const rules = [...new Set([...added].filter((m) => !before.has(m)).map((m) => m.slice(0, m.indexOf('\0'))))];
    for (const rule of rules) findings.push({ path: c.path, rule });
  }
  return findings;
}

/**
 * The held commits a push of `sha` to `remote` would send. Scans what was never scanned, records what it
 * finds, and returns every unreleased held commit in the push (empty: the push may go).
 * @throws DxError SECRET_SCAN_FAILED (the scanner failed: the caller must not push); GitError
 */
export async function heldInPush(ctx: RepoContext, remote: string, sha: string, rules: GateRules): Promise<Held[]> {
  const range = await gitTry(['rev-list', '--parents', sha, '--not', `--remotes=${remote}`, '--glob=refs/dx/pushed'], { cwd: ctx.top });
  if (range.code !== 0) throw new Error(`could not list the commits a push of ${sha.slice(0, 12)} would send: ${range.stderr.trim()}`);
  const commits = range.stdout.split('\n').filter(Boolean).map((l) => l.split(' ')) as [string, ...string[]][];
  if (!commits.length) return [];
  // A local-only undo snapshot may hold secrets by design: never sent, whatever was released or found clean.
  const localOnly = new Set(await localOnlyInPush(ctx.top, sha, [`--remotes=${remote}`, '--glob=refs/dx/pushed']));
  const holds = readHolds(ctx);
  const clean = new Set(holds.clean);
  const names = secretPaths([], rules.allowSecrets ?? []);
  let changed = false;
  const out: Held[] = [];
  for (const [c, parent] of commits) {
    if (localOnly.has(c)) {
      out.push({ sha: c, findings: [{ ...LOCAL_ONLY_FINDING }] });
      continue;
    }
    if (holds.released[c]) continue;
    const h = holds.held[c];
    if (h) {
      out.push({ sha: c, findings: h.findings });
      continue;
    }
    if (clean.has(c)) continue;
    const findings = await scanCommit(ctx, c, parent ?? null, names, rules.maxFileSize);
    changed = true;
    if (findings.length) {
      holds.held[c] = { at: Math.floor(Date.now() / 1000), findings };
      out.push({ sha: c, findings, fresh: true });
    } else {
      holds.clean.push(c);
      clean.add(c);
    }
  }
  if (changed) writeHolds(ctx, holds);
  return out.reverse(); // oldest first
}

/** The one message for a held push: what was found where, and the exact command to release it. */
export function heldMessage(held: Held[]): string {
  const local = held.filter((h) => h.findings.some((f) => f.rule === LOCAL_ONLY_FINDING.rule));
  if (local.length) {
    return `held, NOT mirrored: ${local.map((h) => h.sha.slice(0, 12)).join(', ')} ${local.length === 1 ? 'is a local-only undo snapshot' : 'are local-only undo snapshots'} (Dx-Local-Only: ` +
      'it may hold secret files, and is never pushed). Take it out of the branch (git rebase -i, or git reset to the commit before it); no release lets it through.';
  }
  const what = held
    .flatMap((h) => h.findings.map((f) => `${f.path} (${f.rule}) in ${h.sha.slice(0, 12)}`))
    .slice(0, 5)
    .join(', ');
  const more = held.reduce((n, h) => n + h.findings.length, 0) > 5 ? ', …' : '';
  return (
    `held, NOT mirrored: ${held.length === 1 ? 'commit' : `${held.length} commits`} adding what looks like a secret: ${what}${more}. ` +
    `Remove it from the history (git commit --amend / git rebase -i), or if it is no secret: dx-hooks secrets release ${[...new Set(held.map((h) => h.sha.slice(0, 12)))].join(' ')}`
  );
}

