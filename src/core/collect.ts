import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmokesError } from './errors';
import { runProcess } from './processes';
import { baselineArgs, type Selection } from './pytestCommand';
import { pluginDir, pytestEnv } from './pytestRunner';
import { PLUGIN_MODULE, readPluginSummary } from './pluginReport';

export interface CollectedTest {
  nodeid: string;
  /** Where the test is defined, relative to the rootdir. */
  file: string;
  line: number | null;
}

/**
 * The smoke selection as pytest collects it (`--collect-only` with the baseline's selection), read
 * from the product's plugin records, not from pytest's text.
 */
export async function collectTests(o: { workspace: string; python: string; selection: Selection; signal?: AbortSignal; env?: NodeJS.ProcessEnv }): Promise<CollectedTest[]> {
  const temp = await mkdtemp(join(tmpdir(), 'smokes-collect-'));
  const reportPath = join(temp, 'report.jsonl');
  try {
    // The baseline's selection flags, minus what only matters when tests run.
    const args = baselineArgs(o.selection).filter((a) => a !== '-rf' && !a.startsWith('--maxfail'));
    const result = await runProcess(o.python, ['-m', 'pytest', ...args, '--collect-only', '-p', PLUGIN_MODULE], {
      cwd: o.workspace,
      env: pytestEnv({ baseEnv: o.env, ndSmoke: false, reportPath, pluginPath: pluginDir() }),
      extendEnv: false,
      signal: o.signal,
      timeoutMs: 120_000,
    });
    if (result.spawnError) {
      throw new SmokesError('config', `Could not start "${o.python}": ${result.spawnError}.`, 'Set pythonPath to a working interpreter.');
    }
    const summary = await readPluginSummary(reportPath);
    if (summary.rootdir === null && result.exitCode !== 0) {
      const last = (result.stderr || result.stdout).trim().split('\n').pop() ?? '';
      throw new SmokesError('pytest-missing', `pytest could not collect the smoke tests: ${last}`, 'Check that pytest is installed for the interpreter.');
    }
    return summary.collected.map((c) => ({ nodeid: c.nodeid, file: c.file, line: c.line }));
  } finally {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
  }
}
