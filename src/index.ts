/**
 * The typed programmatic API of dx-hooks: the operations the CLI offers, on the same core, with no
 * terminal output. Every function takes its repository explicitly (a RepoContext or a Session; open
 * one with `openSession(cwd)`), and throws `DxError` (with an exit code, `EXIT`) for what the CLI
 * would report. Deliberately small: dx-hooks' own files (ledger appends, the hook state, the WIP index
 * writes, the worker) stay internal, so only dx-hooks writes them. `test/unit/api.test.ts` holds the list.
 */
// Errors and opening a repository
export { DxError, GitError, EXIT } from './core/errors.js';
export { openRepo, type RepoContext } from './core/context.js';
export { openSession, type Session } from './core/session.js';
// Configuration (.dxrc, DESIGN §5) and this machine
export { loadConfig } from './core/config/load.js';
export { DxConfigSchema, defaultConfig, type DxConfig } from './core/config/schema.js';
export { loadMachineConfig, type MachineConfig } from './core/machine.js';
export { resolveHost } from './core/host.js';
export { effectiveRole, type Role, type EffectiveRole } from './core/role.js';
// Where work is: status, one repository's triage row, WIP refs and the WIP index (read only), the ledger
export { getStatus, type StatusReport } from './core/status.js';
export { triageRepo, type TriageRow, type Problem } from './core/triage/row.js';
export { wipRef, parseWipRef } from './core/wip/ref.js';
export { WipIndexSchema, type WipIndex, type IndexEntry } from './core/wipindex/format.js';
export { INDEX_REF } from './core/wipindex/store.js';
export { readLedger, type LedgerEvent } from './core/ledger.js';
export { queryLog, type LogQuery, type LogResult } from './core/log.js';
// Getting work back and keeping it
export { takeSnapshot, type Snapshot, type ExcludedFile } from './core/snapshot.js';
export { pushSnapshot, type SnapshotPushResult } from './core/wip/snapshot-push.js';
export { listWip, restoreWip, type RestoreResult } from './core/restore.js';
export { createCheckpoint, type CreateCheckpointResult } from './core/checkpoints/create.js';
export { listCheckpoints, type CheckpointList, type ListedCheckpoint } from './core/checkpoints/list.js';
export { restoreCheckpoint, type RestoreCheckpointResult } from './core/checkpoints/restore.js';
export { removeCheckpoint, type RemoveCheckpointResult } from './core/checkpoints/remove.js';
export { planRollback, rollback, type RollbackPlan, type RollbackResult } from './core/rollback.js';
export { listUndoable, type UndoEntry } from './core/undo/list.js';
export { undo, type UndoResult } from './core/undo/apply.js';
// Agents (DESIGN §9): attributed commits
export { agentCommit, type AgentCommitInput, type AgentCommitResult } from './core/agents/commit.js';
export { agentFromEnv, type AgentIdentity } from './core/agents/names.js';
export { attributionTrailers, type Trailer } from './core/agents/trailers.js';
export { saveSession, loadSession, listSessions, restoreSession, type SaveSessionInput, type SaveSessionResult, type LoadedSession, type ListedSession } from './core/sessions/store.js';
export { SessionStateSchema, type SessionState, type SessionMeta } from './core/sessions/format.js';
// The critical-files guardrail and diagnosis
export { runGuard, type GuardReport } from './core/guardrail/run.js';
export { checkCritical, type Drift } from './core/guardrail/check.js';
export { readTelemetry, type TelemetryEvent, type TelemetryKind } from './core/guardrail/telemetry.js';
export { diagnose, type DiagnoseResult, type PathReport } from './core/diagnose/run.js';
export { buildReport, type ForensicsReport } from './core/diagnose/report.js';
// Many repositories, sync, retention, self-check
export { syncRepo, type SyncResult } from './core/sync/run.js';
export { runBatch, type BatchOptions, type BatchResult, type RepoOutcome } from './core/batch/run.js';
export { resolveRepos } from './core/batch/repos.js';
export { prune, type PruneOptions, type PruneReport } from './core/prune/run.js';
export { runDoctor, type DoctorReport } from './core/doctor/run.js';
export { type Diagnostic, type DiagnosticReport } from './core/doctor/types.js';
// Installing the hooks
export { planInstall, type InstallPlan } from './core/install/plan.js';
export { applyInstall, uninstall } from './core/install/apply.js';
