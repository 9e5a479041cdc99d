#!/usr/bin/env node
// The same mocha suite under @vscode/test-electron (downloads VS Code 1.100.3, so it needs the internet;
// on machines without it use scripts/test-vscode.mjs, which runs code-server instead).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { buildVscodeTests, copyFixtureWorkspace, hostDir, root } from './lib/build-vscode-tests.mjs';

const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
await buildVscodeTests();
const workspace = copyFixtureWorkspace(path.join(mkdtempSync(path.join(os.tmpdir(), 'smokes-fixer-vscode-test-')), 'workspace'));
try {
  await runTests({
    version: '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(hostDir, 'out/host.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { SMOKES_FIXER_VSCODE_RESULTS: path.join(root, 'test-output/vscode-electron/results.json') },
  });
} catch (err) {
  console.error(`VS Code tests failed: ${err?.message ?? err}`);
  process.exit(1);
}
