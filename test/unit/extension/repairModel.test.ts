import { describe, expect, it } from 'vitest';
import type { Failure, LoopEvent, PytestRun, TestCaseResult } from '../../../src/core/types';
import { RepairModel } from '../../../src/extension/repairModel';
import { investigationDocument, RepairTreeProvider, type RepairNode } from '../../../src/extension/repairTree';
import type { VSCode, WorkspaceFolder } from '../../../src/extension/vscodeTypes';

/** The parts of `vscode` the tree provider builds its items from. */
const treeVscode = {
  EventEmitter: class {
    event = () => ({ dispose() {} });
    fire() {}
    dispose() {}
  },
  TreeItem: class {
    id?: string;
    description?: string;
    tooltip?: unknown;
    iconPath?: unknown;
    contextValue?: string;
    command?: { command: string; arguments?: unknown[] };
    constructor(
      public label: string,
      public collapsibleState: number,
    ) {}
  },
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  ThemeIcon: class {
    static Folder = 'folder';
    constructor(readonly id: string) {}
  },
  MarkdownString: class {
    constructor(readonly value: string) {}
  },
} as unknown as VSCode;
const folder = { uri: { toString: () => 'file:///ws' }, name: 'ws', index: 0 } as unknown as WorkspaceFolder;

const failure = (nodeid: string, sig = `${nodeid}|AssertionError|calc.py:5|boom`): Failure => ({
  nodeid,
  kind: 'failed',
  exceptionType: 'AssertionError',
  location: { file: 'tests/smoke/test_calc_smoke.py', line: 5 },
  message: 'assert -1 == 5',
  signature: sig,
});

function run(label: PytestRun['label'], failures: Failure[], tests: TestCaseResult[], output = `${label} output`): LoopEvent {
  return {
    type: 'run-finished',
    run: {
      label,
      command: `pytest ${label}`,
      argv: [],
      cwd: '/ws',
      exitCode: failures.length ? 1 : 0,
      exitMeaning: failures.length ? 'failed' : 'passed',
      tests,
      failures,
      counts: { passed: 0, failed: failures.length, errors: 0, skipped: 0, xfailed: 0, xpassed: 0, deselected: 0, total: tests.length },
      output,
      junitPath: '',
      collected: [],
      durationMs: 1,
    },
  };
}

const A = 'tests/smoke/test_calc_smoke.py::test_smoke_add';
const B = 'tests/smoke/test_calc_smoke.py::test_smoke_mul';
const patch = { diff: '--- a/calc.py\n+++ b/calc.py\n', files: [], fileCount: 1, changedLines: 2 };

