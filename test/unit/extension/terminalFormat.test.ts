import { describe, expect, it } from 'vitest';
import { formatEvent, toTerminalText } from '../../../src/extension/terminalFormat';
import { stripAnsi } from '../../../src/core/processes';

describe('terminal formatting', () => {
  it('writes \\r\\n line endings and never a bare \\n', () => {
    expect(toTerminalText('a\nb\r\nc')).toBe('a\r\nb\r\nc');
    const text = formatEvent({ type: 'checklist', items: ['one', 'two', 'three'] });
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(stripAnsi(text)).toBe('Plan\r\n  • one\r\n  • two\r\n  • three\r\n\r\n');
  });

  it('passes pytest output through with its colours', () => {
    const colored = '\x1b[31mFAILED\x1b[0m x\n';
    expect(formatEvent({ type: 'output', source: 'pytest', text: colored })).toBe('\x1b[31mFAILED\x1b[0m x\r\n');
  });

  it('shows validation lines with the decision', () => {
    const text = stripAnsi(formatEvent({ type: 'validation', action: 'Baseline run', lines: ['1 failed.', 'Proceeding.'], decision: 'proceed' }));
    expect(text).toBe('✓ Baseline run: 1 failed. Proceeding. → proceed\r\n');
  });

  it('puts a check mark only on lines where the loop goes on or is done, never on a stop, rollback or cancel', () => {
    const mark = (decision: 'proceed' | 'done' | 'rollback' | 'escalate', action = 'Stop') =>
      stripAnsi(formatEvent({ type: 'validation', action, lines: ['x'], decision })).slice(0, 2);
    expect(mark('proceed')).toBe('✓ ');
    expect(mark('done')).toBe('✓ ');
    expect(mark('escalate', 'Stop')).toBe('■ ');
    expect(mark('escalate', 'Cancelled')).toBe('■ ');
    expect(mark('rollback', 'Rollback')).toBe('↺ ');
  });

  it('shows commands and the outcome', () => {
    expect(stripAnsi(formatEvent({ type: 'command', purpose: 'pytest', command: 'pytest -q tests/smoke', cwd: '/ws' }))).toBe('$ pytest -q tests/smoke\r\n');
    const stopped = stripAnsi(
      formatEvent({ type: 'stopped', outcome: { kind: 'cancelled', loops: 1, detail: 'Cancelled by the user.', bundle: null, conflicts: [] } }),
    );
    expect(stopped).toContain('Cancelled — Cancelled by the user.');
    expect(formatEvent({ type: 'artifacts', paths: [] })).toMatch(/\r\n$/);
  });

  it('says "sending" before an investigation answer, "answered" only with one, and the error otherwise', () => {
    const base = { type: 'investigation', helper: 'public', server: 'VS Code tool perplexity_ask', payload: { text: 'q' } } as const;
    expect(stripAnsi(formatEvent({ ...base, answer: null, error: null }))).toMatch(/^Investigation \(public, VS Code tool perplexity_ask\): sending \d+ bytes/);
    expect(stripAnsi(formatEvent({ ...base, answer: 'check the sign', error: null }))).toBe('Investigation (public, VS Code tool perplexity_ask): answered (14 characters)\r\n');
    const declined = stripAnsi(formatEvent({ ...base, answer: null, error: 'Not sent: the payload was declined.' }));
    expect(declined).toBe('Investigation (public, VS Code tool perplexity_ask): failed: Not sent: the payload was declined.\r\n');
    expect(declined).not.toContain('answered');
  });
});
