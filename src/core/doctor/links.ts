/**
 * Doctor's `CONFIG_PATH_THROUGH_SYMLINK` (issue 10): a `.dxrc` path (guard.telemetry, guard.critical,
 * protect.paths) that goes through a symbolic link of the work tree — what a cloned repository does
 * to make dx-hooks write outside it — and `DX_DIR_SYMLINK`: dx-hooks' own folder is a link. Not
 * fixable: which side is wrong (the link or the config) is the user's call.
 */
import fs from 'node:fs';
import { configLinkError, configLinks } from '../config/links.js';
import type { Session } from '../session.js';
import type { Diagnostic } from './types.js';

/** One error per config key through a link, and one when `<git-common-dir>/dx` is a link. Nothing with an invalid config (CONFIG_INVALID says why). */
export function checkConfigLinks(s: Session, configOk: boolean): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (configOk) {
    for (const l of configLinks(s.ctx.top, s.config)) {
      const e = configLinkError(l);
      out.push({ code: 'CONFIG_PATH_THROUGH_SYMLINK', id: `CONFIG_PATH_THROUGH_SYMLINK:${l.key}`, severity: 'error', fixable: false, message: `${s.configFile ?? '.dxrc'}: ${e.message}`, hint: e.hint });
    }
  }
  try {
    if (fs.lstatSync(s.ctx.dxDir).isSymbolicLink()) {
      out.push({ code: 'DX_DIR_SYMLINK', severity: 'error', fixable: false, message: `${JSON.stringify(s.ctx.dxDir)} is a symbolic link: dx-hooks refuses to write its ledger and state through it`, hint: `Replace the link with a real folder (mv it away, then dx-hooks install).` });
    }
  } catch {
    /* no dx folder yet */
  }
  return out;
}
