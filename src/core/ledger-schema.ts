/** zod schema of one ledger line (see ledger.ts); loaded only when the ledger is read. */
import { z } from 'zod';

const Sha = z.string().regex(/^[0-9a-f]{40}$/).nullable().optional();

/** One line of `events.jsonl`. */
export const LedgerEventSchema = z.object({
  id: z.string().min(1),
  ts: z.number().int().nonnegative(),
  host: z.string(),
  op: z.string().min(1),
  ok: z.boolean(),
  refs: z.record(z.string(), z.object({ old: Sha, new: Sha })).optional(),
  paths: z.array(z.string()).optional(),
  error: z.string().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
