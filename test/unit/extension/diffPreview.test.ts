import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DiffPreview } from '../../../src/extension/diffPreview';
import type { GeneratedDocuments } from '../../../src/extension/contentProvider';
import type { VSCode } from '../../../src/extension/vscodeTypes';

/** The parts of `vscode` a review uses; notifications are answered by the test, like a click. */
function fakeVscode() {
  const notifications: Array<{ text: string; click(choice: 'Apply' | 'Reject'): void }> = [];
  const contexts: Record<string, unknown> = {};
  const item = { text: '', tooltip: '' as unknown, shown: false, show() { this.shown = true; }, hide() { this.shown = false; }, dispose() {} };
  const uri = (s: string) => ({ toString: () => s, fsPath: s.replace(/^file:\/\//, ''), scheme: s.split(':')[0] });
  const vscode = {
    Uri: { file: (p: string) => uri(`file://${p}`) },
    ThemeColor: class {},
    StatusBarAlignment: { Left: 1 },
    TabInputTextDiff: class {},
    window: {
      createStatusBarItem: () => item,
      showInformationMessage: (text: string) =>
        new Promise((resolve) => {
          notifications.push({ text, click: resolve });
        }),
      tabGroups: { all: [], close: () => Promise.resolve(true) },
    },
    commands: {
      executeCommand: (id: string, key?: string, value?: unknown) => {
        if (id === 'setContext') contexts[key!] = value;
        return Promise.resolve();
      },
    },
  } as unknown as VSCode;
  let n = 0;
  const docs = { set: (path: string) => uri(`smokes-fixer:${path}#${n++}`) } as unknown as GeneratedDocuments;
  return { vscode, docs, notifications, contexts, item };
}

function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'review-'));
  writeFileSync(join(ws, 'calc.py'), 'def add(a, b):\n    return a - b\n');
  return ws;
}

const patch = {
  diff: '--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n',
  files: [],
  fileCount: 1,
  changedLines: 2,
};
// The review reads files before it shows anything: wait for what it shows, not for a fixed time.
const until = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 10 });

