/**
 * Config values that name a path through a symbolic link (issue 10). The schema refuses `..` and
 * absolute paths, but only the work tree knows whether `logs/` is a committed link to `~/.config`:
 * a `.dxrc` value that goes through a link is refused where the work tree is known (the guard, its
 * telemetry) and reported by `doctor` (CONFIG_PATH_THROUGH_SYMLINK). No zod here: the guard loads it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DxError, EXIT } from '../errors.js';
import type { DxConfig } from './schema.js';

/** One config value through a link: the key (`guard.critical[0]`), its value, the link met (repo-relative) and its target. */
export interface ConfigLink { key: string; value: string; link: string; target: string }

const GLOB_SYNTAX = /[*?[\]{}]|[!@+]\(/;

/**
 * The first symbolic link among the components of `value` below `top` (repo-relative), or null.
 * `lastToo`: the last component counts too (a file dx-hooks writes); otherwise only the folders on
 * the way (a tracked symlink may itself be critical or protected). Missing components end the walk.
 */
export function linkOnPath(top: string, value: string, opts: { lastToo?: boolean } = {}): { link: string; target: string } | null {
  const parts = value.replace(/^\.\//, '').replace(/\/+$/, '').split(/[\\/]+/).filter((p) => p && p !== '.');
  let rel = '';
  for (let i = 0; i < parts.length; i++) {
    rel = rel ? `${rel}/${parts[i]}` : (parts[i] as string);
    if (i === parts.length - 1 && !opts.lastToo) return null;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(path.join(top, rel));
    } catch {
      return null;
    }
    if (st.isSymbolicLink()) {
      let target = '';
      try {
        target = fs.readlinkSync(path.join(top, rel));
      } catch {
        /* named without its target */
      }
      return { link: rel, target };
    }
  }
  return null;
}

/** Every path-valued key of `config` that goes through a link in the work tree `top` (globs: their folders before the first glob character). */
export function configLinks(top: string, config: DxConfig): ConfigLink[] {
  const out: ConfigLink[] = [];
  const check = (key: string, value: string, lastToo: boolean) => {
    const glob = GLOB_SYNTAX.exec(value);
    const plain = glob ? value.slice(0, value.lastIndexOf('/', glob.index) + 1) : value;
    if (!plain) return;
    const hit = linkOnPath(top, plain, { lastToo: lastToo || plain.endsWith('/') });
    if (hit) out.push({ key, value, ...hit });
  };
  if (config.guard.telemetry) check('guard.telemetry', config.guard.telemetry, true);
  config.guard.critical.forEach((c, i) => check(`guard.critical[${i}]`, typeof c === 'string' ? c : c.path, false));
  config.protect.paths.forEach((p, i) => typeof p === 'string' && check(`protect.paths[${i}]`, p.replace(/^!/, ''), false));
  return out;
}

/** The refusal for one config link: PATH_THROUGH_SYMLINK, exit 2 (a config error). */
export function configLinkError(l: ConfigLink): DxError {
  return new DxError(
    'PATH_THROUGH_SYMLINK',
    `${l.key} ${JSON.stringify(l.value)} goes through the symbolic link ${JSON.stringify(l.link)}${l.target ? ` (to ${JSON.stringify(l.target)})` : ''}: dx-hooks never reads a setting's path, or writes, through a link`,
    `Point ${l.key} at a real path in the repository, or remove the link (a cloned repository that commits it may be trying to make dx-hooks write outside it). dx-hooks doctor lists every such key.`,
    EXIT.USAGE,
  );
}

/** @throws DxError PATH_THROUGH_SYMLINK (exit 2) when `value` of `key` goes through a link below `top` */
export function assertNoConfigLink(top: string, key: string, value: string, opts: { lastToo?: boolean } = {}): void {
  const hit = linkOnPath(top, value, opts);
  if (hit) throw configLinkError({ key, value, ...hit });
}
