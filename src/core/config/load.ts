/**
 * Finds and validates `.dxrc` at the top of the work tree (cosmiconfig + the zod schema), and
 * caches the validated result under `<git-dir>/dx/config-cache.json` (one per worktree), keyed by the
 * config files' mtime and size, so hooks and the background worker skip zod and cosmiconfig
 * (≈160 ms of imports) when nothing changed. The cache also names the schema that validated it
 * (package version + a hash of the schema module): a cache written by another dx-hooks version is
 * rebuilt, never trusted, since its config may lack keys this version reads (or hold values this
 * version's schema refuses).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { debugNote } from '../debug.js';
import { describeError, DxError, EXIT } from '../errors.js';
import { packageRoot, packageVersion } from '../install/assets.js';
import { readStoreText, writeJson } from '../store/index.js';
import type { DxConfig } from './schema.js';

/** Where cosmiconfig looks, in order (DESIGN §5). `dx.config.*` runs code: loaded only with the machine's `allowJsConfig`. */
export const SEARCH_PLACES = ['package.json', '.dxrc', '.dxrc.json', '.dxrc.yaml', '.dxrc.yml', 'dx.config.js', 'dx.config.cjs', 'dx.config.mjs'];
const JS_PLACES = new Set(['dx.config.js', 'dx.config.cjs', 'dx.config.mjs']);

/** A loaded config and the file it came from (null: none found, defaults used). */
export interface LoadedConfig { config: DxConfig; file: string | null }

/**
 * `config-cache.json`. v1 (up to the hardening issue) had no `schema`: it was trusted whatever
 * dx-hooks wrote it, so a config cached before an upgrade that added a key crashed every command.
 */
interface CacheFile { v: 2; schema: string; stamp: string; file: string | null; config: DxConfig }

let schemaIdMemo: string | null = null;

/** Which schema validated a cached config: `<package version>+<sha1 of the schema module, 12 hex>`. */
export function configSchemaId(): string {
  if (schemaIdMemo) return schemaIdMemo;
  const hash = createHash('sha1');
  // tsc's dist/core/config/schema.js, or the TypeScript source beside this file (tsx). The bundled CLI
  // (dist/cli.js, dist/chunks/) hashes tsc's file too, so the CLI and the library API share one cache.
  const candidates = [fileURLToPath(new URL('./schema.js', import.meta.url)), fileURLToPath(new URL('./schema.ts', import.meta.url)), path.join(packageRoot, 'dist', 'core', 'config', 'schema.js')];
  for (const file of candidates) {
    try {
      hash.update(fs.readFileSync(file));
      break;
    } catch {
      /* not in this layout */
    }
  }
  let version = 'unknown';
  try {
    version = packageVersion();
  } catch {
    /* an incomplete package: the hash alone still tells versions apart */
  }
  schemaIdMemo = `${version}+${hash.digest('hex').slice(0, 12)}`;
  return schemaIdMemo;
}

function stampOf(top: string): string {
  const parts: string[] = [];
  for (const place of SEARCH_PLACES) {
    try {
      const st = fs.statSync(path.join(top, place));
      parts.push(`${place}:${st.mtimeMs}:${st.size}`);
    } catch {
      /* absent */
    }
  }
  return parts.join('|');
}

