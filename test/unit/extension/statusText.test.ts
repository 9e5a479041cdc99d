import { describe, expect, it } from 'vitest';
import type { FreshnessStatus } from '../../../src/core/types';
import { describeFreshness, uptime } from '../../../src/extension/statusText';

const base: FreshnessStatus = {
  state: 'fresh',
  reasons: [],
  meta: { git_sha: 'abcdef1234567890', started_at: '2026-01-01T10:00:00.000Z', t_ms: 5 },
  rawMeta: '{}',
  headSha: 'abcdef1234567890',
  url: 'http://127.0.0.1:8790/__meta',
  checkedAt: '2026-01-01T10:03:20.000Z',
};

describe('status bar text', () => {
  it('fresh: git_sha vs HEAD and uptime in the tooltip', () => {
    const v = describeFreshness(base);
    expect(v.text).toBe('$(check) exec-rpc: fresh');
    expect(v.tooltip).toContain('git_sha: abcdef1234 · HEAD: abcdef1234');
    expect(v.tooltip).toContain('Uptime: 3m 20s');
    expect(v.background).toBeUndefined();
  });

  it('stale says why', () => {
    const v = describeFreshness({ ...base, state: 'stale', reasons: ['git_sha abcdef ≠ HEAD 123456'], headSha: '1234567890abcdef' });
    expect(v.text).toBe('$(warning) exec-rpc: stale (git_sha abcdef ≠ HEAD 123456)');
    expect(v.tooltip).toContain('HEAD: 1234567890');
    expect(v.background).toBe('statusBarItem.warningBackground');
  });

  it('down and not configured', () => {
    expect(describeFreshness({ ...base, state: 'down', meta: null, reasons: ['connection refused'] }).text).toBe('$(error) exec-rpc: down');
    expect(describeFreshness({ ...base, state: 'not-configured' }).text).toBe('$(circle-slash) exec-rpc: not configured');
    expect(describeFreshness(null).text).toContain('checking');
  });

  it('uptime handles unknown and epoch values', () => {
    expect(uptime(undefined, base.checkedAt)).toBe('—');
    expect(uptime('2026-01-02T00:00:00Z', base.checkedAt)).toBe('—');
    expect(uptime(Date.parse('2025-12-31T09:00:00Z') / 1000, base.checkedAt)).toBe('1d 1h 3m 20s');
  });
});
