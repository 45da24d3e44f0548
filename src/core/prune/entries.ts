/**
 * Taking pruned refs out of the index (DESIGN §4), pure: runs as updateIndex's transform on every
 * attempt's fresh tip, so an entry another host rewrote meanwhile (another sha) is never dropped.
 */
import { entryKey, type WipIndex } from '../wipindex/format.js';

/**
 * `base` without the entries whose `ref` was deleted AND whose `sha` is still the deleted sha.
 * `hosts` summaries are recomputed from the remaining entries; a host left without entries loses
 * its summary only when that summary named a deleted sha (seed-format summaries stay).
 * @param deleted  remote ref → the sha that was deleted
 * @param now      Unix seconds, for `updated`
 * @returns the new index and the keys (`<host>/<branch>`) it removed
 */
export function dropIndexEntries(base: WipIndex, deleted: ReadonlyMap<string, string>, now: number): { index: WipIndex; removed: string[] } {
  const entries: WipIndex['entries'] = {};
  const removed: string[] = [];
  const goneShas = new Map<string, Set<string>>();
  for (const [key, e] of Object.entries(base.entries)) {
    if (deleted.get(e.ref) === e.sha) {
      removed.push(key);
      const set = goneShas.get(e.host) ?? new Set<string>();
      set.add(e.sha);
      goneShas.set(e.host, set);
    } else entries[key] = e;
  }
  if (!removed.length) return { index: base, removed };
  const hosts: WipIndex['hosts'] = {};
  for (const [h, summary] of Object.entries(base.hosts)) {
    if (!goneShas.get(h)?.has(summary.sha)) hosts[h] = summary;
  }
  const newest = new Map<string, WipIndex['entries'][string]>();
  for (const e of Object.values(entries)) {
    const cur = newest.get(e.host);
    if (!cur || e.ts > cur.ts || (e.ts === cur.ts && entryKey(e) < entryKey(cur))) newest.set(e.host, e);
  }
  for (const [h, e] of newest) {
    // Untouched hosts keep their summary; a host that lost entries gets its newest remaining one.
    if (!hosts[h] || goneShas.get(h)) hosts[h] = { sha: e.sha, branch: e.branch, ts: e.ts, message: e.message };
  }
  return { index: { ...base, updated: Math.max(now, base.updated), entries, hosts }, removed: removed.sort() };
}
