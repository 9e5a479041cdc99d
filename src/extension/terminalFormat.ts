import type { LoopEvent, LoopOutcome } from '../core/types';

/** ANSI colours for the terminal the user watches (results are never read back from it). */
const C = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  cyan: '\x1b[36m',
};

/** A terminal wants `\r\n`; text from processes has `\n` or `\r\n`. */
export function toTerminalText(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

const DECISION_COLOUR = { proceed: C.green, done: C.green, rollback: C.yellow, escalate: C.red } as const;
/** A check mark only where the loop goes on or is done; a stop, a rollback or a cancel is not a success. */
const DECISION_MARK = { proceed: '✓', done: '✓', rollback: '↺', escalate: '■' } as const;

/** What the terminal shows for one loop event, already in terminal line endings; '' for nothing. */
export function formatEvent(event: LoopEvent): string {
  const lines: string[] = [];
  switch (event.type) {
    case 'checklist':
      lines.push(`${C.bold}Plan${C.reset}`, ...event.items.map((item) => `  • ${item}`), '');
      break;
    case 'command':
      lines.push(`${C.cyan}$ ${event.command}${C.reset}`);
      break;
    case 'output':
      // Process output streams as it comes, colours included; only line endings change.
      return toTerminalText(event.text);
    case 'validation': {
      const colour = DECISION_COLOUR[event.decision];
      lines.push(`${colour}${DECISION_MARK[event.decision]} ${event.action}${C.reset}: ${event.lines.join(' ')} ${C.dim}→ ${event.decision}${C.reset}`);
      break;
    }
    case 'attempt-started':
      lines.push('', `${C.bold}Attempt ${event.attempt} for ${event.nodeid}${C.reset}`, `${C.dim}  signature: ${event.signature}${C.reset}`);
      break;
    case 'patch-proposed':
      lines.push(
        `${C.cyan}Patch proposed${C.reset}: ${event.patch.fileCount} file(s), ${event.patch.changedLines} changed line(s)`,
        ...event.patch.diff.replace(/\n$/, '').split('\n').map(colourDiffLine),
      );
      break;
    case 'patch-applied':
      lines.push(`${C.green}Patch applied${C.reset}: ${event.files.join(', ')}`);
      break;
    case 'patch-reverted':
      lines.push(`${C.yellow}Patch reverted${C.reset}: ${event.files.join(', ')}`);
      break;
    case 'attempt-finished':
      lines.push(`${event.verdict === 'kept' ? C.green : C.yellow}Attempt ${event.attempt}: ${event.verdict}${C.reset}${event.detail ? ` — ${event.detail}` : ''}`);
      break;
    case 'freshness':
      lines.push(`${C.dim}exec-rpc: ${event.status.state}${event.status.reasons.length ? ` (${event.status.reasons.join('; ')})` : ''}${C.reset}`);
      break;
    case 'rollback':
      lines.push(`${C.red}Rolled back${C.reset} (${event.reason}): ${event.files.join(', ') || 'no files'}`);
      break;
    case 'investigation':
      lines.push(`${C.cyan}Investigation (${event.helper}, ${event.server})${C.reset}: ${investigationStatus(event)}`);
      break;
    case 'artifacts':
      lines.push(`${C.dim}Artifacts: ${event.paths.join(', ')}${C.reset}`);
      break;
    case 'stopped':
      lines.push('', outcomeLine(event.outcome), '');
      break;
    case 'run-finished':
      return '';
  }
  return lines.map((l) => `${l}\r\n`).join('');
}

/** Sent and waiting (neither answer nor error yet), answered, or failed / not sent. */
function investigationStatus(e: Extract<LoopEvent, { type: 'investigation' }>): string {
  if (e.error !== null) return `failed: ${e.error}`;
  if (e.answer !== null) return `answered (${e.answer.length} characters)`;
  return `sending ${JSON.stringify(e.payload ?? null).length} bytes (the payload is in the repair view and the run log)`;
}

export function outcomeLine(outcome: LoopOutcome): string {
  switch (outcome.kind) {
    case 'success':
      return `${C.green}${C.bold}All selected smoke tests pass${C.reset} after ${outcome.loops} loop(s), ${outcome.appliedPatches.length} kept patch(es).`;
    case 'escalated':
      return `${C.red}${C.bold}Escalated: ${outcome.reason}${C.reset} — ${outcome.detail} Bundle: ${outcome.bundlePath}`;
    case 'cancelled':
      return `${C.yellow}${C.bold}Cancelled${C.reset} — ${outcome.detail}`;
  }
}

function colourDiffLine(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---')) return `${C.bold}${line}${C.reset}`;
  if (line.startsWith('+')) return `${C.green}${line}${C.reset}`;
  if (line.startsWith('-')) return `${C.red}${line}${C.reset}`;
  if (line.startsWith('@@')) return `${C.cyan}${line}${C.reset}`;
  return line;
}
