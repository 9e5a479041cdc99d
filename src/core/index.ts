// The engine's public API, shared by the CLI and the VS Code extension.
export * from './types';
export * from './errors';
export { settingsSchema, parseSettings, defaultSettings, type Settings, type SettingsInput, type McpServerConfig } from './settings';
export { bundleSchema, serializeBundle, BUNDLE_KEY_ORDER, type EscalationBundle } from './bundle';
export { runLoop, restoreLastSnapshot, ARTIFACTS_DIR, RUN_LOG, SUMMARY_FILE, OUTPUT_FILE, type LoopOptions } from './loop';
export { acquireWorkspaceLock, readLock, holderAlive, LOCK_FILE, type LockHolder, type WorkspaceLock } from './lock';
export { findInterpreter, displayPython, environmentProblem, type Interpreter } from './interpreter';
export { rotateArtifacts, excludeOwnFiles, PREVIOUS_DIR } from './artifacts';
export { collectTests, type CollectedTest } from './collect';
export { runPytest, resolvePython, detectPytest } from './pytestRunner';
export { baselineArgs, attemptArgs, testRunArgs, displayCommand, type Selection } from './pytestCommand';
export { makeSignature } from './signature';
export { probeFreshness, restartAndProbe, freshnessConfigured, isFreshnessConfigured, collectFreshnessOutputs } from './freshness';
export { extractDiff, summarizePatch } from './patch';
export { ProcessTracker, runProcess, runShell, stripAnsi } from './processes';
export { McpInvestigator, buildInvestigationPayloads, formatPayloadForTool, pickTool, toolArguments } from './investigation';