describe('DiffPreview', () => {
  it('keeps one waiting review per folder: two folders do not overwrite each other', async () => {
    const f = fakeVscode();
    const messages: string[] = [];
    const preview = new DiffPreview(f.vscode, f.docs, (m) => messages.push(m));
    const [a, b] = [workspace(), workspace()];
    const ra = preview.review({ patch, signature: 's', attempt: 1, workspace: a, folderName: 'A' }, new AbortController().signal);
    const rb = preview.review({ patch, signature: 's', attempt: 2, workspace: b, folderName: 'B' }, new AbortController().signal);
    await until(() => expect(preview.waiting).toHaveLength(2));
    // Each review joins the list once its preview files are written, so the two may arrive in either order.
    expect(preview.waiting.map((p) => [p.folderName, p.attempt]).sort()).toEqual([['A', 1], ['B', 2]]);
    expect(f.item.text).toBe('$(diff) Review 2 patches');
    expect(f.contexts['smokesFixer.reviewPending']).toBe(true);
    // Without a target the decision is ambiguous: nothing is decided.
    expect(preview.decide('apply')).toBe(false);
    expect(preview.decide('reject', b)).toBe(true);
    await expect(rb).resolves.toBe('reject');
    expect(preview.pendingFor(a)?.attempt).toBe(1);
    expect(f.item.text).toBe('$(diff) Review patch (attempt 1)');
    // The editor title passes the preview document: it names A's review.
    expect(preview.decide('apply', preview.pendingFor(a)!.uris[0])).toBe(true);
    await expect(ra).resolves.toBe('apply');
    expect(preview.isPending).toBe(false);
    expect(f.contexts['smokesFixer.reviewPending']).toBe(false);
    expect(f.item.shown).toBe(false);
    expect(messages).toEqual([]);
  });

  it('an earlier attempt\'s notification decides nothing for the next attempt, and says so', async () => {
    const f = fakeVscode();
    const messages: string[] = [];
    const preview = new DiffPreview(f.vscode, f.docs, (m) => messages.push(m));
    const ws = workspace();
    const first = preview.review({ patch, signature: 's', attempt: 1, workspace: ws, folderName: 'W' }, new AbortController().signal);
    await until(() => expect(f.notifications).toHaveLength(1));
    expect(f.notifications[0].text).toMatch(/^Apply the proposed patch \(attempt 1, 1 file\(s\), 2 line\(s\)\) to W\?/);
    expect(preview.decide('reject', ws)).toBe(true);
    await expect(first).resolves.toBe('reject');
    const second = preview.review({ patch, signature: 's', attempt: 2, workspace: ws, folderName: 'W' }, new AbortController().signal);
    await until(() => expect(f.notifications).toHaveLength(2));
    f.notifications[0].click('Apply');
    await until(() => expect(messages).toHaveLength(1));
    expect(messages).toEqual(["Attempt 1's review on W is already over: this Apply did nothing."]);
    expect(preview.pendingFor(ws)?.attempt).toBe(2);
    f.notifications[1].click('Apply');
    await expect(second).resolves.toBe('apply');
  });

  it('a two-file patch opens in the multi-file diff; deciding closes that tab (labelled with its file count), not another folder\'s', async () => {
    const f = fakeVscode();
    const opened: unknown[][] = [];
    const closed: Array<{ label: string }> = [];
    const tab = (label: string) => ({ label, input: {} });
    const w = f.vscode as unknown as {
      workspace: unknown;
      commands: { executeCommand: (...a: unknown[]) => Promise<unknown> };
      window: { tabGroups: unknown };
    };
    w.workspace = { workspaceFolders: [{ name: 'A' }, { name: 'B' }] };
    const setContext = w.commands.executeCommand;
    w.commands.executeCommand = (...a: unknown[]) => {
      if (a[0] !== 'setContext') opened.push(a);
      return setContext(...a);
    };
    w.window.tabGroups = {
      all: [{ tabs: [tab('Smokes Fixer: attempt 1 patch (A) (2 files)'), tab('Smokes Fixer: attempt 1 patch (B) (2 files)'), tab('calc.py')] }],
      close: (tabs: Array<{ label: string }>) => {
        closed.push(...tabs);
        return Promise.resolve(true);
      },
    };
    const ws = workspace();
    writeFileSync(join(ws, 'units.py'), 'ROUNDING = 3\n');
    const two = {
      diff: `${patch.diff}--- a/units.py\n+++ b/units.py\n@@ -1 +1 @@\n-ROUNDING = 3\n+ROUNDING = 2\n`,
      files: [],
      fileCount: 2,
      changedLines: 4,
    };
    const preview = new DiffPreview(f.vscode, f.docs, () => undefined);
    const review = preview.review({ patch: two, signature: 's', attempt: 1, workspace: ws, folderName: 'A' }, new AbortController().signal);
    await until(() => expect(opened).toHaveLength(1));
    expect(opened[0][0]).toBe('vscode.changes');
    expect(opened[0][1]).toBe('Smokes Fixer: attempt 1 patch (A)');
    expect((opened[0][2] as unknown[]).length).toBe(2);
    expect(preview.decide('apply', ws)).toBe(true);
    await expect(review).resolves.toBe('apply');
    await until(() => expect(closed).toHaveLength(1));
    expect(closed.map((t) => t.label)).toEqual(['Smokes Fixer: attempt 1 patch (A) (2 files)']);
  });

  it('reopening asks again; cancelling the run rejects the waiting review', async () => {
    const f = fakeVscode();
    const preview = new DiffPreview(f.vscode, f.docs, () => undefined);
    const ws = workspace();
    const abort = new AbortController();
    const review = preview.review({ patch, signature: 's', attempt: 3, workspace: ws }, abort.signal);
    await until(() => expect(f.notifications).toHaveLength(1));
    expect(await preview.reopen(ws)).toBe(true);
    expect(f.notifications).toHaveLength(2);
    abort.abort();
    await expect(review).resolves.toBe('reject');
    expect(await preview.reopen(ws)).toBe(false);
  });
});
