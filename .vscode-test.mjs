// Configuration for @vscode/test-cli (`npx vscode-test`, and the Extension Test Runner in VS Code):
// runs the same mocha suite as scripts/test-vscode.mjs, in a VS Code downloaded by @vscode/test-electron.
// Needs the internet for that download; build first: `node esbuild.mjs && node scripts/lib/build-vscode-tests.mjs`.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copyFixtureWorkspace } from './scripts/lib/build-vscode-tests.mjs';

// The tests write into their workspace: give each run a fresh copy of the fixture.
const workspace = copyFixtureWorkspace(path.join(mkdtempSync(path.join(os.tmpdir(), 'smokes-fixer-vscode-test-')), 'workspace'));

export default {
  label: 'smokes-fixer',
  // VS Code 1.100 is the oldest version `engines.vscode` allows, and the one the tests run on elsewhere.
  version: '1.100.3',
  files: 'test/vscode/host/out/suite/**/*.test.js',
  extensionDevelopmentPath: '.',
  workspaceFolder: workspace,
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  mocha: { ui: 'bdd', timeout: 120_000, color: true },
};
