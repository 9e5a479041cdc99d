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

/** An engine function as the adapter calls it: the same arguments, always a promise. */
type Lazy<F> = F extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : never;

/** A function of the engine bundle, called through it: the bundle loads on the first call. */
function lazy<K extends Exclude<keyof Module, 'ProcessTracker'>>(name: K): Lazy<Module[K]> {
  const call = async (...a: unknown[]): Promise<unknown> => ((await loadEngine())[name] as (...args: unknown[]) => unknown)(...a);
  return call as Lazy<Module[K]>;
}

export const realEngine = {
  runLoop: lazy('runLoop'),
  runPytest: lazy('runPytest'),
  restoreLastSnapshot: lazy('restoreLastSnapshot'),
  collectTests: lazy('collectTests'),
  probeFreshness: lazy('probeFreshness'),
  restartAndProbe: lazy('restartAndProbe'),
  resolvePython: lazy('resolvePython'),
  detectPytest: lazy('detectPytest'),
  createProducer: lazy('createProducer'),
  checkProducer: lazy('checkProducer'),
  askMcpServer: lazy('askMcpServer'),
  buildInvestigationPayloads: lazy('buildInvestigationPayloads'),
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
