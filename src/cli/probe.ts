import { isFreshnessConfigured, probeFreshness, RESTART_COMMAND, restartAndProbe } from '../core/freshness';
import { parseCommandLine, resolveCliSettings } from './options';
import { HELP } from './help';

export async function runProbe(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, {
    cwd: { type: 'string' },
    'meta-url': { type: 'string' },
    restart: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP.probe);
    return 0;
  }
  // The same validated settings as `run`: .smokes-fixer.json, then the flag.
  const { workspace, settings } = await resolveCliSettings({ cwd: values.cwd, 'meta-url': values['meta-url'] }, process.env);
  const url = settings.metaUrl;
  const timeoutMs = settings.freshnessTimeoutMs;
  const configured = await isFreshnessConfigured(workspace, settings);
  if (!configured) {
    if (values.json) process.stdout.write(JSON.stringify({ state: 'not-configured', url }) + '\n');
    else process.stdout.write(`exec-rpc: not configured (no exec-rpc-restart/exec-rpc-probe Makefile targets, no meta URL): a plain pytest project.\n`);
    return 0;
  }
  let status = await probeFreshness({ url, timeoutMs, workspace, lastPatchAt: null });
  if (status.state !== 'fresh' && values.restart) {
    process.stderr.write(`exec-rpc is ${status.state}: running ${RESTART_COMMAND}\n`);
    const restart = await restartAndProbe({ workspace, metaUrl: url, onOutput: (t) => process.stderr.write(t) });
    if (!restart.ok) process.stderr.write(`${restart.problem ?? `The probe did not report "t_ms" (exit ${restart.exitCode ?? 'none'}).`}
`);
    status = await probeFreshness({ url, timeoutMs, workspace, lastPatchAt: null });
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(status, null, 2) + '\n');
  } else {
    process.stdout.write(`exec-rpc: ${status.state} (${url})\n`);
    for (const reason of status.reasons) process.stdout.write(`  - ${reason}\n`);
    if (status.meta) process.stdout.write(`  git_sha ${status.meta.git_sha ?? '?'} (HEAD ${status.headSha ?? '?'}), started_at ${status.meta.started_at ?? '?'}, t_ms ${status.meta.t_ms ?? '?'}\n`);
  }
  return status.state === 'fresh' ? 0 : 1;
}