describe('RepairModel', () => {
  it('lists each baseline failure as an open signature with 0 attempts', () => {
    const m = new RepairModel(3);
    m.handle(run('baseline', [failure(A), failure(B)], []));
    expect(m.signatures.map((s) => [s.nodeid, s.state, m.attemptLabel(s)])).toEqual([
      [A, 'open', '0/3'],
      [B, 'open', '0/3'],
    ]);
    expect(m.signatures[0].location).toEqual({ file: 'tests/smoke/test_calc_smoke.py', line: 5 });
  });

  it('records attempts with command, output, patch and verdict, and marks a fixed signature', () => {
    const m = new RepairModel(3);
    const f = failure(A);
    m.handle(run('baseline', [f], [{ nodeid: A, outcome: 'failed', durationMs: 3 }], 'baseline text'));
    m.handle({ type: 'attempt-started', signature: f.signature, nodeid: A, attempt: 1, command: 'pytest -q tests/smoke -k smoke' });
    m.handle({ type: 'patch-proposed', signature: f.signature, attempt: 1, patch });
    m.handle({ type: 'attempt-finished', signature: f.signature, nodeid: A, attempt: 1, verdict: 'reverted', detail: 'fixed nothing', diff: patch.diff });
    m.handle({ type: 'attempt-started', signature: f.signature, nodeid: A, attempt: 2, command: 'pytest -q --tb=short' });
    m.handle(run('attempt', [f], [{ nodeid: A, outcome: 'failed', durationMs: 3 }], 'short text'));
    m.handle({ type: 'patch-proposed', signature: f.signature, attempt: 2, patch });
    m.handle(run('verification', [], [{ nodeid: A, outcome: 'passed', durationMs: 3 }]));
    // A passing verification run alone decides nothing here: the state is the ledger's.
    expect(m.signatures[0].state).toBe('open');
    m.handle({ type: 'signature-state', signature: f.signature, nodeid: A, attempts: 2, maxAttempts: 3, state: 'fixed' });
    m.handle({ type: 'attempt-finished', signature: f.signature, nodeid: A, attempt: 2, verdict: 'kept', detail: '1 test fixed', diff: patch.diff });

    const [s] = m.signatures;
    expect(m.attemptLabel(s)).toBe('2/3');
    expect(s.state).toBe('fixed');
    expect(s.attempts.map((a) => [a.attempt, a.verdict, a.output])).toEqual([
      [1, 'reverted', 'baseline text'],
      [2, 'kept', 'short text'],
    ]);
    expect(s.attempts[1].command).toBe('pytest attempt');
    expect(s.attempts[0].diff).toBe(patch.diff);
  });

  it('shows the state and count the engine\'s signature-state events carry, and decides none itself', () => {
    const m = new RepairModel(3);
    const f = failure(A);
    m.handle(run('baseline', [f], []));
    m.handle({ type: 'signature-state', signature: f.signature, nodeid: A, attempts: 0, maxAttempts: 2, state: 'open' });
    expect(m.attemptLabel(m.get(f.signature)!)).toBe('0/2');
    for (const attempt of [1, 2]) {
      m.handle({ type: 'attempt-started', signature: f.signature, nodeid: A, attempt, command: 'pytest' });
      m.handle({ type: 'attempt-finished', signature: f.signature, nodeid: A, attempt, verdict: 'no-patch', detail: '', diff: null });
      // Attempts used up, but only the ledger says "exhausted".
      expect(m.get(f.signature)!.state).toBe('open');
      m.handle({ type: 'signature-state', signature: f.signature, nodeid: A, attempts: attempt, maxAttempts: 2, state: attempt === 2 ? 'exhausted' : 'open' });
    }
    expect(m.get(f.signature)!.state).toBe('exhausted');
    expect(m.attemptLabel(m.get(f.signature)!)).toBe('2/2');
    m.handle({ type: 'stopped', outcome: { kind: 'cancelled', loops: 1, detail: '', bundle: null, conflicts: [] } });
    expect(m.get(f.signature)!.state).toBe('exhausted');
  });

  it('marks excluded signatures and fires on change', () => {
    const f = failure(A);
    const m = new RepairModel(3, new Set([f.signature]));
    let fired = 0;
    m.onDidChange(() => fired++);
    m.handle(run('baseline', [f], []));
    expect(m.get(f.signature)!.state).toBe('excluded');
    expect(fired).toBe(1);
    m.handle({ type: 'command', purpose: 'pytest', command: 'pytest -q', cwd: '/ws' });
    expect(m.commands).toEqual(['pytest -q']);
  });

  it('attaches investigation events to the attempt under way, payload first, then its answer', () => {
    const m = new RepairModel(3);
    const f = failure(A);
    m.handle(run('baseline', [f], []));
    // Outside an attempt an investigation event has nowhere to go.
    m.handle({ type: 'investigation', helper: 'public', server: 'early', payload: {}, answer: null, error: null });
    m.handle({ type: 'attempt-started', signature: f.signature, nodeid: A, attempt: 3, command: 'pytest -vv' });
    const payload = { text: 'What does this Python error mean?', tool: 'perplexity_ask' };
    m.handle({ type: 'investigation', helper: 'private', server: 'node recorder.mjs', payload: { text: 'code' }, answer: null, error: null });
    m.handle({ type: 'investigation', helper: 'public', server: 'VS Code tool perplexity_ask', payload, answer: null, error: null });
    let [attempt] = m.get(f.signature)!.attempts;
    expect(attempt.investigations.map((i) => [i.helper, i.pending])).toEqual([
      ['private', true],
      ['public', true],
    ]);
    m.handle({ type: 'investigation', helper: 'private', server: 'node recorder.mjs', payload: { text: 'code' }, answer: null, error: 'No answer within 60s.' });
    m.handle({ type: 'investigation', helper: 'public', server: 'VS Code tool perplexity_ask', payload, answer: 'check the sign', error: null });
    [attempt] = m.get(f.signature)!.attempts;
    expect(attempt.investigations.map((i) => [i.helper, i.server, i.pending, i.answer, i.error])).toEqual([
      ['private', 'node recorder.mjs', false, null, 'No answer within 60s.'],
      ['public', 'VS Code tool perplexity_ask', false, 'check the sign', null],
    ]);
    expect(attempt.investigations[1].payload).toEqual(payload);
  });
});

