/**
 * Finds and validates `.dxrc` at the top of the work tree (cosmiconfig + the zod schema), and
 * caches the validated result under `<git-common-dir>/dx/config-cache.json`, keyed by the
 * config files' mtime and size, so hooks and the background worker skip zod and cosmiconfig
 * (≈160 ms of imports) when nothing changed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DxError, EXIT } from '../errors.js';
import { writeInside } from '../nofollow.js';
import type { DxConfig } from './schema.js';

/** Where cosmiconfig looks, in order (DESIGN §5). `dx.config.*` runs code: loaded only with the machine's `allowJsConfig`. */
export const SEARCH_PLACES = ['package.json', '.dxrc', '.dxrc.json', '.dxrc.yaml', '.dxrc.yml', 'dx.config.js', 'dx.config.cjs', 'dx.config.mjs'];
const JS_PLACES = new Set(['dx.config.js', 'dx.config.cjs', 'dx.config.mjs']);

/** A loaded config and the file it came from (null: none found, defaults used). */
export interface LoadedConfig { config: DxConfig; file: string | null }

interface CacheFile { v: 1; stamp: string; file: string | null; config: DxConfig }

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
  try {
    const c = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as Partial<CacheFile>;
    // Written only by this module from schema-validated data; the stamp check keeps it honest.
    if (c.v === 1 && c.stamp === stamp && c.config && typeof c.config === 'object' && 'wip' in c.config) {
      return { config: c.config, file: typeof c.file === 'string' ? c.file : null };
    }
  } catch {
    /* no cache or unreadable: take the slow path */
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
      writeInside(path.dirname(cacheFile), cacheFile, JSON.stringify({ v: 1, stamp, file: result.file, config: result.config } satisfies CacheFile));
    } catch {
      /* the cache is an optimisation; failing to write it costs only speed */
    }
  }
  return result;
}
