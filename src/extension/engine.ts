// The engine functions the extension uses, gathered in one object so the adapter receives them through
// its constructor (and a test can hand in a different one).
import {
  bundleSchema,
  collectTests,
  defaultSettings,
  detectPytest,
  freshnessConfigured,
  ProcessTracker,
  probeFreshness,
  resolvePython,
  restartAndProbe,
  restoreLastSnapshot,
  runLoop,
  serializeBundle,
} from '../core';
import { askMcpServer, buildInvestigationPayloads } from '../core/investigation';
import { createProducer } from '../producers';

export const realEngine = {
  runLoop,
  restoreLastSnapshot,
  collectTests,
  probeFreshness,
  restartAndProbe,
  freshnessConfigured,
  resolvePython,
  detectPytest,
  createProducer,
  askMcpServer,
  buildInvestigationPayloads,
  newTracker: () => new ProcessTracker(),
  bundleSchema,
  serializeBundle,
  defaultSettings,
};

export type Engine = typeof realEngine;
