// Unit (issue 11): src/index.ts is a deliberate public API. A name added to or dropped from it fails
// here, so the change is a decision: dx-hooks' own file writers (ledger appends, the hook state, the
// WIP index writes, the worker) must never become public.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as api from '../../src/index.ts';

const PUBLIC = [
  'DxConfigSchema', 'DxError', 'EXIT', 'GitError', 'INDEX_REF', 'WipIndexSchema',
  'SessionStateSchema', 'agentCommit', 'agentFromEnv', 'applyInstall', 'attributionTrailers', 'buildReport', 'listSessions', 'loadSession', 'restoreSession', 'saveSession', 'checkCritical', 'createCheckpoint', 'defaultConfig', 'diagnose', 'effectiveRole',
  'getStatus', 'listCheckpoints', 'listUndoable', 'listWip', 'loadConfig', 'loadMachineConfig', 'openRepo',
  'openSession', 'parseWipRef', 'planInstall', 'planRollback', 'prune', 'pushSnapshot', 'queryLog', 'readLedger',
  'readTelemetry', 'removeCheckpoint', 'resolveHost', 'resolveRepos', 'restoreCheckpoint', 'restoreWip', 'rollback',
  'runBatch', 'runDoctor', 'runGuard', 'syncRepo', 'takeSnapshot', 'triageRepo', 'undo', 'uninstall', 'wipRef',
];

test('the public API is exactly the deliberate list', () => {
  assert.deepEqual(Object.keys(api).sort(), [...PUBLIC].sort());
});

test('no writer of dx-hooks\' own files is public', () => {
  for (const name of ['appendLedger', 'appendTelemetry', 'writeHookState', 'updateIndex', 'mirror', 'runWorker', 'dxPaths', 'mergeEntries']) {
    assert.equal(name in api, false, `${name} is exported`);
  }
});
