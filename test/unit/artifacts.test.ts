import { mkdir, mkdtemp, readFile, readdir, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifactList, freezeRequirements, writeBundleFile, writeRequirementsSnapshot } from '../../src/core/artifacts';
import { BUNDLE_KEY_ORDER, type EscalationBundle } from '../../src/core/bundle';

let ws: string;
beforeEach(async () => {
  ws = await mkdtemp(join(tmpdir(), 'sf-artifacts-'));
});
afterEach(async () => {
  await rm(ws, { recursive: true, force: true });
});

describe('writeBundleFile', () => {
  it('writes artifacts/escalation.json with the spec fields in the spec order', async () => {
    // Built in a scrambled order on purpose: the file must not follow the object's own order.
    const bundle = {
      exec_rpc_freshness: { ss: null, meta: '{"git_sha": "abc", "started_at": "2026-01-01T00:00:00Z"}' },
      artifacts: ['artifacts/smoke.html', 'artifacts/smoke.xml', 'requirements.snapshot.txt'],
      last_patch_diff: 'diff --git a/x.py b/x.py\n',
      repro_commands: ['pytest -q tests/smoke -k smoke --maxfail=3 -rf'],
      failures: [{ attempts: 3, signature: 'sig', nodeid: 'tests/smoke/test_x.py::test_smoke_x' }],
      reason: 'retry budget',
    } as unknown as EscalationBundle;

    const path = await writeBundleFile(ws, bundle);
    expect(path).toBe('artifacts/escalation.json');
    const text = await readFile(join(ws, path), 'utf8');
    const parsed = JSON.parse(text);
    expect(Object.keys(parsed)).toEqual([...BUNDLE_KEY_ORDER]);
    expect(Object.keys(parsed.failures[0])).toEqual(['nodeid', 'signature', 'attempts']);
    expect(Object.keys(parsed.exec_rpc_freshness)).toEqual(['meta', 'ss']);
    expect(parsed.exec_rpc_freshness.ss).toBeNull();
    expect(parsed.reason).toBe('retry budget');
    expect(text.endsWith('}\n')).toBe(true);
    // No temporary file is left beside it.
    expect(await readdir(join(ws, 'artifacts'))).toEqual(['escalation.json']);
  });

  it('refuses a bundle outside the schema and leaves no file', async () => {
    const bad = { reason: 'gave up', failures: [], repro_commands: [], last_patch_diff: null, artifacts: [], exec_rpc_freshness: null };
    await expect(writeBundleFile(ws, bad as unknown as EscalationBundle)).rejects.toThrow();
    await expect(access(join(ws, 'artifacts', 'escalation.json'))).rejects.toThrow();
  });

  it('replaces an earlier bundle', async () => {
    const base: EscalationBundle = { reason: 'regression', failures: [], repro_commands: [], last_patch_diff: null, artifacts: null, exec_rpc_freshness: null };
    await writeBundleFile(ws, base);
    await writeBundleFile(ws, { ...base, reason: 'time budget' });
    expect(JSON.parse(await readFile(join(ws, 'artifacts', 'escalation.json'), 'utf8')).reason).toBe('time budget');
  });
});

describe('writeRequirementsSnapshot', () => {
  it('writes pip freeze of the real python3 into requirements.snapshot.txt', async () => {
    const path = await writeRequirementsSnapshot({ python: 'python3', workspace: ws });
    expect(path).toBe('requirements.snapshot.txt');
    const text = await readFile(join(ws, 'requirements.snapshot.txt'), 'utf8');
    // The interpreter that runs the tests has pytest; pip freeze names it with its version.
    expect(text).toMatch(/^pytest==\d+\.\d+/im);
    for (const line of text.split('\n').filter(Boolean)) expect(line).not.toMatch(/^\s*$/);
  });

  it('returns null and leaves no file when the interpreter has no pip', async () => {
    // A stand-in interpreter whose `-m pip` fails the way a Python without pip does.
    const fake = join(ws, 'python-without-pip');
    await writeFile(fake, '#!/bin/sh\necho "No module named pip" >&2\nexit 1\n', { mode: 0o755 });
    await writeFile(join(ws, 'requirements.snapshot.txt'), 'stale==1.0\n');
    expect(await writeRequirementsSnapshot({ python: fake, workspace: ws })).toBeNull();
    await expect(access(join(ws, 'requirements.snapshot.txt'))).rejects.toThrow();
  });

  it('returns null when the interpreter does not exist', async () => {
    expect(await writeRequirementsSnapshot({ python: join(ws, 'no-such-python'), workspace: ws })).toBeNull();
  });

  it('stops with a cancellation error when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(writeRequirementsSnapshot({ python: 'python3', workspace: ws, signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('freezeRequirements', () => {
  it('reuses a freeze while the interpreter and its site-packages are unchanged, and freezes again after an install', async () => {
    // A stand-in interpreter: `-m pip freeze` counts its calls, `-c` reports a site-packages folder.
    const site = join(ws, 'site-packages');
    await mkdir(site);
    const python = join(ws, 'python');
    await writeFile(
      python,
      `#!/bin/sh\nif [ "$1" = "-m" ]; then n=$(cat ${ws}/calls 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${ws}/calls; echo "pkg==$n"; else echo '["${python}", "${site}"]'; fi\n`,
      { mode: 0o755 },
    );
    const o = { python, workspace: ws, cacheDir: join(ws, 'cache') };
    expect(await freezeRequirements(o)).toBe('pkg==1\n');
    expect(await freezeRequirements(o)).toBe('pkg==1\n');
    expect(await readFile(join(ws, 'calls'), 'utf8')).toBe('1\n');
    // What `pip install` does to site-packages: a new *.dist-info folder.
    await new Promise((r) => setTimeout(r, 20));
    await mkdir(join(site, 'newpkg-1.0.dist-info'));
    expect(await freezeRequirements(o)).toBe('pkg==2\n');
    expect(await freezeRequirements(o)).toBe('pkg==2\n');
  });

  it('never caches a failed freeze', async () => {
    const python = join(ws, 'python-without-pip');
    await writeFile(python, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    expect(await freezeRequirements({ python, workspace: ws, cacheDir: join(ws, 'cache') })).toBeNull();
    await expect(readdir(join(ws, 'cache'))).rejects.toThrow();
  });
});

describe('artifactList', () => {
  it('lists the spec artifacts that exist, in the spec order', async () => {
    expect(await artifactList(ws)).toEqual([]);
    await writeFile(join(ws, 'requirements.snapshot.txt'), '');
    await mkdir(join(ws, 'artifacts'));
    await writeFile(join(ws, 'artifacts', 'smoke.xml'), '<testsuites/>');
    expect(await artifactList(ws)).toEqual(['artifacts/smoke.xml', 'requirements.snapshot.txt']);
    await writeFile(join(ws, 'artifacts', 'smoke.html'), '<html></html>');
    await writeFile(join(ws, 'artifacts', 'escalation.json'), '{}');
    expect(await artifactList(ws)).toEqual(['artifacts/smoke.html', 'artifacts/smoke.xml', 'requirements.snapshot.txt']);
  });
});
