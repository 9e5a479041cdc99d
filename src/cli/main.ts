import { createInterface } from 'node:readline/promises';
import { describeError, isConfigurationError } from '../core/errors';
import type { Logger, LoopOutcome } from '../core/types';
import { runLoop, restoreLastSnapshot } from '../core/loop';
import { McpInvestigator } from '../core/investigation';
import { checkProducer, createProducer, producerUnavailable } from '../producers';
import { waitForEnterOrChange } from '../producers/manual';
import { EventPrinter } from './printer';
import { parseCommandLine, resolveCliSettings, RUN_FLAGS, UsageError } from './options';
import { runCheck } from './check';
import { runProbe } from './probe';
import { runSignatures } from './signatures';
import { HELP } from './help';

/** Exit codes users and scripts rely on. */
export const EXIT = { ok: 0, escalated: 1, usage: 2 } as const;

function stderrLogger(verbose: boolean): Logger {
  const write = (level: string) => (message: string) => process.stderr.write(`[${level}] ${message}\n`);
  const quiet = () => undefined;
  return { trace: quiet, debug: verbose ? write('debug') : quiet, info: verbose ? write('info') : quiet, warn: write('warn'), error: write('error') };
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP.main);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command === '--version' || command === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  switch (command) {
    case 'run':
      return runCommand(rest);
    case 'check':
      return runCheck(rest);
    case 'probe':
      return runProbe(rest);
    case 'signatures':
      return runSignatures(rest);
    case 'restore':
      return restoreCommand(rest);
    default:
      throw new UsageError(`Unknown command "${command}".`, 'Commands: run, check, probe, signatures, restore. Run `smokes-fixer --help`.');
  }
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.1.0';

async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, RUN_FLAGS);
  if (values.help) {
    process.stdout.write(HELP.run);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`Unexpected argument(s): ${positionals.join(' ')}.`, 'Node ids go after --select.');
  const json = values.json === true;
  const { workspace, settings } = await resolveCliSettings(values, process.env);
  // With --json, stdout carries exactly one JSON object; everything a person reads goes to stderr.
  const human = json ? process.stderr : process.stdout;
  const printer = new EventPrinter(human);
  const log = stderrLogger(process.env.SMOKES_FIXER_DEBUG === '1');
  // PRODUCT.md 25: a producer that cannot start stops the run before pytest runs (exit 2).
  const producerCheck = await checkProducer(settings, { workspace, env: process.env });
  if (!producerCheck.ok) throw producerUnavailable(producerCheck);
  const producer = createProducer(settings, {
    workspace,
    env: process.env,
    manualWaiter: waitForEnterOrChange(workspace, {
      input: process.stdin,
      onPrompt: (text) => human.write(`${text}\n`),
    }),
  });

  const investigator = settings.investigation.enabled
    ? new McpInvestigator({
        settings: settings.investigation,
        workspace,
        python: settings.pythonPath || 'python3',
        log,
        // The payload has been printed (and logged) already; a terminal is asked, anything else declines.
        confirm: (p) => askYesNo(`Send this ${p.helper} payload to ${p.server}? [y/N] `, human),
      })
    : undefined;

  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    human.write('\nCancelling: ending processes and taking back any patch under verification (Ctrl-C again to force)…\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let outcome: LoopOutcome;
  try {
    outcome = await runLoop({
      workspace,
      settings,
      producer,
      signal: controller.signal,
      log,
      investigator,
      onEvent: (event) => printer.handle(event),
      outputBusy: () => printer.busy(),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (json) {
    const payload = outcome.kind === 'success' ? outcome.summary : outcome.bundle ?? { status: 'cancelled' };
    process.stdout.write(JSON.stringify(payload, null, 2) + '\n');
  }
  return outcome.kind === 'success' ? EXIT.ok : EXIT.escalated;
}

/** A yes/no question on the terminal; without one (CI, pipes) the answer is no. */
async function askYesNo(question: string, out: NodeJS.WritableStream): Promise<boolean> {
  if (!process.stdin.isTTY) {
    out.write(`${question}no (no terminal to ask)\n`);
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: out });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

async function restoreCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, { cwd: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(HELP.restore);
    return EXIT.ok;
  }
  const workspace = typeof values.cwd === 'string' ? values.cwd : process.cwd();
  const result = await restoreLastSnapshot(workspace, stderrLogger(false));
  if (!result) {
    process.stderr.write('No snapshot to restore: no loop has run in this workspace.\n');
    return EXIT.escalated;
  }
  process.stdout.write(`Undid the last loop's own writes: ${result.written.length} file(s) written back, ${result.removed.length} removed; files it did not write were not touched.\n`);
  for (const file of result.written) process.stdout.write(`  restored ${file}\n`);
  for (const file of result.removed) process.stdout.write(`  removed  ${file}\n`);
  for (const c of result.conflicts) process.stdout.write(`  kept     ${c.path} (changed since the loop wrote it; the loop's version is in ${c.copy})\n`);
  return result.conflicts.length > 0 ? EXIT.escalated : EXIT.ok;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const usage = error instanceof UsageError || isConfigurationError(error);
      process.stderr.write(`smokes-fixer: ${describeError(error)}\n`);
      if (process.env.SMOKES_FIXER_DEBUG === '1' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
      process.exitCode = usage ? EXIT.usage : EXIT.escalated;
    },
  );
}
