import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { serializeBundle, type EscalationBundle } from './bundle';
import { runProcess, throwIfAborted } from './processes';

/** The artifacts the spec lists in the bundle, relative to the workspace, in the spec's order. */
export const SPEC_ARTIFACTS = ['artifacts/smoke.html', 'artifacts/smoke.xml', 'requirements.snapshot.txt'] as const;

export const REQUIREMENTS_SNAPSHOT = 'requirements.snapshot.txt';
export const BUNDLE_FILE = 'artifacts/escalation.json';

/**
 * `python -m pip freeze` of the interpreter that ran pytest, into `requirements.snapshot.txt`. Returns
 * the relative path, or null when pip is not available there; then no snapshot file is left behind (an
 * older one would describe some other interpreter).
 */
export async function writeRequirementsSnapshot(o: { python: string; workspace: string; signal?: AbortSignal }): Promise<string | null> {
  throwIfAborted(o.signal);
  const result = await runProcess(o.python, ['-m', 'pip', 'freeze'], {
    cwd: o.workspace,
    env: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PYTHONIOENCODING: 'utf-8' },
    signal: o.signal,
    timeoutMs: 60_000,
  });
  if (result.cancelled) throwIfAborted(o.signal);
  const target = join(o.workspace, REQUIREMENTS_SNAPSHOT);
  if (result.exitCode !== 0 || result.spawnError || result.timedOut) {
    await rm(target, { force: true });
    return null;
  }
  await writeAtomically(target, result.stdout);
  return REQUIREMENTS_SNAPSHOT;
}

/** Writes the escalation bundle, validated and in the spec's field order, to `artifacts/escalation.json`. */
export async function writeBundleFile(workspace: string, bundle: EscalationBundle): Promise<string> {
  await writeAtomically(join(workspace, BUNDLE_FILE), serializeBundle(bundle));
  return BUNDLE_FILE;
}

/** The spec's artifact paths that exist in the workspace, in the spec's order. */
export async function artifactList(workspace: string): Promise<string[]> {
  const present = await Promise.all(
    SPEC_ARTIFACTS.map(async (path) => {
      try {
        await access(join(workspace, path));
        return path;
      } catch {
        return null;
      }
    }),
  );
  return present.filter((p): p is (typeof SPEC_ARTIFACTS)[number] => p !== null);
}

/** Write-then-rename, so a reader never sees half a file (the extension watches these). */
async function writeAtomically(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, content, 'utf8');
  await rename(temp, path);
}
