// The engine's part of the extension: bundled apart (dist/engine.js) and loaded by ./engine on first use,
// so activation does not load the engine, execa and the producers.
export {
  collectTests,
  detectPytest,
  ProcessTracker,
  probeFreshness,
  resolvePython,
  restartAndProbe,
  restoreLastSnapshot,
  runLoop,
  runPytest,
} from '../core';
export { askMcpServer, buildInvestigationPayloads } from '../core/investigation';
export { checkProducer, createProducer } from '../producers';

