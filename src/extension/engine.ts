// The engine functions the extension uses, gathered in one object so the adapter receives them through
// its constructor (and a test can hand in a different one).
import {
  attemptArgs,
  bundleSchema,
  collectTests,
  defaultSettings,
  detectPytest,
  displayCommand,
  isFreshnessConfigured,
  ProcessTracker,
  probeFreshness,
  resolvePython,
  restartAndProbe,
  restoreLastSnapshot,
  runLoop,
  runPytest,
  serializeBundle,
  testRunArgs,
} from '../core';
import { askMcpServer, buildInvestigationPayloads } from '../core/investigation';
import { checkProducer, createProducer } from '../producers';

export const realEngine = {
  runLoop,
  runPytest,
  restoreLastSnapshot,
  collectTests,
  probeFreshness,
  restartAndProbe,
  isFreshnessConfigured,
  resolvePython,
  detectPytest,
  createProducer,
  checkProducer,
  askMcpServer,
  buildInvestigationPayloads,
  newTracker: () => new ProcessTracker(),
  bundleSchema,
  serializeBundle,
  defaultSettings,
  attemptArgs,
  testRunArgs,
  displayCommand,
};

export type Engine = typeof realEngine;
