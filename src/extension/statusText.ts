import type { FreshnessStatus } from '../core/types';

export interface StatusView {
  text: string;
  tooltip: string;
  /** A theme colour id for the background, when the state needs attention. */
  background: 'statusBarItem.warningBackground' | 'statusBarItem.errorBackground' | undefined;
}

/** The status bar's words for the exec-rpc service; pure so every state can be checked. */
export function describeFreshness(status: FreshnessStatus | null): StatusView {
  if (!status) {
    return { text: '$(sync~spin) exec-rpc: checking', tooltip: 'Smokes Fixer is checking the exec-rpc service.', background: undefined };
  }
  const meta = status.meta ?? {};
  const sha = typeof meta.git_sha === 'string' ? meta.git_sha : null;
  const details = [
    `Service: ${status.url}`,
    `git_sha: ${sha ? short(sha) : '—'} · HEAD: ${status.headSha ? short(status.headSha) : '—'}`,
    `Uptime: ${uptime(meta.started_at, status.checkedAt)}`,
    `Checked: ${status.checkedAt}`,
  ];
  switch (status.state) {
    case 'fresh':
      return { text: '$(check) exec-rpc: fresh', tooltip: ['exec-rpc is fresh.', ...details, 'Click to restart and probe.'].join('\n'), background: undefined };
    case 'stale':
      return {
        text: `$(warning) exec-rpc: stale (${status.reasons[0] ?? 'unknown reason'})`,
        tooltip: ['exec-rpc is stale:', ...status.reasons.map((r) => `• ${r}`), ...details, 'Click to restart and probe.'].join('\n'),
        background: 'statusBarItem.warningBackground',
      };
    case 'down':
      return {
        text: '$(error) exec-rpc: down',
        tooltip: ['exec-rpc does not answer:', ...status.reasons.map((r) => `• ${r}`), `Service: ${status.url}`, 'Click to restart and probe.'].join('\n'),
        background: 'statusBarItem.errorBackground',
      };
    case 'not-configured':
      return {
        text: '$(circle-slash) exec-rpc: not configured',
        tooltip: 'No exec-rpc-restart/exec-rpc-probe targets in the Makefile and no meta URL set: the loop skips freshness checks.',
        background: undefined,
      };
  }
}

function short(sha: string): string {
  return sha.slice(0, 10);
}

/** "3m 20s" from the service's started_at to the check; "—" when unknown. */
export function uptime(startedAt: unknown, checkedAt: string): string {
  if (typeof startedAt !== 'string' && typeof startedAt !== 'number') return '—';
  const start = typeof startedAt === 'number' ? startedAt * (startedAt < 1e12 ? 1000 : 1) : Date.parse(startedAt);
  const end = Date.parse(checkedAt);
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) return '—';
  let s = Math.floor((end - start) / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return [d && `${d}d`, h && `${h}h`, m && `${m}m`, `${s}s`].filter(Boolean).join(' ');
}
