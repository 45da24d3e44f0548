/**
 * The protection in force (issue 10, class 3): protection comes from history, not from the work tree.
 *
 * The protected paths and branches that every check uses are the UNION of
 *   - the work tree's `.dxrc` (what `openSession` loaded: cosmiconfig's first match),
 *   - the `.dxrc` committed at HEAD,
 *   - and any further commits the caller names (pre-push: the remote tips being replaced;
 *     reference-transaction: the tip of the branch being deleted; pre-commit: the index).
 * So an uncommitted edit of `.dxrc` (or of package.json's `dx` key, `.dxrc.yaml` …) can add
 * protection but never take any away; taking it away takes a commit, and that commit is itself
 * refused without `DX_ALLOW_PROTECTED=1` (see `protectionRemoved`).
 *
 * A committed config is read from git objects with cosmiconfig's own loaders, in cosmiconfig's
 * order (SEARCH_PLACES; package.json counts only when it has a `dx` key). It is read leniently:
 * an invalid committed file still gives whatever `protect.paths` / `protect.branches` strings it
 * holds, so breaking the file does not remove its protection. `dx.config.js` in history is never
 * run (it would execute repository code), so it contributes nothing.
 */
import { z } from 'zod';
import type { DxConfig } from '../config/schema.js';
import { SEARCH_PLACES } from '../config/load.js';
import { dxPaths } from '../context.js';
import { debugNote } from '../debug.js';
import { readNamed } from '../blobs.js';
import { headState } from '../head.js';
import { appendLedger } from '../ledger.js';
import type { Session } from '../session.js';
import { readJson, writeJson } from '../store/index.js';
import { protectedBranches, protectedMatcher, type PathMatcher } from './match.js';

/** The protection one config gives: `branches` null means "not set" (the defaults apply). */
export interface ProtectSource {
  /** where it came from, for messages: `work tree`, `HEAD:.dxrc.json`, `index:package.json`, `<sha12>:.dxrc` */
  from: string;
  paths: string[];
  branches: string[] | null;
}

/** The protection in force: the union of its sources. `branches` are resolved short names (defaults expanded). */
export interface Protection {
  paths: string[];
  branches: string[];
  sources: ProtectSource[];
  isProtected: PathMatcher;
}

/** Where a committed config is read from: a commit (or tree-ish), or the index git is about to commit. */
export type ConfigSite = string | { index: true; env?: Record<string, string> };

const DATA_PLACES = SEARCH_PLACES.filter((p) => !/^dx\.config\./.test(p));

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0) : []);

/** Protection from a parsed config object (lenient: only well-formed strings count). */
function fromRaw(from: string, raw: unknown): ProtectSource {
  const protect = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).protect : undefined;
  const p = protect && typeof protect === 'object' ? (protect as Record<string, unknown>) : {};
  return { from, paths: strings(p.paths), branches: Array.isArray(p.branches) ? strings(p.branches) : null };
}

/** Protection from the work tree's validated config. */
export function workTreeSource(config: DxConfig): ProtectSource {
  return { from: 'work tree', paths: [...config.protect.paths], branches: config.protect.branches ? [...config.protect.branches] : null };
}

/**
 * The config committed at `site` (a commit, or the index), as cosmiconfig would find it there.
 * @returns null when the site has no config file (or no such commit): defaults apply
 */
export async function committedSource(s: Session, site: ConfigSite, label?: string): Promise<ProtectSource | null> {
  return (await readCommitted(s, site, label)) ?? null;
}

