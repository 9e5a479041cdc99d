import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { SmokesError } from './errors';
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
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, content, 'utf8');
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw artifactWriteError(path, error);
  }
}

/**
 * An artifact that cannot be written, as a clear error: a full disk, a read-only folder, `artifacts` that
 * is a file or a dangling link. Other errors pass through.
 */
export function artifactWriteError(path: string, error: unknown): unknown {
  if (error instanceof SmokesError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is used up',
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EEXIST: 'a file stands where the folder should be',
    ENOENT: 'a part of the path is missing (a dangling symbolic link?)',
    ELOOP: 'a symbolic link loops',
  };
  if (!code || !why[code]) return error;
  return new SmokesError(
    'artifacts',
    `Cannot write ${path}: ${why[code]} (${code}).`,
    'Make the artifacts folder of the workspace a writable folder with free space, then run again; any patch the loop had applied was taken back.',
    { cause: error },
  );
}

/**
 * Before the loop touches anything: the artifacts folder exists (or can be made) and takes a write. A run
 * that could not record its results must not start.
 */
export async function ensureArtifactsWritable(workspace: string): Promise<void> {
  const dir = join(workspace, 'artifacts');
  const probe = join(dir, `.write-check.${process.pid}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, 'ok\n');
  } catch (error) {
    throw artifactWriteError(dir, error);
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
}
