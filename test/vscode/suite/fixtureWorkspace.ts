// The fixture workspace as a suite finds it (not a suite itself: no `.test.ts`): the product activated, the
// copy of test/fixtures/vscode-workspace made a git repository of its own, and exec-rpc on a free port.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { configureFolder, freePort, gitIn } from './support';
import type { SmokesFixerApi } from '../../../src/extension/extension';

export const EXTENSION_ID = 'smokes-fixer.smokes-fixer';
export const ADD = 'tests/smoke/test_calc_smoke.py::test_smoke_add';
export const MUL = 'tests/smoke/test_calc_smoke.py::test_smoke_mul';
export const BUGGY = '"""Tiny arithmetic helpers the smoke tests guard."""\n\n\ndef add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n';
export const FIXED = BUGGY.replace('return a - b', 'return a + b');

export interface FixtureWorkspace {
  api: SmokesFixerApi;
  folder: vscode.WorkspaceFolder;
  ws: string;
  calc(): string;
  /** calc.py back to its bug, no artifacts of an earlier run. */
  reset(): void;
  configure(values: Record<string, unknown>): Promise<void>;
  /** Stops the exec-rpc stand-in the loop started. */
  stopExecRpc(): void;
}

export async function openFixtureWorkspace(): Promise<FixtureWorkspace> {
  const ext = vscode.extensions.getExtension<SmokesFixerApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  const api = await ext.activate();
  const folder = vscode.workspace.workspaceFolders![0];
  const ws = folder.uri.fsPath;
  assert.ok(existsSync(join(ws, 'tools/propose.py')), `the fixture workspace is open (got ${ws})`);
  const reset = () => {
    writeFileSync(join(ws, 'calc.py'), BUGGY);
    rmSync(join(ws, 'artifacts'), { recursive: true, force: true });
  };
  // The loop keeps its snapshots in git: the copy of the fixture becomes a repository of its own.
  let top = '';
  try {
    top = gitIn(ws, 'rev-parse', '--show-toplevel');
  } catch {
    /* not a repository yet */
  }
  if (top !== ws) {
    assert.equal(top, '', `the workspace must be a copy of the fixture, not inside another repository (${top})`);
    reset();
    gitIn(ws, 'init', '-q');
    gitIn(ws, 'add', '-A');
    gitIn(ws, 'commit', '-q', '-m', 'fixture');
  }
  const port = await freePort();
  writeFileSync(join(ws, '.exec-rpc-port'), `${port}\n`);
  await configureFolder(folder, { metaUrl: `http://127.0.0.1:${port}/__meta`, timeBudgetSeconds: 300 });
  return {
    api,
    folder,
    ws,
    calc: () => readFileSync(join(ws, 'calc.py'), 'utf8'),
    reset,
    configure: (values) => configureFolder(folder, values),
    stopExecRpc: () => {
      try {
        execFileSync('make', ['-s', 'exec-rpc-stop'], { cwd: ws, stdio: 'ignore' });
      } catch {
        /* not running */
      }
    },
  };
}

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && (value as unknown) !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