/** committedSource's reading, with undefined when git could not be asked (so a failure is never cached as "no config"). */
async function readCommitted(s: Session, site: ConfigSite, label?: string): Promise<ProtectSource | null | undefined> {
  const cwd = s.ctx.top;
  // Every candidate file at the site in one `cat-file --batch` (`<commit>:<path>`, or `:<path>`: the index's stage 0).
  const names = DATA_PLACES.map((place) => (typeof site === 'string' ? `${site}:${place}` : `:${place}`));
  const blobs = new Map<string, string>();
  try {
    const found = await readNamed(cwd, names, typeof site === 'string' ? undefined : site.env);
    DATA_PLACES.forEach((place, i) => {
      const o = found.get(names[i]!);
      if (o?.type === 'blob') blobs.set(place, o.bytes.toString('utf8'));
    });
  } catch {
    return undefined;
  }
  label ??= typeof site === 'string' ? (site === 'HEAD' ? 'HEAD' : site.slice(0, 12)) : 'index';
  for (const place of DATA_PLACES) {
    const text = blobs.get(place);
    if (text === undefined) continue;
    let raw: unknown;
    try {
      if (place === 'package.json') {
        raw = (JSON.parse(text) as Record<string, unknown> | null)?.dx;
        if (raw === undefined) continue; // cosmiconfig skips a package.json without the key
      } else {
        // cosmiconfig's loaders, loaded only when a committed config file is there to parse (most runs: none).
        const { defaultLoadersSync } = await import('cosmiconfig');
        const loader = place.endsWith('.json') ? defaultLoadersSync['.json'] : place === '.dxrc' ? defaultLoadersSync.noExt : defaultLoadersSync['.yaml'];
        raw = loader(place, text);
      }
    } catch {
      // Unparsable: cosmiconfig would stop here too. It adds nothing; a commit that breaks a config
      // that protected something is a removal (protectionRemoved), so needs the override.
      return { from: `${label}:${place}`, paths: [], branches: null };
    }
    return fromRaw(`${label}:${place}`, raw);
  }
  return null;
}

/**
 * The protection in force for the work tree of `s`: the work tree's config ∪ HEAD's committed
 * config ∪ the configs at `sites` (commits we have, or the index). A site that cannot be read adds nothing.
 * @param remote whose default branch the defaults name (default: the config's remote)
 */
export async function protectionInForce(s: Session, sites: ConfigSite[] = [], remote?: string): Promise<Protection> {
  const sources: ProtectSource[] = [workTreeSource(s.config)];
  for (const site of ['HEAD', ...sites]) {
    const src = site === 'HEAD' ? await headSource(s) : await committedSource(s, site);
    if (src) sources.push(src);
  }
  return combine(s, sources, remote);
}

/**
 * `<git-common-dir>/dx/committed-config.json`: the config committed at one commit, as committedSource
 * read it (labelled `HEAD:`). A commit's tree never changes, so it holds for as long as HEAD is that
 * commit: `sync`, `status` and the worker after a checkout or fetch read no git object for it.
 */
const CommittedCacheSchema = z.object({
  schema_version: z.literal(1),
  commit: z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/),
  source: z.object({ from: z.string().startsWith('HEAD:'), paths: z.array(z.string()), branches: z.array(z.string()).nullable() }).nullable(),
});

/**
 * The config committed at HEAD (committedSource's answer for `HEAD`), from the cache when it was read
 * for HEAD's commit. HEAD is resolved once (from its files: head.ts) and read by that sha, so a HEAD
 * that moves meanwhile cannot file one commit's config under another. A corrupt cache is read again
 * from git and said in the ledger; a cache that cannot be written is a DX_DEBUG note (it is a cache).
 */
async function headSource(s: Session): Promise<ProtectSource | null> {
  const sha = (await headState(s.ctx)).sha;
  if (!sha) return committedSource(s, 'HEAD');
  const file = dxPaths(s.ctx).committedConfig;
  const cached = readJson(file, CommittedCacheSchema, 'committed-config cache');
  if (cached.kind === 'ok' && cached.value.commit === sha) return cached.value.source;
  if (cached.kind === 'corrupt') appendLedger(s.ctx, { host: s.host, op: 'cache.corrupt', ok: false, error: cached.problem.message, detail: { file } });
  const source = await readCommitted(s, sha, 'HEAD');
  if (source === undefined) return null; // git failed: adds nothing this time (as committedSource), and nothing is cached
  try {
    writeJson(s.ctx.commonDir, file, { schema_version: 1, commit: sha, source }, { indent: 0, fsync: false });
  } catch (err) {
    debugNote(`could not write the committed-config cache: ${String(err)}`);
  }
  return source;
}

