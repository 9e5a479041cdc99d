import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../../src/core/settings';
import type { FreshnessStatus } from '../../../src/core/types';
import type { Engine } from '../../../src/extension/engine';
import { FreshnessStatusBar, type FreshnessTarget } from '../../../src/extension/statusBar';
import type { VSCode } from '../../../src/extension/vscodeTypes';

const status = (state: FreshnessStatus['state'], url: string): FreshnessStatus => ({
  state,
  reasons: state === 'down' ? ['nothing answered'] : [],
  meta: null,
  rawMeta: null,
  headSha: null,
  url,
  checkedAt: '2026-12-02T10:00:00Z',
});

describe('FreshnessStatusBar in a multi-root workspace', () => {
  it('shows the active editor\'s folder, every other folder in the tooltip, and restarts that folder', async () => {
    let active: string | undefined;
    let onEditor: () => void = () => undefined;
    const item = { text: '', tooltip: '' as unknown, command: undefined as unknown, backgroundColor: undefined as unknown, name: '', show() {}, hide() {}, dispose() {} };
    const vscode = {
      StatusBarAlignment: { Left: 1 },
      ThemeColor: class {
        constructor(readonly id: string) {}
      },
      window: {
        createStatusBarItem: () => item,
        get activeTextEditor() {
          return active ? { document: { uri: { fsPath: `${active}/x.py` } } } : undefined;
        },
        onDidChangeActiveTextEditor: (l: () => void) => {
          onEditor = l;
          return { dispose() {} };
        },
      },
      workspace: {
        getWorkspaceFolder: (uri: { fsPath: string }) => {
          const root = uri.fsPath.split('/').slice(0, 2).join('/');
          return { uri: { fsPath: root } };
        },
      },
    } as unknown as VSCode;
    const targets: FreshnessTarget[] = ['/api', '/web'].map((p) => ({
      workspace: p,
      name: p.slice(1),
      uri: { fsPath: p } as never,
      settings: { ...defaultSettings, metaUrl: `http://127.0.0.1:${p === '/api' ? 1 : 2}/__meta` },
    }));
    const engine = {
      isFreshnessConfigured: () => Promise.resolve(true),
      probeFreshness: (o: { url: string }) => Promise.resolve(status(o.url.includes(':1/') ? 'fresh' : 'down', o.url)),
    } as unknown as Engine;
    const bar = new FreshnessStatusBar(vscode, engine, () => targets, 3_600_000);
    try {
      expect((await bar.refresh())?.state).toBe('fresh');
      expect(bar.text).toBe('$(check) exec-rpc: fresh · api');
      expect(bar.tooltip).toMatch(/^api: exec-rpc is fresh\./);
      expect(bar.tooltip).toContain('• web: down');
      expect(item.command).toMatchObject({ command: 'smokesFixer.restartAndProbe', arguments: [{ fsPath: '/api' }] });

      active = '/web';
      onEditor();
      expect(bar.text).toBe('$(error) exec-rpc: down · web');
      expect(bar.tooltip).toContain('• api: fresh');
      expect(item.command).toMatchObject({ arguments: [{ fsPath: '/web' }] });
      // A loop's event about one folder changes only that folder.
      bar.update(status('stale', 'u'), '/api');
      expect(bar.text).toBe('$(error) exec-rpc: down · web');
      expect(bar.tooltip).toContain('• api: stale');
    } finally {
      bar.dispose();
    }
  });
});