function readCache(cacheFile: string, stamp: string): LoadedConfig | null {
  // No cache yet: null. One that exists but cannot be read (a directory, no permission) is a miss too,
  // said under DX_DEBUG: it only saves time, and the config is read from .dxrc itself.
  let text: string | null;
  try {
    text = readStoreText(cacheFile);
  } catch (err) {
    debugNote(`${cacheFile} cannot be read (${describeError(err)}); re-reading the config`);
    return null;
  }
  if (text === null) return null;
  let c: Partial<CacheFile> & { v?: unknown; schema?: unknown };
  try {
    c = JSON.parse(text) as typeof c;
  } catch {
    debugNote(`${cacheFile} is not JSON; re-reading the config and rewriting it`);
    return null;
  }
  const schema = configSchemaId();
  if (c?.v !== 2 || c.schema !== schema) {
    // Another dx-hooks version wrote it (v1 had no schema id): its config may lack keys this one reads.
    debugNote(`${cacheFile} was written by another dx-hooks version (v ${String(c?.v)}, schema ${String(c?.schema ?? 'none')}; this is ${schema}); re-reading the config and rewriting it`);
    return null;
  }
  // Written only by this module from schema-validated data; the stamp check keeps it honest.
  if (c.stamp === stamp && c.config && typeof c.config === 'object' && 'wip' in c.config) {
    return { config: c.config, file: typeof c.file === 'string' ? c.file : null };
  }
  return null;
}

/**
 * Load `.dxrc` for the work tree `top`.
 * @param top       absolute path of the work tree's top directory
 * @param cacheFile where to keep the validated copy (null: no caching)
 * @param allowJs   load `dx.config.js` (runs repository code): only when the machine config allows it
 * @throws DxError CONFIG_INVALID (exit 2) naming the file, each bad key, its value and what is allowed;
 *         CONFIG_UNTRUSTED (exit 2) when only a JS config exists and JS configs are not allowed
 */
export async function loadConfig(top: string, cacheFile: string | null, allowJs = false): Promise<LoadedConfig> {
  const stamp = stampOf(top);
  if (cacheFile) {
    const hit = readCache(cacheFile, stamp);
    if (hit) return hit;
  }
  const [{ cosmiconfig }, { DxConfigSchema }, { formatZodIssues }] = await Promise.all([
    import('cosmiconfig'),
    import('./schema.js'),
    import('./issues.js'),
  ]);
  const places = allowJs ? SEARCH_PLACES : SEARCH_PLACES.filter((p) => !JS_PLACES.has(p));
  const explorer = cosmiconfig('dx', { searchPlaces: places, searchStrategy: 'none', cache: false });
  let found: { config: unknown; filepath: string } | null;
  try {
    found = await explorer.search(top);
  } catch (err) {
    throw new DxError('CONFIG_INVALID', `could not read the dx-hooks config: ${(err as Error).message}`, 'Fix the syntax of the file named above.', EXIT.USAGE);
  }
  if (!found && !allowJs) {
    const js = SEARCH_PLACES.filter((p) => JS_PLACES.has(p)).find((p) => fs.existsSync(path.join(top, p)));
    if (js) {
      throw new DxError(
        'CONFIG_UNTRUSTED',
        `${path.join(top, js)} is JavaScript, which would run repository code on every hook`,
        'Use .dxrc.json instead, or set "allowJsConfig": true in the machine config (dx-hooks config path: $XDG_CONFIG_HOME/dx-hooks/config.json).',
        EXIT.USAGE,
      );
    }
  }
  const raw: unknown = found?.config ?? {};
  const parsed = DxConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const file = found?.filepath ?? '.dxrc';
    throw new DxError(
      'CONFIG_INVALID',
      `${file} is invalid:\n${formatZodIssues(parsed.error, raw)}`,
      `Fix the keys above (every option and its default: node_modules/dx-hooks/.dxrc.example.json).`,
      EXIT.USAGE,
    );
  }
  const result: LoadedConfig = { config: parsed.data, file: found?.filepath ?? null };
  if (cacheFile) {
    try {
      // The cache sits in <git-dir>/dx/ (context.ts): no link may be crossed below the git dir, and dx/ is made when missing.
      writeJson(path.dirname(path.dirname(cacheFile)), cacheFile, { v: 2, schema: configSchemaId(), stamp, file: result.file, config: result.config } satisfies CacheFile, { indent: 0 });
    } catch (err) {
      // The cache is an optimisation; failing to write it costs only speed.
      debugNote(`could not write ${cacheFile} (${(err as Error).message}); the config is re-read each time`);
    }
  }
  return result;
}
