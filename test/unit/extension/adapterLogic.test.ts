import { describe, expect, it } from 'vitest';
import { explicitValues, settingsFrom, SettingsError } from '../../../src/extension/configValue';
import { previewPatch } from '../../../src/extension/patchPreview';
import { childEnv } from '../../../src/extension/python';
import { DisposableStore, MutableDisposable } from '../../../src/extension/disposables';

describe('settings from VS Code', () => {
  it('takes only values a person set, folder over workspace over user', () => {
    const values = explicitValues((key) =>
      key === 'maxLoops' ? { globalValue: 4, workspaceValue: 5, workspaceFolderValue: 6 } : key === 'ndSmoke' ? { globalValue: true } : { globalValue: undefined },
    );
    expect(values).toEqual({ maxLoops: 6, ndSmoke: true });
    const settings = settingsFrom(values);
    expect(settings.maxLoops).toBe(6);
    expect(settings.retries).toBe(3);
  });

  it('names the bad field', () => {
    try {
      settingsFrom({ maxLoops: 11, metaUrl: 'not a url' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError);
      const e = error as SettingsError;
      expect(e.fields).toEqual(['smokesFixer.maxLoops', 'smokesFixer.metaUrl']);
      expect(e.errors[0]).toMatch(/^smokesFixer\.maxLoops: /);
      expect(e.errors[1]).toContain('metaUrl must be a URL');
    }
  });
});

describe('child environment', () => {
  it('drops an inherited ND_SMOKE and adds the secret under its variable', () => {
    const env = childEnv({ PATH: '/bin', ND_SMOKE: '1' }, { OPENAI_API_KEY: 'sk-x' });
    expect(env).toEqual({ PATH: '/bin', OPENAI_API_KEY: 'sk-x' });
  });
});

describe('patch preview', () => {
  const diff = ['--- a/calc.py', '+++ b/calc.py', '@@ -1,2 +1,2 @@', ' def add(a, b):', '-    return a - b', '+    return a + b', '--- /dev/null', '+++ b/new.py', '@@ -0,0 +1 @@', '+x = 1', ''].join('\n');

  it('computes each file after the patch without touching the disk', async () => {
    const files = await previewPatch(diff, async (p) => (p === 'calc.py' ? 'def add(a, b):\n    return a - b\n' : null));
    expect(files).toEqual([
      { path: 'calc.py', status: 'modified', oldPath: null, before: 'def add(a, b):\n    return a - b\n', after: 'def add(a, b):\n    return a + b\n' },
      { path: 'new.py', status: 'created', oldPath: null, before: '', after: 'x = 1\n' },
    ]);
  });

  it('reports a hunk that does not apply as null', async () => {
    const [file] = await previewPatch(diff, async () => 'something else\n');
    expect(file.after).toBeNull();
  });
});

describe('disposables', () => {
  it('disposes in reverse order, once, and disposes late additions at once', () => {
    const order: string[] = [];
    const store = new DisposableStore();
    store.add({ dispose: () => order.push('a') });
    store.add({ dispose: () => order.push('b') });
    store.dispose();
    store.dispose();
    store.add({ dispose: () => order.push('late') });
    expect(order).toEqual(['b', 'a', 'late']);
    const slot = new MutableDisposable();
    slot.value = { dispose: () => order.push('old') };
    slot.value = { dispose: () => order.push('new') };
    slot.dispose();
    expect(order.slice(3)).toEqual(['old', 'new']);
  });
});
