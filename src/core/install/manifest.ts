/**
 * `<git-common-dir>/dx/install.json`: what install did to each hook file, so uninstall can put
 * back exactly what was there. Validated with zod on read.
 */
import { z } from 'zod';
import { dxPaths, type RepoContext } from '../context.js';
import { readIfExists } from '../fsx.js';
import { writeInside } from '../nofollow.js';

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

/** Read install.json: null when absent; `{ error }` when unreadable or invalid. */
export function readManifest(ctx: RepoContext): Manifest | { error: string } | null {
  const text = readIfExists(dxPaths(ctx).install);
  if (text === null) return null;
  try {
    const r = ManifestSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : { error: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Write install.json atomically. */
export function writeManifest(ctx: RepoContext, m: Manifest): void {
  writeInside(ctx.commonDir, dxPaths(ctx).install, JSON.stringify(m, null, 2) + '\n');
}
