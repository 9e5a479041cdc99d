// The engine functions the extension uses, gathered in one object so the adapter receives them through
// its constructor (and a test can hand in a different one). The engine itself (./engineModule: the loop,
// pytest, the producers, execa) is a bundle of its own, loaded on the first call, so that activation only
// loads the adapter. What stays here is small and free of child-process code.
import { bundleSchema, serializeBundle } from '../core/bundle';
import { isFreshnessConfigured } from '../core/freshnessRule';
import { attemptArgs, displayCommand, testRunArgs } from '../core/pytestCommand';
import { defaultSettings } from '../core/settings';
import type * as EngineModule from './engineModule';

type Module = typeof EngineModule;

let loading: Promise<Module> | undefined;

/** The engine bundle, loaded once; `import()` of it becomes `require('./engine.js')` (see esbuild.mjs). */
export function loadEngine(): Promise<Module> {
  return (loading ??= import('./engineModule'));
}

export const realEngine = {
  runLoop: async (...a: Parameters<Module['runLoop']>) => (await loadEngine()).runLoop(...a),
  runPytest: async (...a: Parameters<Module['runPytest']>) => (await loadEngine()).runPytest(...a),
  restoreLastSnapshot: async (...a: Parameters<Module['restoreLastSnapshot']>) => (await loadEngine()).restoreLastSnapshot(...a),
  collectTests: async (...a: Parameters<Module['collectTests']>) => (await loadEngine()).collectTests(...a),
  probeFreshness: async (...a: Parameters<Module['probeFreshness']>) => (await loadEngine()).probeFreshness(...a),
  restartAndProbe: async (...a: Parameters<Module['restartAndProbe']>) => (await loadEngine()).restartAndProbe(...a),
  resolvePython: async (...a: Parameters<Module['resolvePython']>) => (await loadEngine()).resolvePython(...a),
  detectPytest: async (...a: Parameters<Module['detectPytest']>) => (await loadEngine()).detectPytest(...a),
  createProducer: async (...a: Parameters<Module['createProducer']>) => (await loadEngine()).createProducer(...a),
  checkProducer: async (...a: Parameters<Module['checkProducer']>) => (await loadEngine()).checkProducer(...a),
  askMcpServer: async (...a: Parameters<Module['askMcpServer']>) => (await loadEngine()).askMcpServer(...a),
  buildInvestigationPayloads: async (...a: Parameters<Module['buildInvestigationPayloads']>) => (await loadEngine()).buildInvestigationPayloads(...a),
  newTracker: async () => new (await loadEngine()).ProcessTracker(),
  // Read by the status bar at start-up: a workspace without freshness never loads the engine for it.
  isFreshnessConfigured,
  bundleSchema,
  serializeBundle,
  defaultSettings,
  attemptArgs,
  testRunArgs,
  displayCommand,
};

export type Engine = typeof realEngine;
