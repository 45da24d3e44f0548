/**
 * Agent sessions in git (DESIGN §9): ONE moving ref per session, `refs/dx/sessions/<host>/<agent>/<id>`;
 * each save is a commit whose first parent is the previous save and whose second parent, when given, is
 * the code snapshot of that turn. Its tree holds `session.json` (format.ts), `state.json` (the state
 * object without its messages), `messages/NNNNNN.jsonl` (one message per line) and, when the agent keeps
 * one, `transcript/NNNNNN.jsonl` (its own file) — chunks of at most 1 MiB, so a save rewrites at most the
 * last chunk and adds new ones: its cost grows with what is new, not with the whole history.
 *
 * A save is one `git fast-import` (blobs, trees, the commit and the ref, in one process; only the changed
 * paths are named: fast-import takes the rest from the previous save), after `git cat-file --batch` reads
 * of the previous session.json and last chunk only when neither this process nor the disk memo
 * (`dx/session-memo/`) has them. fast-import moves the ref only as a
 * fast-forward, so two saves racing never lose one: the loser builds again on top of the winner.
 * Everything that becomes a git object passes the redaction first (secrets/redact.ts; fail closed).
 * Pushing is the caller's (commands/session.ts: queued for the worker like WIP); fetchSession brings another host's.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { dxPaths, type RepoContext } from '../context.js';
import { debugNote } from '../debug.js';
import { DxError, EXIT } from '../errors.js';
import { rmInside } from '../nofollow.js';
import { readNamed } from '../blobs.js';
import { gitTry } from '../git.js';
import { headState, refFileSha } from '../head.js';
import { appendLedger } from '../ledger.js';
import { readRef } from '../refs.js';
import { lastValue, repoConfig } from '../repo-config.js';
import { redactJsonl, redactValue } from '../secrets/redact.js';
import { preloadScanner } from '../secrets/scan.js';
import type { Session } from '../session.js';
import { readCacheJson, writeJson, zodIssues } from '../store/index.js';
import { checkName } from '../agents/names.js';
import { SESSIONS_PREFIX, sessionRef } from './refs.js';
import { CHUNK_BYTES, SessionMetaSchema, SessionStateSchema, type Chunk, type SessionMeta, type SessionState, type TranscriptMeta } from './format.js';

export { SESSIONS_PREFIX, sessionRef };

/** What to save: the session id, the agent, the state object, and the agent's own transcript file's bytes (optional). */
/**
 * What to save: the session id, the agent, the state object, the agent's own transcript file's bytes
 * (optional), a subagent's own transcript (its id and file: stored under `subagents/<id>/`), the code snapshot at the turn's end (the save's second parent) and at its start (a third
 * parent, only with an end snapshot: an agent hook's UserPromptSubmit).
 */
export interface SaveSessionInput { id: string; agent: string; state: unknown; transcript?: Buffer | { file: string }; subagent?: { id: string; transcript: Buffer | { file: string } }; snapshot?: string | null; start?: string | null }

/**
 * A fingerprint of the first `upTo` bytes of a transcript without reading them all: sha256 over 4 KiB
 * windows at every MiB (0, 1 MiB, 2 MiB, …) and the last 4 KiB before `upTo`. The next save compares it to
 * tell a file that only grew (an agent's transcript is append-only) from one rewritten: a change inside a
 * window is noticed; one elsewhere before the end is not (bench 18: ~100 KiB read for a 20 MB file).
 */
