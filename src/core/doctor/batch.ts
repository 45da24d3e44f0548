/**
 * Doctor's checks of batch progress files (DESIGN §7): `BATCH_PROGRESS_CORRUPT` (unreadable or
 * not a valid progress file) and `STALE_BATCH_PROGRESS` (last updated more than 24 h ago, so it
 * will never be resumed). `--fix` removes them; the next batch starts fresh.
 */
import fs from 'node:fs';
import path from 'node:path';
import { userDirs } from '../machine.js';
import { isStale, readProgress, remaining } from '../batch/progress.js';
import type { Diagnostic } from './types.js';
import { shellOperand } from '../text/shell.js';

/** Every `<state dir>/<command>/batch-progress.json`. */
export function progressFiles(): string[] {
  const root = userDirs().state;
  let dirs: fs.Dirent[];
  try {
    dirs = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return [];
  }
  return dirs.filter((d) => d.isDirectory()).map((d) => path.join(root, d.name, 'batch-progress.json')).filter((f) => fs.existsSync(f));
}

const remove = (file: string) => async () => {
  fs.rmSync(file, { force: true });
  return `removed ${file}`;
};

/** Diagnose every batch progress file. `now` in Unix seconds. */
export function checkBatchProgress(now = Math.floor(Date.now() / 1000)): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const file of progressFiles()) {
    const r = readProgress(file);
    if (r.kind === 'corrupt') {
      out.push({ code: 'BATCH_PROGRESS_CORRUPT', id: `BATCH_PROGRESS_CORRUPT:${file}`, severity: 'error', message: r.error, fixable: true, hint: `remove it: dx-hooks doctor --fix (or rm ${shellOperand(file)})`, fix: remove(file) });
    } else if (r.kind === 'ok' && isStale(r.progress, now)) {
      const p = r.progress;
      const left = remaining(p).length;
      out.push({
        code: 'STALE_BATCH_PROGRESS',
        id: `STALE_BATCH_PROGRESS:${file}`,
        severity: 'warning',
        message: `${file}: a ${p.command} batch last updated ${Math.floor((now - p.updated_at) / 3600)} h ago (pid ${p.pid}) ${left ? `with ${left} of ${p.queued.length} repositories never run` : 'that finished'}; it will not be resumed`,
        fixable: true,
        hint: 'remove it: dx-hooks doctor --fix',
        fix: remove(file),
      });
    }
  }
  return out;
}
