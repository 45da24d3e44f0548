/**
 * The typed programmatic API of dx-hooks: the same core the CLI uses, with no terminal output.
 * Every function takes its repository explicitly (a RepoContext or a Session).
 */
export { DxError, GitError, EXIT } from './core/errors.js';
export { openRepo, dxPaths, type RepoContext } from './core/context.js';
export { openSession, type Session } from './core/session.js';
export { loadConfig } from './core/config/load.js';
export { DxConfigSchema, defaultConfig, parseSize, type DxConfig } from './core/config/schema.js';
export { resolveHost, sanitizeHost } from './core/host.js';
export { appendLedger, readLedger, type LedgerEvent } from './core/ledger.js';
export { takeSnapshot, type Snapshot, type ExcludedFile } from './core/snapshot.js';
export { checkpoint, type CheckpointResult } from './core/checkpoint.js';
export { wipRef, parseWipRef } from './core/wip/ref.js';
export { mirror, type MirrorItem, type MirrorReport } from './core/wip/mirror.js';
export { runWorker } from './core/wip/worker.js';
export { WipIndexSchema, mergeEntries, type WipIndex, type IndexEntry } from './core/index/format.js';
export { fetchIndexTip, readIndexAt, updateIndex, INDEX_REF, INDEX_FILE } from './core/index/store.js';
export { indexFromWipRefs } from './core/index/rebuild.js';
export { getStatus, type StatusReport } from './core/status.js';
export { listWip, restoreWip, type RestoreResult } from './core/restore.js';
export { planInstall, type InstallPlan } from './core/install/plan.js';
export { applyInstall, uninstall } from './core/install/apply.js';
export { parseDuration } from './core/duration.js';
export { queryLog, type LogQuery, type LogResult } from './core/log.js';
export { snapshotBefore } from './core/worktree/before.js';
export { restoreWorktree, type WorktreeTarget, type WorktreeRestoreResult } from './core/worktree/restore.js';
export { planRollback, rollback, type RollbackPlan, type RollbackResult } from './core/rollback.js';
export { undoInfoOf, UndoInfoSchema, type UndoInfo } from './core/undo/info.js';
export { listUndoable, type UndoEntry } from './core/undo/list.js';
export { undo, type UndoResult } from './core/undo/apply.js';
export { createCheckpoint, type CreateCheckpointResult } from './core/checkpoints/create.js';
export { listCheckpoints, type CheckpointList, type ListedCheckpoint } from './core/checkpoints/list.js';
export { restoreCheckpoint, type RestoreCheckpointResult } from './core/checkpoints/restore.js';
export { removeCheckpoint, type RemoveCheckpointResult } from './core/checkpoints/remove.js';
export { readLocalCheckpoints, findCheckpoint } from './core/checkpoints/read.js';
export { type CheckpointInfo } from './core/checkpoints/tag.js';
export { effectiveRole, type Role, type EffectiveRole } from './core/role.js';
export { loadMachineConfig, updateMachineConfig, registerRepo, userDirs, type MachineConfig } from './core/machine.js';
export { triageRepo, sortRows, worst, type TriageRow, type Problem } from './core/triage/row.js';
export { parseStatusV2 } from './core/triage/facts.js';
export { syncRepo, type SyncResult } from './core/sync/run.js';
export { runBatch, type BatchOptions, type BatchResult, type RepoOutcome } from './core/batch/run.js';
export { planBatch, type BatchPlan } from './core/batch/plan.js';
export { BatchProgressSchema, readProgress, progressFile, type BatchProgress } from './core/batch/progress.js';
export { resolveRepos } from './core/batch/repos.js';
export { runDoctor, type DoctorReport } from './core/doctor/run.js';
export { type Diagnostic, type DiagnosticReport } from './core/doctor/types.js';
export { prune, type PruneOptions, type PruneReport } from './core/prune/run.js';