function sampleHash(src: Buffer | { file: string }, upTo: number): string {
  const windows: Array<[number, number]> = [];
  for (let off = 0; off < upTo; off += 1024 * 1024) windows.push([off, Math.min(upTo, off + TAIL)]);
  windows.push([Math.max(0, upTo - TAIL), upTo]);
  const h = createHash('sha256').update(`${upTo}\0`);
  if (Buffer.isBuffer(src)) {
    for (const [a, b] of windows) h.update(src.subarray(a, b));
    return h.digest('hex');
  }
  let fd: number | null = null;
  try {
    fd = fs.openSync(src.file, 'r');
    for (const [a, b] of windows) {
      const buf = Buffer.alloc(b - a);
      const n = fs.readSync(fd, buf, 0, buf.length, a);
      h.update(buf.subarray(0, n));
    }
    return h.digest('hex');
  } catch (err) {
    throw new DxError('SESSION_TRANSCRIPT_UNREADABLE', `cannot read the transcript ${JSON.stringify(src.file)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'Check the path.', EXIT.USAGE);
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/**
 * The part of a transcript a save needs: from 4 KiB before what the last save stored (`before` bytes) to
 * the end, or all of it. A file is read from there only (an agent's transcript grows by a few KiB a turn,
 * while the whole can be tens of MB). `view(a, b)` gives bytes [a, b) of the file for a ≥ `from`.
 * @throws DxError SESSION_TRANSCRIPT_UNREADABLE naming the file and the errno
 */
function transcriptPart(src: Buffer | { file: string }, before: number, whole: boolean): { size: number; from: number; view: (a: number, b: number) => Buffer } {
  if (Buffer.isBuffer(src)) return { size: src.length, from: 0, view: (a, b) => src.subarray(a, b) };
  let fd: number | null = null;
  try {
    fd = fs.openSync(src.file, 'r');
    const size = fs.fstatSync(fd).size;
    const from = whole || size < before ? 0 : Math.max(0, before - TAIL);
    const buf = Buffer.alloc(size - from);
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(fd, buf, got, buf.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    const data = buf.subarray(0, got);
    return { size: from + got, from, view: (a, b) => data.subarray(a - from, b - from) };
  } catch (err) {
    throw new DxError('SESSION_TRANSCRIPT_UNREADABLE', `cannot read the transcript ${JSON.stringify(src.file)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'Check the path.', EXIT.USAGE);
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/**
 * What a save did: the ref and its new commit, the turn number, what was appended (messages; transcript
 * bytes as read), whether everything was written anew (the history changed, not only grew), and the
 * redaction rules that matched.
 */
export interface SaveSessionResult { ref: string; commit: string; turn: number; appended: { messages: number; transcriptBytes: number }; rewrote: boolean; redacted: string[] }

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const chunkName = (i: number) => `${String(i).padStart(6, '0')}.jsonl`;
const TAIL = 4096;

/** Read `<commit>:<path>` blobs (and blobs by id) in one `cat-file --batch`; a missing one is absent from the map. */
async function readObjects(cwd: string, names: readonly string[]): Promise<Map<string, Buffer>> {
  return new Map([...(await readNamed(cwd, names))].map(([k, v]) => [k, v.bytes]));
}

/** A save's session.json, validated; null when it is missing or not valid (the next save then writes every chunk anew). */
async function readMeta(cwd: string, commit: string): Promise<SessionMeta | null> {
  const blob = (await readObjects(cwd, [`${commit}:session.json`])).get(`${commit}:session.json`);
  if (!blob) return null;
  try {
    const r = SessionMetaSchema.safeParse(JSON.parse(blob.toString('utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** What a save needs of the previous one: its commit, its session.json, and the text of each stream's last chunk (by blob id). */
interface LastSave { commit: string; meta: SessionMeta; tails: Map<string, string> }

/**
 * The last save this process made or read of each session (by common dir and ref). An orchestrator
 * saving after every message then reads nothing back from git: it is used only while the ref still
 * names that commit.
 */
const lastSaves = new Map<string, LastSave>();

/**
 * The same, on disk for the next process (`<git-common-dir>/dx/session-memo/<sha256 of the ref>.json`):
 * a CLI save after each turn then starts no `cat-file`. A copy of what git holds, so it is trusted only
 * as far as it proves itself: zod-valid, naming this ref and the commit the ref names now, and each kept
 * chunk text hashing to its blob id. Anything else is ignored (git is asked), and a corrupt file is said in the ledger.
 */
const MemoSchema = z.object({
  schema_version: z.literal(1),
  ref: z.string(),
  commit: z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/),
  meta: SessionMetaSchema,
  tails: z.array(z.tuple([z.string(), z.string()])).max(2),
});

const memoFile = (s: Session, ref: string) => path.join(dxPaths(s.ctx).sessionMemo, `${sha256(ref).slice(0, 32)}.json`);

/** The previous save from the disk memo, when it proves itself for `commit` (see MemoSchema); else null. */
function readMemo(s: Session, ref: string, commit: string, algo: 'sha1' | 'sha256'): LastSave | null {
  const file = memoFile(s, ref);
  // A link or anything but a file reads as missing.
  const r = readCacheJson(file, MemoSchema, 'session memo');
  if (r.kind === 'missing') return null;
  if (r.kind === 'corrupt') {
    appendLedger(s.ctx, { host: s.host, op: 'cache.corrupt', ok: false, error: `${r.problem.message}: asked of git instead`, detail: { file } });
    return null;
  }
  const value = r.value;
  if (value.ref !== ref || value.commit !== commit) return null;
  const tails = new Map<string, string>();
  for (const [blob, text] of value.tails) {
    if (blobId(Buffer.from(text, 'utf8'), algo) !== blob) return null;
    tails.set(blob, text);
  }
  return { commit, meta: value.meta, tails };
}

/** Keep `save` for the next process (see MemoSchema). A failure costs the next save two git reads, nothing else: said under DX_DEBUG. */
function writeMemo(s: Session, ref: string, save: LastSave): void {
  try {
    const file = memoFile(s, ref);
    // A link in its place (never written through): removed, and a file written instead.
    if (fs.lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink()) rmInside(s.ctx.commonDir, file);
    writeJson(s.ctx.commonDir, memoFile(s, ref), { schema_version: 1, ref, commit: save.commit, meta: save.meta, tails: [...save.tails] }, { indent: 0, fsync: false });
  } catch (err) {
    debugNote(`could not write the session memo: ${String(err)}`);
  }
}

/** The ref's value: its file or packed-refs line (head.ts), else git. */
async function refValue(s: Session, ref: string): Promise<string | null> {
  return refFileSha(s.ctx, ref) ?? (await readRef(s.ctx, ref));
}

/** Split lines (each ending in "\n") into chunk texts of at most CHUNK_BYTES (a single longer line is a chunk of its own). */
function pack(lines: readonly string[], room: number): string[] {
  const chunks: string[] = [];
  let cur = '';
  let curBytes = 0;
  let limit = room;
  for (const line of lines) {
    const b = Buffer.byteLength(line);
    if (curBytes && curBytes + b > limit) {
      chunks.push(cur);
      cur = '';
      curBytes = 0;
      limit = CHUNK_BYTES;
    }
    if (!curBytes && b > limit && chunks.length === 0 && limit < CHUNK_BYTES) {
      // Not even one line fits in the room left in the previous chunk: it starts a chunk of its own.
      chunks.push('');
      limit = CHUNK_BYTES;
    }
    cur += line;
    curBytes += b;
  }
  if (curBytes || !chunks.length) chunks.push(cur);
  return chunks;
}

/** One chunked stream's new chunks after appending `lines` (or writing them anew), and the files to write. */
async function appendChunks(cwd: string, algo: 'sha1' | 'sha256', dir: string, old: readonly Chunk[], lines: readonly string[], fresh: boolean, tails: Map<string, string>): Promise<{ chunks: Chunk[]; files: Array<[string, Buffer]> }> {
  const kept = fresh ? [] : [...old];
  const files: Array<[string, Buffer]> = [];
  if (!lines.length) return { chunks: kept, files };
  let prefix = '';
  let room = CHUNK_BYTES;
  const last = kept.at(-1);
  if (last && last.bytes < CHUNK_BYTES) {
    // The last chunk has room: it is read back and written again with the new lines after it.
    const text = tails.has(last.blob) ? Buffer.from(tails.get(last.blob)!, 'utf8') : (await readObjects(cwd, [last.blob])).get(last.blob);
    if (!text) throw new DxError('SESSION_CORRUPT', `the session's chunk ${dir}/${last.name} (${last.blob.slice(0, 12)}) is missing`, 'Save again with the whole state: the missing chunk cannot be appended to.');
    prefix = text.toString('utf8');
    room = CHUNK_BYTES - last.bytes;
    kept.pop();
  }
  const texts = pack(lines, room);
  texts[0] = prefix + texts[0];
  let n = kept.length;
  let lastText = '';
  for (const t of texts) {
    if (!t) continue;
    n++;
    const buf = Buffer.from(t, 'utf8');
    const name = chunkName(n);
    files.push([`${dir}/${name}`, buf]);
    kept.push({ name, blob: blobId(buf, algo), bytes: buf.length, lines: t.split('\n').length - 1 });
    lastText = t;
  }
  if (lastText) tails.set(kept.at(-1)!.blob, lastText);
  return { chunks: kept, files };
}

/** git's id of a blob holding `data`: the repository's object hash over `blob <size>\0<data>` (git's object format). */
function blobId(data: Buffer, algo: 'sha1' | 'sha256'): string {
  return createHash(algo).update(`blob ${data.length}\0`).update(data).digest('hex');
}

/** A fast-import `data` block. */
function dataBlock(data: Buffer | string): Buffer {
  const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([Buffer.from(`data ${b.length}\n`), b, Buffer.from('\n')]);
}

/**
 * One transcript stream's save: read from where the previous save (`prev`) stopped, or all of it when the file
 * was rewritten (`fresh`), redacted, packed into chunks under `dir`. `redacted` collects the rules that matched.
 * @throws as transcriptPart, the redaction (fail closed) and appendChunks
 */
async function appendTranscript(cwd: string, algo: 'sha1' | 'sha256', dir: string, src: Buffer | { file: string }, prev: TranscriptMeta | null, tails: Map<string, string>, redacted: Set<string>): Promise<{ meta: TranscriptMeta; files: Array<[string, Buffer]>; grown: number; fresh: boolean }> {
  const before = prev?.sourceBytes ?? 0;
  let t = transcriptPart(src, before, !prev);
  const fresh = !prev || t.size < before || sampleHash(src, before) !== prev.tail;
  if (fresh && t.from > 0) t = transcriptPart(src, 0, true); // rewritten: all of it, anew
  const start = fresh ? 0 : before;
  const added = t.view(start, t.size).toString('utf8');
  const tr = added ? await redactJsonl(added, 'transcript.jsonl') : { value: '', rules: [] };
  tr.rules.forEach((r) => redacted.add(r));
  const tlines = tr.value ? tr.value.split(/(?<=\n)/) : [];
  const packed = await appendChunks(cwd, algo, dir, prev?.chunks ?? [], tlines, fresh, tails);
  return { meta: { sourceBytes: t.size, tail: sampleHash(src, t.size), chunks: packed.chunks }, files: packed.files, grown: t.size - start, fresh };
}

/**
 * Save a session (see the header). The state is validated and redacted; the transcript, when given, is
 * the agent's whole file as it is now (only what it grew by since the last save is stored anew).
 * @throws DxError AGENT_NAME_INVALID (exit 2) for a bad agent or session id; SESSION_STATE_INVALID (exit 2)
 *   naming what is wrong with the state; SECRET_SCAN_FAILED / SECRET_REDACTION_FAILED (nothing written);
 *   SESSION_SAVE_FAILED when git could not write it (after retries for a racing save)
 */
export async function saveSession(s: Session, input: SaveSessionInput): Promise<SaveSessionResult> {
  // The redaction's scanner loads while git answers the reads below (its compile fills those waits).
  preloadScanner();
  const agent = checkName('agent', input.agent);
  const id = checkName('session', input.id, 'the session id');
  // git's config (one `git config --list`, cached per RepoContext) is read by git on the other core while this
  // thread parses the state and loads the scanner; awaited where the object format is needed.
  const config = repoConfig(s.ctx);
  config.catch(() => undefined); // awaited below; a save refused first must not leave it unhandled
  const parsed = SessionStateSchema.safeParse(input.state);
  if (!parsed.success) {
    throw new DxError('SESSION_STATE_INVALID', `the session state is not valid: ${zodIssues(parsed.error).join('; ')}`, 'Give an object with messages (an array), agent_contexts (an object), task_progress (an object or array) and current_task (a string, an object or null).', EXIT.USAGE);
  }
  for (const sha of [input.snapshot, input.start]) {
    if (sha != null && !/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(sha)) throw new DxError('SESSION_SNAPSHOT_INVALID', `${JSON.stringify(sha)} is not a commit id`, 'Pass the snapshot commit\'s full sha.', EXIT.USAGE);
  }
  const startSnapshot = input.snapshot ? (input.start ?? null) : null;
  const state: SessionState = parsed.data;
  const ref = sessionRef(s.host, agent, id);
  const cwd = s.ctx.top;
  const head = await headState(s.ctx);
  const worktree = path.relative(path.dirname(s.ctx.commonDir), s.ctx.top).split(path.sep).join('/') || '.';
  // Redacted once, before any attempt: the same text on every retry.
  const { messages, ...rest } = state;
  const restRedacted = await redactValue(rest, 'state.json');
  const redacted = new Set(restRedacted.rules);
  const algo = lastValue(await config, 'extensions.objectformat')?.trim().toLowerCase() === 'sha256' ? 'sha256' : 'sha1';
  for (let attempt = 0; ; attempt++) {
    const prev = await refValue(s, ref);
    const memoKey = `${s.ctx.commonDir}\0${ref}`;
    const memo = lastSaves.get(memoKey);
    const known = !prev ? null : memo?.commit === prev ? memo : readMemo(s, ref, prev, algo);
    const meta = known ? known.meta : prev ? await readMeta(cwd, prev) : null;
    const tails = new Map(known?.tails ?? []);
    const now = Math.floor(Date.now() / 1000);
    // Messages: an append when the saved ones are a prefix (same count reached, same last message).
    const count = meta?.messages.count ?? 0;
    let fresh = !meta || messages.length < count;
    if (!fresh && count > 0) {
      const lastLine = (await redactValue(messages[count - 1], 'messages.jsonl')).value;
      fresh = sha256(JSON.stringify(lastLine)) !== meta!.messages.last;
    }
    const from = fresh ? 0 : count;
    const newLines = messages.slice(from).map((m) => JSON.stringify(m) + '\n');
    const red = newLines.length ? await redactJsonl(newLines.join(''), 'messages.jsonl') : { value: '', rules: [] };
    red.rules.forEach((r) => redacted.add(r));
    const lines = red.value ? red.value.split(/(?<=\n)/) : [];
    const msg = await appendChunks(cwd, algo, 'messages', meta?.messages.chunks ?? [], lines, fresh, tails);
    const lastSaved = lines.length ? lines[lines.length - 1]!.replace(/\n$/, '') : null;
    // The transcript: an append when the file only grew since the last save (its last 4 KiB then match).
    let transcript = meta?.transcript ?? null;
    let transcriptFiles: Array<[string, Buffer]> = [];
    let grown = 0;
    let tFresh = false;
    if (input.transcript) {
      const r = await appendTranscript(cwd, algo, 'transcript', input.transcript, transcript, tails, redacted);
      ({ files: transcriptFiles, grown, fresh: tFresh } = r);
      transcript = r.meta;
    }
    // A subagent's transcript: the same, under subagents/<id>/.
    let subagents = meta?.subagents;
    let subFresh: string | null = null;
    if (input.subagent) {
      const sid = checkName('session', input.subagent.id, 'the subagent id');
      const prevSub = meta?.subagents?.[sid] ?? null;
      const r = await appendTranscript(cwd, algo, `subagents/${sid}`, input.subagent.transcript, prevSub, tails, redacted);
      transcriptFiles = [...transcriptFiles, ...r.files];
      subagents = { ...(meta?.subagents ?? {}), [sid]: r.meta };
      if (r.fresh && prevSub) subFresh = sid;
      grown += r.grown;
    }
    const turn = (meta?.turns.at(-1)?.n ?? 0) + 1;
    const next: SessionMeta = {
      schema_version: 1,
      agent,
      session: id,
      host: s.host,
      branch: head.branch,
      worktree,
      top: s.ctx.top,
      created: meta?.created ?? now,
      updated: now,
      messages: { count: messages.length, last: lastSaved !== null ? sha256(lastSaved) : messages.length ? (meta?.messages.last ?? null) : null, chunks: msg.chunks },
      transcript,
      ...(subagents ? { subagents } : {}),
      turns: [...(meta?.turns ?? []), { n: turn, ts: now, snapshot: input.snapshot ?? null, ...(startSnapshot ? { start: startSnapshot } : {}), messages: messages.length, transcriptBytes: transcript?.sourceBytes ?? 0 }],
    };
    const parts: Buffer[] = [];
    const message = `dx-hooks session save: ${agent}/${id}, turn ${turn}\n`;
    // A first save with a snapshot gets an empty root commit as its first parent: the snapshot stays the second,
    // and a first-parent walk of the session (turn n is tip~(last - n)) never wanders into the code's history.
    const root = !prev && input.snapshot;
    if (root) parts.push(Buffer.from(`commit ${ref}\nmark :2\ncommitter dx-hooks <dx-hooks@${s.host}> ${now} +0000\n`), dataBlock(`dx-hooks session start: ${agent}/${id}\n`), Buffer.from('\n'));
    parts.push(Buffer.from(`commit ${ref}\nmark :1\ncommitter dx-hooks <dx-hooks@${s.host}> ${now} +0000\n`), dataBlock(message));
    if (prev) parts.push(Buffer.from(`from ${prev}\n`));
    else if (root) parts.push(Buffer.from('from :2\n'));
    if (input.snapshot) parts.push(Buffer.from(`merge ${input.snapshot}\n`));
    if (startSnapshot && startSnapshot !== input.snapshot) parts.push(Buffer.from(`merge ${startSnapshot}\n`));
    if (fresh && prev) parts.push(Buffer.from('D messages\n'));
    if (tFresh && prev) parts.push(Buffer.from('D transcript\n'));
    if (subFresh && prev) parts.push(Buffer.from(`D subagents/${subFresh}\n`));
    const files: Array<[string, Buffer]> = [
      ['session.json', Buffer.from(JSON.stringify(next, null, 1) + '\n')],
      ['state.json', Buffer.from(JSON.stringify(restRedacted.value, null, 1) + '\n')],
      ...msg.files,
      ...transcriptFiles,
    ];
    for (const [p, data] of files) parts.push(Buffer.from(`M 100644 inline ${p}\n`), dataBlock(data));
    parts.push(Buffer.from('\n'));
    // The marks file lives in a fresh private folder (mkdtemp, mode 0700): git writes it, and a predictable
    // name in the shared temp folder could be a link another user planted.
    const marksDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-session-'));
    const marks = path.join(marksDir, 'marks');
    // Without hooks, like every write of dx-hooks' own refs/dx/ refs: git runs reference-transaction four times
    // for a fast-import (~7 ms of a ~10 ms save, bench 18), and no hook has anything to do for a session ref.
    const r = await gitTry(['fast-import', '--quiet', '--date-format=raw', `--export-marks=${marks}`], { cwd, input: Buffer.concat(parts), noHooks: true });
    let commit = '';
    try {
      commit = /^:1 ([0-9a-f]{40,64})$/m.exec(fs.readFileSync(marks, 'utf8'))?.[1] ?? '';
    } catch {
      /* no marks: fast-import failed before writing them */
    } finally {
      fs.rmSync(marksDir, { recursive: true, force: true });
    }
    // fast-import moves the ref only as a fast-forward; a ref another save moved first keeps its value
    // (and one moved again right after ours holds ours in its history).
    const landed = async () => {
      const tip = await refValue(s, ref);
      return tip === commit || (!!tip && (await gitTry(['merge-base', '--is-ancestor', commit, tip], { cwd })).code === 0);
    };
    if (r.code === 0 && commit && (await landed())) {
      // Only the last chunk of each stream is kept for the next save.
      const lastBlobs = new Set([next.messages.chunks.at(-1)?.blob, next.transcript?.chunks.at(-1)?.blob].filter(Boolean));
      const save = { commit, meta: next, tails: new Map([...tails].filter(([b]) => lastBlobs.has(b))) };
      lastSaves.set(memoKey, save);
      writeMemo(s, ref, save);
      appendLedger(s.ctx, { host: s.host, op: 'session.save', ok: true, refs: { [ref]: { old: prev, new: commit } }, detail: { agent, session: id, turn, messages: messages.length, rewrote: fresh || tFresh, redacted: [...redacted] } });
      return { ref, commit, turn, appended: { messages: messages.length - from, transcriptBytes: grown }, rewrote: fresh || tFresh, redacted: [...redacted] };
    }
    // Another save moved the ref first (fast-import refuses a non-fast-forward): build again on top of it.
    const raced = r.code === 0 || /not updating|does not contain|lock/i.test(r.stderr);
    if (!raced || attempt >= 8) {
      throw new DxError('SESSION_SAVE_FAILED', `could not save session ${agent}/${id}: ${r.stderr.trim().split('\n').slice(-3).join(' | ') || `git fast-import exit ${r.code}`}`, 'Nothing was lost: the previous save is unchanged. Save again.');
    }
    await new Promise((res) => setTimeout(res, 5 + Math.floor(Math.random() * 20 * (attempt + 1))));
  }
}

/**
 * Fetch one session of another host from `remote` into the same ref here (the session's commits, chunks
 * and snapshot come with it): one `ls-remote` to find it by id, one `fetch`. Returns the ref.
 * @throws DxError REMOTE_UNREACHABLE; SESSION_NOT_FOUND (exit 1) when the remote has no such session;
 *   SESSION_AMBIGUOUS (exit 2) when several agents have a session of that id (name the agent)
 */
export async function fetchSession(s: Session, remote: string, opts: { id: string; host: string; agent?: string }): Promise<string> {
  const id = checkName('session', opts.id, 'the session id');
  if (opts.agent) checkName('agent', opts.agent);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(opts.host) || opts.host.includes('..')) throw new DxError('HOST_INVALID', `${JSON.stringify(opts.host)} is not a host id`, 'Use the host id status shows.', EXIT.USAGE);
  const { lsRemote } = await import('../wip/remote.js');
  const there = await lsRemote(s.ctx, remote, [`${SESSIONS_PREFIX}/${opts.host}/*`]);
  const found = [...there.keys()].filter((r) => r.split('/').length === 6 && r.startsWith(`${SESSIONS_PREFIX}/${opts.host}/`) && r.endsWith(`/${id}`) && (!opts.agent || r === sessionRef(opts.host, opts.agent, id)));
  if (!found.length) throw new DxError('SESSION_NOT_FOUND', `${remote} has no session ${JSON.stringify(id)} of host ${JSON.stringify(opts.host)}`, 'List them: dx-hooks session list --all-hosts.', EXIT.FAILED);
  if (found.length > 1) throw new DxError('SESSION_AMBIGUOUS', `session ${JSON.stringify(id)} of host ${JSON.stringify(opts.host)} exists for ${found.length} agents`, 'Name the agent (--agent).', EXIT.USAGE);
  const ref = found[0]!;
  const { NETWORK_TIMEOUT_MS, lastLines } = await import('../wip/remote.js');
  // Another host's session: the remote's value wins here (it is that host's record, not ours).
  const r = await gitTry(['fetch', '--no-tags', '--no-write-fetch-head', '--quiet', '--', remote, `+${ref}:${ref}`], { cwd: s.ctx.top, timeoutMs: NETWORK_TIMEOUT_MS, noHooks: true });
  if (r.code !== 0) throw new DxError('REMOTE_UNREACHABLE', `cannot fetch ${ref} from ${remote}: ${lastLines(r.stderr)}`, 'Check the network and the remote URL (git remote -v).');
  return ref;
}

/**
 * A session for restoring: another host's is fetched from the remote first (just its ref; `offline`: read
 * what was fetched before), this host's is read as it is here.
 * @throws as fetchSession and loadSession
 */
export async function restoreSession(s: Session, opts: { id: string; agent?: string; host?: string; offline?: boolean }): Promise<LoadedSession> {
  if (opts.host && opts.host !== s.host && !opts.offline) {
    const [{ resolveRemote }] = await Promise.all([import('../wip/remote.js')]);
    const remote = await resolveRemote(s.ctx, s.config.remote, (await headState(s.ctx)).branch);
    await fetchSession(s, remote, { id: opts.id, host: opts.host, agent: opts.agent });
  }
  return loadSession(s, { id: opts.id, agent: opts.agent, host: opts.host });
}

/**
 * The session state a checkpoint recorded (`checkpoint create --session`): the checkpoint is found here or
 * fetched; its session's ref is fetched when the save is not here. The save must be in that session's
 * history (a tag can come from another host: it cannot make this read an unrelated commit).
 * @throws DxError CHECKPOINT_NOT_FOUND; SESSION_NOT_IN_CHECKPOINT (exit 1) when it recorded none;
 *   SESSION_NOT_FOUND when the save is not in its session's history; as loadSessionAt
 */
export async function sessionAtCheckpoint(s: Session, name: string): Promise<LoadedSession> {
  const { findCheckpoint } = await import('../checkpoints/read.js');
  const cp = await findCheckpoint(s, name);
  if (!cp.session) throw new DxError('SESSION_NOT_IN_CHECKPOINT', `checkpoint ${JSON.stringify(name)} recorded no session`, 'Restore the newest save instead: dx-hooks session restore <id> (a checkpoint carries one when made with --session).', EXIT.FAILED);
  const { ref, commit } = cp.session;
  const inHistory = async () => (await gitTry(['merge-base', '--is-ancestor', commit, ref], { cwd: s.ctx.top })).code === 0;
  if (!(await inHistory())) {
    const [, , , host, agent, id] = ref.split('/') as [string, string, string, string, string, string];
    const { resolveRemote } = await import('../wip/remote.js');
    const remote = await resolveRemote(s.ctx, s.config.remote, (await headState(s.ctx)).branch);
    await fetchSession(s, remote, { id, host, agent });
    if (!(await inHistory())) throw new DxError('SESSION_NOT_FOUND', `checkpoint ${JSON.stringify(name)} names save ${commit.slice(0, 12)} of ${ref}, which is not in that session's history`, 'The checkpoint or the session was rewritten; restore the session\'s newest save instead.', EXIT.FAILED);
  }
  return loadSessionAt(s, ref, commit);
}

/** What `session rm` did: the ref removed, its last save, the ledger event (`dx-hooks undo <id>` brings it back), and the remote deletion (null: no remote). */
export interface RemoveSessionResult { id: string; ref: string; commit: string; push: import('../remote-refs.js').PushRefsResult | null }

/**
 * Remove this host's session `id`, here and on the remote. Never lost: its last save stays reachable under
 * refs/dx/undo/<event id>, and the ledger line says how to put the ref back (on the remote too): `dx-hooks undo`.
 * A failed remote deletion is kept pending and retried like any ref push.
 * @throws as findSession; the ref move's errors (nothing removed then)
 */
export async function removeSession(s: Session, opts: { id: string; agent?: string }): Promise<RemoveSessionResult> {
  const { ref, commit } = await findSession(s, opts);
  const [{ keepReachable, moveRefs }, { keepPending, pushRefsLocked }, { newEventId }, { resolveRemote }, { describeError }] = await Promise.all([
    import('../refs.js'), import('../remote-refs.js'), import('../ledger.js'), import('../wip/remote.js'), import('../errors.js'),
  ]);
  let remote: string | null = null;
  try {
    remote = await resolveRemote(s.ctx, s.config.remote, (await headState(s.ctx)).branch);
  } catch {
    // No remote: the session only ever existed here.
  }
  const id = newEventId();
  await keepReachable(s.ctx, id, [commit]);
  const undo: Record<string, unknown> = { refs: { [ref]: commit } };
  if (remote) undo.push = { remote, refs: [ref] };
  appendLedger(s.ctx, { id, host: s.host, op: 'session.rm', ok: true, refs: { [ref]: { old: commit, new: null } }, detail: { session: opts.id, summary: `removed session ${ref.split('/').slice(-2).join('/')} (${commit.slice(0, 7)})`, undo } });
  try {
    await moveRefs(s.ctx, [{ ref, value: null, expect: commit }], `dx-hooks: session rm ${opts.id}`);
  } catch (err) {
    appendLedger(s.ctx, { host: s.host, op: 'session.rm', ok: false, error: describeError(err), detail: { event: id } });
    throw err;
  }
  lastSaves.delete(`${s.ctx.commonDir}\0${ref}`);
  try {
    rmInside(s.ctx.commonDir, memoFile(s, ref));
  } catch (err) {
    debugNote(`could not remove the session memo: ${String(err)}`); // it names a commit the ref no longer has: never used
  }
  const push = remote ? await pushRefsLocked(s.ctx, remote, [ref]) : null;
  if (push && !push.ok) await keepPending(s, push, false);
  return { id, ref, commit, push };
}

/** A session as read back: its ref and commit, session.json, the state object (messages included), the transcript's bytes (null when none was saved) and each subagent's (by agent id). */
export interface LoadedSession { ref: string; commit: string; meta: SessionMeta; state: SessionState; transcript: Buffer | null; subagents: Record<string, Buffer> }

/**
 * Read a session saved on this repository (this host's, or `host`'s when its ref was fetched here).
 * @throws DxError AGENT_NAME_INVALID (exit 2) for a bad id; SESSION_NOT_FOUND (exit 1); SESSION_CORRUPT
 *   naming what is wrong (a chunk missing, a file that is not valid)
 */
export async function loadSession(s: Session, opts: { id: string; agent?: string; host?: string }): Promise<LoadedSession> {
  const { ref, commit } = await findSession(s, opts);
  return loadSessionAt(s, ref, commit);
}

/**
 * A session's ref here and the commit it names (`host` default: this host's), found by id.
 * @throws DxError AGENT_NAME_INVALID (exit 2); SESSION_NOT_FOUND (exit 1); SESSION_AMBIGUOUS (exit 2: name the agent)
 */
export async function findSession(s: Session, opts: { id: string; agent?: string; host?: string }): Promise<{ ref: string; commit: string }> {
  const id = checkName('session', opts.id, 'the session id');
  if (opts.agent) checkName('agent', opts.agent);
  const host = opts.host ?? s.host;
  const refs = await gitTry(['for-each-ref', '--format=%(refname) %(objectname)', `${SESSIONS_PREFIX}/${host}/`], { cwd: s.ctx.top });
  const found = refs.stdout.split('\n').map((l) => l.split(' ') as [string, string]).filter(([r]) => r && r.endsWith(`/${id}`) && r.split('/').length === 6 && (!opts.agent || r === sessionRef(host, opts.agent, id)));
  if (!found.length) throw new DxError('SESSION_NOT_FOUND', `no session ${JSON.stringify(id)} of host ${JSON.stringify(host)} here`, 'List them: dx-hooks session list.', EXIT.FAILED);
  if (found.length > 1) throw new DxError('SESSION_AMBIGUOUS', `session ${JSON.stringify(id)} exists for ${found.length} agents`, 'Name the agent (--agent).', EXIT.USAGE);
  const [ref, commit] = found[0]!;
  return { ref, commit };
}

/**
 * A session as one save left it: `commit` on `ref` (a checkpoint's save, not necessarily the ref's tip).
 * @throws DxError SESSION_CORRUPT naming what is wrong (a chunk missing, a file that is not valid)
 */
export async function loadSessionAt(s: Session, ref: string, commit: string): Promise<LoadedSession> {
  const meta = await readMeta(s.ctx.top, commit);
  if (!meta) throw new DxError('SESSION_CORRUPT', `${ref} (${commit.slice(0, 12)}) has no valid session.json`, 'Save the session again from the agent.');
  const subs = Object.entries(meta.subagents ?? {});
  const chunks = [...meta.messages.chunks, ...(meta.transcript?.chunks ?? []), ...subs.flatMap(([, t]) => t.chunks)];
  const objects = await readObjects(s.ctx.top, [`${commit}:state.json`, ...chunks.map((c) => c.blob)]);
  const missing = chunks.filter((c) => !objects.has(c.blob));
  if (missing.length) throw new DxError('SESSION_CORRUPT', `${ref}: chunk(s) ${missing.map((c) => c.name).join(', ')} are missing`, 'Fetch the session again, or save it again from the agent.');
  let rest: Record<string, unknown> = {};
  try {
    rest = JSON.parse((objects.get(`${commit}:state.json`) ?? Buffer.from('{}')).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new DxError('SESSION_CORRUPT', `${ref}: state.json is not JSON`, 'Save the session again from the agent.');
  }
  const messages: unknown[] = [];
  for (const c of meta.messages.chunks) {
    for (const line of objects.get(c.blob)!.toString('utf8').split('\n')) {
      if (!line) continue;
      try {
        messages.push(JSON.parse(line));
      } catch {
        throw new DxError('SESSION_CORRUPT', `${ref}: messages/${c.name} holds a line that is not JSON`, 'Save the session again from the agent.');
      }
    }
  }
  const parsed = SessionStateSchema.safeParse({ ...rest, messages });
  if (!parsed.success) throw new DxError('SESSION_CORRUPT', `${ref}: the saved state is not valid: ${zodIssues(parsed.error).join('; ')}`, 'Save the session again from the agent.');
  const transcript = meta.transcript ? Buffer.concat(meta.transcript.chunks.map((c) => objects.get(c.blob)!)) : null;
  const subagents = Object.fromEntries(subs.map(([sid, t]) => [sid, Buffer.concat(t.chunks.map((c) => objects.get(c.blob)!))]));
  return { ref, commit, meta, state: parsed.data, transcript, subagents };
}

/** One session as `session list` shows it: its ref and the commit it names, times in Unix seconds. */
export interface ListedSession { ref: string; commit: string; host: string; agent: string; id: string; branch: string | null; updated: number; turns: number; messages: number }

/**
 * The sessions whose refs this repository has (this host's, and others' once fetched), newest first:
 * one for-each-ref and one cat-file for all their session.json. A ref whose session.json is not valid
 * is listed with what its name says and zero turns.
 */
export async function listSessions(s: Session, opts: { allHosts?: boolean } = {}): Promise<ListedSession[]> {
  return listSessionRefs(s.ctx, opts.allHosts ? `${SESSIONS_PREFIX}/` : `${SESSIONS_PREFIX}/${s.host}/`);
}

/** listSessions for the session refs under `prefix` (`refs/dx/sessions/` or one host's `refs/dx/sessions/<host>/`). */
export async function listSessionRefs(ctx: RepoContext, prefix: string): Promise<ListedSession[]> {
  const r = await gitTry(['for-each-ref', '--format=%(refname) %(objectname) %(committerdate:unix)', prefix], { cwd: ctx.top });
  const rows = r.stdout.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string, string]).filter(([ref]) => ref.split('/').length === 6);
  const metas = await readObjects(ctx.top, rows.map(([, sha]) => `${sha}:session.json`));
  return rows
    .map(([ref, sha, time]) => {
      const [, , , host, agent, id] = ref.split('/') as [string, string, string, string, string, string];
      let meta: SessionMeta | null = null;
      try {
        const p = SessionMetaSchema.safeParse(JSON.parse(metas.get(`${sha}:session.json`)?.toString('utf8') ?? 'null'));
        meta = p.success ? p.data : null;
      } catch {
        meta = null;
      }
      return { ref, commit: sha, host, agent, id, branch: meta?.branch ?? null, updated: meta?.updated ?? Number(time), turns: meta?.turns.length ?? 0, messages: meta?.messages.count ?? 0 };
    })
    .sort((a, b) => b.updated - a.updated || a.ref.localeCompare(b.ref));
}
