// Test stand-in for the Python extension (ms-python.python), shaped like the part of its API the
// product reads: `environments.getActiveEnvironmentPath(resource)` returns `{ id, path }` and
// `environments.resolveEnvironment(env)` returns the environment with its executable. A suite sets the
// active interpreter with `setActivePath(path)` ('' : none named) and reads what was asked.
'use strict';
const vscode = require('vscode');

// Until a suite chooses, `python3` from PATH, as the real extension auto-selects an interpreter.
const state = { activePath: 'python3', asked: [], setInterpreterCalls: 0 };

function environmentPath(resource) {
  state.asked.push(resource ? String(resource) : null);
  // An empty path: the extension names no interpreter (the product then falls back).
  return { id: state.activePath || 'DEFAULT_PYTHON', path: state.activePath };
}

function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('python.setInterpreter', () => {
      state.setInterpreterCalls++;
    }),
  );
  return {
    environments: {
      getActiveEnvironmentPath: environmentPath,
      async resolveEnvironment(env) {
        const p = typeof env === 'string' ? env : env && env.path;
        if (!p) return undefined;
        return { id: p, path: p, executable: { uri: vscode.Uri.file(p), bitness: '64-bit', sysPrefix: '' }, environment: undefined, version: undefined };
      },
      onDidChangeActiveEnvironmentPath: () => ({ dispose() {} }),
      known: [],
    },
    // For the suite only.
    testing: {
      state,
      setActivePath(p) {
        state.activePath = p;
      },
    },
  };
}

module.exports = { activate, deactivate() {} };