describe('RepairTreeProvider', () => {
  function treeWith(m: RepairModel) {
    const tree = new RepairTreeProvider(treeVscode);
    tree.setModel(folder, m);
    return tree;
  }

  it('shows an attempt\'s investigations between its command and its patch, each opening the payload and answer', () => {
    const m = new RepairModel(3);
    const f = failure(A);
    m.handle(run('baseline', [f], []));
    m.handle({ type: 'attempt-started', signature: f.signature, nodeid: A, attempt: 3, command: 'pytest -vv' });
    m.handle({ type: 'investigation', helper: 'private', server: 'node recorder.mjs', payload: { text: 'code' }, answer: null, error: null });
    m.handle({ type: 'investigation', helper: 'public', server: 'VS Code tool perplexity_ask', payload: { text: 'q' }, answer: null, error: null });
    m.handle({ type: 'investigation', helper: 'public', server: 'VS Code tool perplexity_ask', payload: { text: 'q' }, answer: 'check the sign', error: null });
    m.handle({ type: 'patch-proposed', signature: f.signature, attempt: 3, patch });
    const tree = treeWith(m);
    const [sig] = tree.getChildren();
    const [attemptNode] = tree.getChildren(sig);
    const children = tree.getChildren(attemptNode);
    expect(children.map((n) => (n.kind === 'detail' ? n.detail : n.kind))).toEqual(['command', 'investigation', 'investigation', 'patch', 'verdict']);
    const items = children.filter((n): n is Extract<RepairNode, { kind: 'investigation' }> => n.kind === 'investigation').map((n) => tree.getTreeItem(n));
    expect(items.map((i) => [i.label, i.description])).toEqual([
      ['Investigation (private: node recorder.mjs)', 'sending…'],
      ['Investigation (public: VS Code tool perplexity_ask)', 'answered'],
    ]);
    expect(items[1].command?.command).toBe('smokesFixer.showInvestigation');
    const node = items[1].command!.arguments![0] as Extract<RepairNode, { kind: 'investigation' }>;
    expect(JSON.parse(investigationDocument(node.investigation))).toEqual({
      helper: 'public',
      server: 'VS Code tool perplexity_ask',
      sent: { text: 'q' },
      answer: 'check the sign',
      error: null,
    });
    expect(tree.getChildren(node)).toEqual([]);
  });

  it('keeps attempts without investigation as command, patch, verdict', () => {
    const m = new RepairModel(3);
    const f = failure(A);
    m.handle(run('baseline', [f], []));
    m.handle({ type: 'attempt-started', signature: f.signature, nodeid: A, attempt: 1, command: 'pytest' });
    const tree = treeWith(m);
    const attemptNode = tree.getChildren(tree.getChildren()[0])[0];
    expect(tree.getChildren(attemptNode).map((n) => (n.kind === 'detail' ? n.detail : n.kind))).toEqual(['command', 'verdict']);
  });

  it('labels a signature count and state first, escapes its tooltip, and lists a set-up problem above it', () => {
    const m = new RepairModel(3);
    const id = 'tests/smoke/test_calc_smoke.py::test__index__';
    const f = { ...failure(id), message: 'assert *a* == _b_' };
    m.handle(run('baseline', [f], []));
    m.handle({ type: 'signature-state', signature: f.signature, nodeid: id, attempts: 1, maxAttempts: 3, state: 'fixed' });
    const tree = treeWith(m);
    const item = tree.getTreeItem(tree.getChildren()[0]);
    expect(item.label).toBe('1/3 · fixed · test__index__');
    expect(item.description).toBe('tests/smoke/test_calc_smoke.py');
    const tip = (item.tooltip as { value: string }).value;
    expect(tip).toContain('test\\_\\_index\\_\\_');
    expect(tip).toContain('assert \\*a\\* == \\_b\\_');
    tree.setProblem(folder, { ok: false, producer: 'command: nope', detail: 'The producer command\'s program "nope" is not found on PATH or is not executable.', setting: 'producerCommand' });
    const [problem] = tree.getChildren();
    expect(problem.kind).toBe('problem');
    const p = tree.getTreeItem(problem);
    expect(p.label).toBe('Producer cannot start: command: nope');
    expect(p.command).toMatchObject({ command: 'smokesFixer.openSettings', arguments: ['producerCommand', folder.uri] });
    tree.setProblem(folder, undefined);
    expect(tree.getChildren().map((n) => n.kind)).toEqual(['signature']);
  });
});
