/**
 * Failure episodes (issue 11, "alert"): a backup that starts failing opens an episode and one alert
 * goes out; while it keeps failing nothing more is sent; when it recovers the episode closes and one
 * "recovered" alert goes out. The open episode is a file in `<git-common-dir>/dx/`, created with
 * O_EXCL and closed by a rename, so two processes (a hook's worker and a command) never both send.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RepoContext } from '../context.js';
import { z } from 'zod';
import { renameInside } from '../nofollow.js';
import { createJson, readJson } from '../store/index.js';

/** What an episode is about: the WIP/ref backup (the banner) or git no longer running dx-hooks' hooks (the hooks alert). */
export type EpisodeKind = 'backup' | 'hooks';

/** An open episode as stored (`dx/alert-<kind>.json`). `since`: Unix seconds. */
export interface Episode { id: string; kind: EpisodeKind; since: number; text: string }

/** The stored episode, validated on read (a torn or foreign file closes all the same, with the defaults). */
const EpisodeFileSchema = z.object({ id: z.string().max(64), since: z.number().int().nonnegative(), text: z.string().max(4096) });

const fileOf = (ctx: RepoContext, kind: EpisodeKind) => path.join(ctx.dxDir, `alert-${kind}.json`);

/**
 * Note that `kind` is failing now with `text`. Returns the episode when this call opened it (the
 * caller sends the "failing" alert), null when one was already open (nothing to send).
 * @throws SymlinkRefused and fs errors other than "already open"
 */
export function openEpisode(ctx: RepoContext, kind: EpisodeKind, text: string, now = Math.floor(Date.now() / 1000)): Episode | null {
  const ep: Episode = { id: crypto.randomBytes(6).toString('hex'), kind, since: now, text };
  try {
    createJson(ctx.commonDir, fileOf(ctx, kind), ep);
    return ep;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw err;
  }
}

/**
 * Note that `kind` is healthy now. Returns the episode this call closed (the caller sends the
 * "recovered" alert), null when none was open or another process closed it first. An episode file
 * that cannot be parsed still closes (its id is then "unknown").
 */
export function closeEpisode(ctx: RepoContext, kind: EpisodeKind): Episode | null {
  const file = fileOf(ctx, kind);
  if (!fs.existsSync(file)) return null;
  const closing = `${file}.${process.pid}-${crypto.randomBytes(3).toString('hex')}.closing`;
  try {
    renameInside(ctx.commonDir, file, closing);
  } catch {
    return null; // another process closed it
  }
  let ep: Episode = { id: 'unknown', kind, since: 0, text: '' };
  try {
    const r = readJson(closing, EpisodeFileSchema, 'alert episode');
    if (r.kind === 'ok') ep = { ...ep, ...r.value, kind };
  } catch {
    /* unreadable: closed all the same */
  }
  fs.rmSync(closing, { force: true });
  return ep;
}