/** The union of `sources` (branches: each source's list, or the defaults where a source sets none). */
export async function combine(s: Session, sources: ProtectSource[], remote?: string): Promise<Protection> {
  const paths = [...new Set(sources.flatMap((x) => x.paths))];
  const branches = new Set<string>();
  if (sources.some((x) => x.branches === null) || !sources.length) {
    for (const b of await defaultBranches(s, remote)) branches.add(b);
  }
  for (const x of sources) for (const b of x.branches ?? []) branches.add(b);
  // A path is protected when ANY source protects it, each read on its own: one source's `!pattern`
  // (gitignore negation) can narrow only that source, never take away what another one protects.
  const matchers = sources.filter((x) => x.paths.length).map((x) => protectedMatcher({ ...s.config, protect: { ...s.config.protect, paths: x.paths } }));
  return { paths, branches: [...branches], sources, isProtected: (p) => matchers.some((m) => m(p)) };
}

/** The default protected branches (the remote's default branch, else main/master, and dx/index). */
export async function defaultBranches(s: Session, remote?: string): Promise<string[]> {
  return protectedBranches(s.ctx, { ...s.config, protect: { ...s.config.protect, branches: undefined } }, remote ?? s.config.remote ?? 'origin');
}

/**
 * What `after` gives up that `before` protected: each `protect.paths` pattern and each protected
 * branch (defaults expanded) of `before` that `after` lacks. A missing config (null) means the
 * defaults. Patterns are compared as text: narrowing "deploy/**" to "deploy/run.sh" counts as a removal.
 * @returns human strings such as `protect.paths "deploy/**"`, empty when nothing is removed
 */
export async function protectionRemoved(s: Session, before: ProtectSource | null, after: ProtectSource | null, remote?: string): Promise<string[]> {
  if (!before) return [];
  const defaults = before.branches === null || !after || after.branches === null ? await defaultBranches(s, remote) : [];
  const afterPaths = new Set(after?.paths ?? []);
  const afterBranches = new Set(after?.branches ?? defaults);
  const out: string[] = [];
  for (const p of before.paths) if (!afterPaths.has(p)) out.push(`protect.paths ${JSON.stringify(p)}`);
  // A new negation narrows what the other patterns protect: that is a removal too.
  const beforePaths = new Set(before.paths);
  for (const p of after?.paths ?? []) if (p.startsWith('!') && !beforePaths.has(p)) out.push(`protect.paths ${JSON.stringify(p)} (an exception)`);
  for (const b of before.branches ?? defaults) if (!afterBranches.has(b)) out.push(`protect.branches ${JSON.stringify(b)}`);
  return out;
}

/**
 * Open a session for a protection check (the hooks' pre-commit, pre-push, reference-transaction).
 * A work-tree config that is invalid or untrusted (CONFIG_INVALID, CONFIG_UNTRUSTED) does not switch
 * the check off: the defaults stand in for it, and the committed config still applies through
 * protectionInForce. `problem` is that error, for the caller to say (the check goes on).
 * The same holds for a machine config that cannot be read or is invalid (`{}` stands in for it).
 * @throws DxError NOT_A_REPO as openRepo does
 */
export async function openCheckSession(cwd: string): Promise<{ session: Session; problem: unknown }> {
  const [{ DxError }, { openRepo, dxPaths }, { loadMachineConfig }, { ledgerHost }, { defaultConfig }, { loadConfig }] = await Promise.all([
    import('../errors.js'), import('../context.js'), import('../machine.js'), import('../host.js'), import('../config/schema.js'), import('../config/load.js'),
  ]);
  const ctx = await openRepo(cwd);
  let problem: unknown = null;
  // A machine config that cannot be read or is invalid does not switch the check off either: it only
  // gives allowJsConfig (off without it) and the host id (the default then).
  let machine: Session['machine'] = {};
  try {
    machine = await loadMachineConfig();
  } catch (err) {
    problem = err;
  }
  let config = defaultConfig();
  let configFile: string | null = null;
  try {
    ({ config, file: configFile } = await loadConfig(ctx.top, dxPaths(ctx).configCache, machine.allowJsConfig === true));
  } catch (err) {
    if (!(err instanceof DxError) || !['CONFIG_INVALID', 'CONFIG_UNTRUSTED', 'CONFIG_PATH_THROUGH_SYMLINK', 'STORE_UNREADABLE'].includes(err.code)) throw err;
    problem ??= err;
  }
  return { session: { ctx, config, configFile, machine, host: await ledgerHost(machine) }, problem };
}
