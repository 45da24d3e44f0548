/**
 * Limits on the index (issue 10, class 8): any host can write the index branch, so its size and its
 * times are hostile input. Every read and every write goes through `boundIndex`: messages are cut,
 * each host keeps its newest entries, the whole file keeps a bounded number of entries and bytes
 * (this host's own entries first), and a time in the future is not believed. Pure functions.
 */
import type { IndexEntry, WipIndex } from './format.js';

/** The limits (also in the README, "Security model"). Sizes in characters / entries / bytes; times in seconds. */
export const INDEX_LIMITS = {
  /** characters of an entry's `message` (a commit subject); longer ones are cut and end in "…" */
  messageChars: 200,
  /** entries kept per host (its newest) */
  entriesPerHost: 100,
  /** entries kept in all */
  entries: 2000,
  /** host summaries (`hosts`) kept in all */
  hosts: 500,
  /** bytes of the serialised index a write may produce */
  bytes: 1024 * 1024,
  /** bytes of index text a read will parse at all; a larger file is treated as corrupt (rebuilt from the WIP refs) */
  readBytes: 16 * 1024 * 1024,
  /** how far in the future a `ts` may be (clock skew between hosts) before it is not believed */
  futureSkew: 300,
} as const;

/** What boundIndex cut, for the ledger line and the warning; null fields mean nothing of that kind was cut. */
export interface Truncation { entriesDropped: number; messagesCut: number; futureTs: number; hostsDropped: number }

/** The `ts` to believe: a time more than `futureSkew` ahead of `now` is not believed and counts as 0 (oldest, "time unknown"). */
export function believedTs(ts: number, now: number): number {
  return ts > now + INDEX_LIMITS.futureSkew ? 0 : ts;
}

/** `text` cut to `INDEX_LIMITS.messageChars` characters (code points), with "…" when cut. */
export function cutMessage(text: string): string {
  const max = INDEX_LIMITS.messageChars;
  if (text.length <= max) return text;
  // A code point is one or two UTF-16 units, so the first max + 1 of them lie within the first 2 × (max + 1)
  // units: only those are split (a hostile 1 MB message was split whole, ~18 ms). Fewer than max + 1 there
  // means the slice held all of the text: nothing to cut.
  const head = Array.from(text.slice(0, 2 * (max + 1)));
  if (head.length <= max) return text;
  return head.slice(0, max - 1).join('') + '…';
}

/** One line of the truncation for the ledger and stderr, or null when nothing was cut. */
export function describeTruncation(t: Truncation): string | null {
  const parts: string[] = [];
  if (t.entriesDropped) parts.push(`${t.entriesDropped} entr${t.entriesDropped === 1 ? 'y' : 'ies'} dropped (limits: ${INDEX_LIMITS.entriesPerHost} per host, ${INDEX_LIMITS.entries} in all, ${INDEX_LIMITS.bytes} bytes)`);
  if (t.messagesCut) parts.push(`${t.messagesCut} message(s) cut to ${INDEX_LIMITS.messageChars} characters`);
  if (t.futureTs) parts.push(`${t.futureTs} future time(s) not believed`);
  if (t.hostsDropped) parts.push(`${t.hostsDropped} host summar${t.hostsDropped === 1 ? 'y' : 'ies'} dropped`);
  return parts.length ? `the index was bounded: ${parts.join(', ')}` : null;
}

/** Whether anything was cut. */
export function truncated(t: Truncation): boolean {
  return t.entriesDropped + t.messagesCut + t.futureTs + t.hostsDropped > 0;
}

/**
 * Bound an index: future times are set to 0 (see believedTs), messages cut, each host keeps its
 * newest `entriesPerHost` entries, then the newest `entries` in all and within `bytes` — `self`'s
 * entries (this host's) before any other host's, so another host can never crowd them out.
 * `hosts` is recomputed from the kept entries, plus at most `hosts` summaries of entry-less hosts.
 * @returns the bounded index (a new object) and what was cut
 */
