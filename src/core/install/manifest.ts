/**
 * `<git-common-dir>/dx/install.json`: what install did to each hook file, so uninstall can put
 * back exactly what was there. Validated with zod on read; one written by another version (other
 * schema_version, metadata changed) is reread when every hook record still validates.
 */
import { z } from 'zod';
import { dxPaths, type RepoContext } from '../context.js';
import { debugNote } from '../debug.js';
import { readStoreText, writeJson } from '../store/index.js';

const HookRecord = z.object({
  path: z.string(),
  /** created: new stub; chained: stub in front of the renamed original; husky-appended / husky-created: a block in husky's hook file */
  /** lefthook: lefthook owns the hook file; dx-hooks runs as a job from `chained`, lefthook's local config (lefthook.ts) */
  kind: z.enum(['created', 'chained', 'husky-appended', 'husky-created', 'lefthook']),
  chained: z.string().optional(),
  /** husky-appended: the file's exact text and mode before install, restored by uninstall when the user has not edited it since */
  original: z.string().optional(),
  mode: z.number().int().optional(),
});

/** install.json, schema_version 1. */
export const ManifestSchema = z.object({
  schema_version: z.literal(1),
  version: z.string(),
  installedAt: z.number().int(),
  hooksDir: z.string(),
  hooks: z.record(z.string(), HookRecord),
  config: z.object({ path: z.string(), sha256: z.string() }).nullable(),
});
export type Manifest = z.infer<typeof ManifestSchema>;
export type HookRecord = z.infer<typeof HookRecord>;

/** Read install.json: null when absent; `{ error }` when unreadable, or invalid in a way `salvageManifest` cannot mend. */
export function readManifest(ctx: RepoContext): Manifest | { error: string } | null {
  const text = readStoreText(dxPaths(ctx).install);
  if (text === null) return null;
  try {
    const raw: unknown = JSON.parse(text);
    const r = ManifestSchema.safeParse(raw);
    if (r.success) return r.data;
    const mended = salvageManifest(raw);
    const why = r.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
    if (mended) debugNote(`${dxPaths(ctx).install} is in another format (${why}); reread: every hook record validates`);
    return mended ?? { error: why };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/**
 * install.json of another dx-hooks version: what uninstall needs is the hook records. When every one
 * validates (and hooksDir is a path), the manifest is rebuilt around them (unknown metadata: version
 * "unknown", installedAt 0, config null — so uninstall keeps a `.dxrc.json` it cannot prove it wrote).
 * Returns null when a record does not validate: then nothing is guessed.
 */
export function salvageManifest(raw: unknown): Manifest | null {
  if (!raw || typeof raw !== 'object') return null;
  const o = raw as Record<string, unknown>;
  if (typeof o.hooksDir !== 'string' || !o.hooks || typeof o.hooks !== 'object') return null;
  const hooks: Record<string, HookRecord> = {};
  for (const [name, rec] of Object.entries(o.hooks as Record<string, unknown>)) {
    const r = HookRecord.safeParse(rec);
    if (!r.success) return null;
    hooks[name] = r.data;
  }
  const config = ManifestSchema.shape.config.safeParse(o.config);
  return { schema_version: 1, version: typeof o.version === 'string' ? o.version : 'unknown', installedAt: Number.isInteger(o.installedAt) ? (o.installedAt as number) : 0, hooksDir: o.hooksDir, hooks, config: config.success ? config.data : null };
}

/** Write install.json atomically. */
export function writeManifest(ctx: RepoContext, m: Manifest): void {
  writeJson(ctx.commonDir, dxPaths(ctx).install, m, { indent: 2 });
}