export function boundIndex(index: WipIndex, now: number, self?: string): { index: WipIndex; cut: Truncation } {
  const cut: Truncation = { entriesDropped: 0, messagesCut: 0, futureTs: 0, hostsDropped: 0 };
  const perHost = new Map<string, [string, IndexEntry][]>();
  for (const [key, e0] of Object.entries(index.entries)) {
    let e = e0;
    const ts = believedTs(e.ts, now);
    if (ts !== e.ts) {
      cut.futureTs++;
      e = { ...e, ts };
    }
    const message = cutMessage(e.message);
    if (message !== e.message) {
      cut.messagesCut++;
      e = { ...e, message };
    }
    const list = perHost.get(e.host) ?? [];
    list.push([key, e]);
    perHost.set(e.host, list);
  }
  const newest = (a: [string, IndexEntry], b: [string, IndexEntry]) => b[1].ts - a[1].ts || a[0].localeCompare(b[0]);
  const mine: [string, IndexEntry][] = [];
  const others: [string, IndexEntry][] = [];
  for (const [host, list] of perHost) {
    list.sort(newest);
    cut.entriesDropped += Math.max(0, list.length - INDEX_LIMITS.entriesPerHost);
    (host === self ? mine : others).push(...list.slice(0, INDEX_LIMITS.entriesPerHost));
  }
  others.sort(newest);
  const entries: Record<string, IndexEntry> = {};
  let bytes = 512;
  let count = 0;
  for (const [key, e] of [...mine, ...others]) {
    const size = JSON.stringify(e).length + key.length + 16;
    if (count >= INDEX_LIMITS.entries || bytes + size > INDEX_LIMITS.bytes * 0.9) {
      cut.entriesDropped++;
      continue;
    }
    entries[key] = e;
    bytes += size;
    count++;
  }
  const hosts: WipIndex['hosts'] = {};
  for (const e of Object.values(entries)) {
    const cur = hosts[e.host];
    if (!cur || e.ts >= cur.ts) hosts[e.host] = { sha: e.sha, branch: e.branch, ts: e.ts, message: e.message };
  }
  let extra = 0;
  for (const [h, s] of Object.entries(index.hosts)) {
    if (hosts[h]) continue;
    if (extra >= INDEX_LIMITS.hosts) {
      cut.hostsDropped++;
      continue;
    }
    hosts[h] = { ...s, ts: believedTs(s.ts, now), message: cutMessage(s.message) };
    extra++;
  }
  return { index: { ...index, updated: Math.min(index.updated, now + INDEX_LIMITS.futureSkew), entries, hosts }, cut };
}

/**
 * Before schema validation: a parsed JSON value whose `entries` or `hosts` hold far more than the
 * limits is cut down to the newest few per host (cheaply, without validating what is dropped), so
 * a hostile index of tens of thousands of entries costs no more to validate than a normal one.
 * Values of the wrong shape are left for the schema to report.
 */
export function preBoundRaw(raw: unknown, now: number, self?: string): { raw: unknown; dropped: number; hostsDropped: number } {
  if (!raw || typeof raw !== 'object') return { raw, dropped: 0, hostsDropped: 0 };
  const obj = raw as Record<string, unknown>;
  let dropped = 0;
  let hostsDropped = 0;
  const entries = obj.entries;
  const out: Record<string, unknown> = { ...obj };
  if (entries && typeof entries === 'object' && !Array.isArray(entries)) {
    const list = Object.entries(entries as Record<string, unknown>);
    if (list.length > INDEX_LIMITS.entries) {
      const tsOf = (v: unknown) => {
        const ts = (v as { ts?: unknown } | null)?.ts;
        return typeof ts === 'number' ? believedTs(ts, now) : 0;
      };
      const hostOf = (v: unknown) => String((v as { host?: unknown } | null)?.host ?? '');
      // Each entry's time read once (a sort of 20,000 would otherwise read it ~600,000 times).
      type Item = { key: string; value: unknown; ts: number };
      const perHost = new Map<string, Item[]>();
      for (const [key, value] of list) {
        const h = hostOf(value);
        const l = perHost.get(h);
        const item = { key, value, ts: tsOf(value) };
        if (l) l.push(item);
        else perHost.set(h, [item]);
      }
      const byTs = (a: Item, b: Item) => b.ts - a.ts;
      const mine: Item[] = [];
      const rest: Item[] = [];
      for (const [h, l] of perHost) {
        if (l.length > 1) l.sort(byTs);
        (h === self ? mine : rest).push(...l.slice(0, INDEX_LIMITS.entriesPerHost));
      }
      rest.sort(byTs);
      const kept = [...mine, ...rest].slice(0, INDEX_LIMITS.entries);
      dropped += list.length - kept.length;
      out.entries = Object.fromEntries(kept.map((i) => [i.key, i.value]));
    }
  }
  const hosts = obj.hosts;
  if (hosts && typeof hosts === 'object' && !Array.isArray(hosts)) {
    const list = Object.entries(hosts as Record<string, unknown>);
    const limit = INDEX_LIMITS.hosts + INDEX_LIMITS.entries;
    if (list.length > limit) {
      out.hosts = Object.fromEntries(list.slice(0, limit));
      hostsDropped += list.length - limit;
    }
  }
  return { raw: out, dropped, hostsDropped };
}
