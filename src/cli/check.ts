import { access, constants, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { detectPytest } from '../core/pytestRunner';
import { findInterpreter } from '../core/interpreter';
import { checkProducer } from '../producers/preflight';
import type { Settings } from '../core/settings';
import { isFreshnessConfigured, probeFreshness } from '../core/freshness';
import { runProcess } from '../core/processes';
import { describeError } from '../core/errors';
import { defaultSettings, parseSettings } from '../core/settings';
import { CONFIG_FILE, parseCommandLine, readConfigFile, resolveCliSettings, RUN_FLAGS } from './options';
import { HELP } from './help';

export interface CheckItem {
  name: string;
  ok: boolean;
  /** Optional items never fail the check. */
  required: boolean;
  detail: string;
  /** What to do when it is not ok. */
  fix?: string;
}

/** The spec's prerequisites, plus what the loop itself needs, each with what to do. */
export async function checkPrerequisites(
  workspace: string,
  o: { python?: string; metaUrl?: string; settings?: Settings; env?: NodeJS.ProcessEnv },
): Promise<CheckItem[]> {
  const items: CheckItem[] = [];
  const env = o.env ?? process.env;
  const config = await readConfigFile(workspace).catch((): Record<string, unknown> => ({}));
  // Freshness is judged on validated settings, as the loop judges it; an invalid file falls back to the defaults here.
  const parsed = o.settings ? null : parseSettings(config, CONFIG_FILE);
  let settings: Settings = o.settings ?? (parsed?.ok ? parsed.settings : defaultSettings);
  if (o.metaUrl !== undefined) settings = { ...settings, metaUrl: o.metaUrl };
  const metaUrl = settings.metaUrl;

  let python: string | null = null;
  try {
    // PRODUCT.md 27: the checklist names the interpreter and why it was chosen.
    const chosen = await findInterpreter(o.python ?? o.settings?.pythonPath ?? (typeof config.pythonPath === 'string' ? config.pythonPath : ''), workspace, env);
    python = chosen.python;
    items.push({ name: 'Python interpreter', ok: true, required: true, detail: `${chosen.python}: ${chosen.why}` });
  } catch (error) {
    items.push({ name: 'Python interpreter', ok: false, required: true, detail: describeError(error), fix: 'Install Python 3, create the project\'s .venv, or pass --python PATH.' });
  }
  if (python) {
    const pytest = await detectPytest(python, workspace);
    items.push({
      name: 'pytest',
      ok: pytest.ok,
      required: true,
      detail: pytest.ok ? `pytest ${pytest.version}` : pytest.error ?? 'not installed',
      fix: `Install it: ${python} -m pip install pytest`,
    });
    items.push({
      name: 'pytest-html (optional)',
      ok: pytest.html,
      required: false,
      detail: pytest.html ? 'installed: artifacts/smoke.html comes from pytest-html' : 'not installed: Smokes Fixer renders artifacts/smoke.html itself',
    });
  }
  if (o.settings) {
    // PRODUCT.md 25: a producer that cannot start is found here, before any run.
    const producer = await checkProducer(o.settings, { workspace, env });
    items.push({ name: `Patch producer (${producer.producer})`, ok: producer.ok, required: true, detail: producer.detail, ...(producer.hint ? { fix: producer.hint } : {}) });
  }
  const smokeDir = await stat(join(workspace, 'tests', 'smoke')).then((s) => s.isDirectory(), () => false);
  items.push({
    name: 'Smoke tests',
    ok: smokeDir || Array.isArray(config.select) || typeof config.markExpr === 'string',
    required: true,
    detail: smokeDir ? 'tests/smoke exists' : 'no tests/smoke folder and no selection configured',
    fix: 'Create tests/smoke, or set "select" / "markExpr" in .smokes-fixer.json (--select / -m).',
  });
  const git = await runProcess('git', ['--version'], { cwd: workspace });
  items.push({
    name: 'git',
    ok: git.exitCode === 0,
    required: true,
    detail: git.exitCode === 0 ? git.stdout.trim() : 'git is not installed',
    fix: 'Install git: snapshots and rollback use it (also in folders that are not repositories).',
  });

  const configured = await isFreshnessConfigured(workspace, settings);
  if (!configured) {
    items.push({
      name: 'exec-rpc set-up',
      ok: true,
      required: false,
      detail: 'not configured: no exec-rpc-restart/exec-rpc-probe Makefile targets; the loop treats this as a plain pytest project',
    });
  } else {
    const makefile = await readMakefile(workspace);
    for (const target of ['exec-rpc-restart', 'exec-rpc-probe']) {
      const present = new RegExp(`^${target}\\s*:`, 'm').test(makefile);
      items.push({ name: `make ${target}`, ok: present, required: true, detail: present ? 'target present' : 'target missing', fix: `Add a ${target} target to the Makefile (it should operate on the Docker Compose exec-rpc service).` });
    }
    const probe = join(workspace, 'scripts', 'exec_rpc_probe.sh');
    const executable = await access(probe, constants.X_OK).then(() => true, () => false);
    items.push({ name: 'scripts/exec_rpc_probe.sh', ok: executable, required: true, detail: executable ? 'executable' : 'missing or not executable', fix: 'chmod +x scripts/exec_rpc_probe.sh' });
    const status = await probeFreshness({ url: metaUrl, timeoutMs: settings.freshnessTimeoutMs, workspace, lastPatchAt: null });
    const hasFields = status.meta !== null && 'git_sha' in status.meta && 'started_at' in status.meta;
    items.push({
      name: '/__meta',
      ok: hasFields,
      required: true,
      detail: status.meta ? `${status.state}${status.reasons.length ? `: ${status.reasons.join('; ')}` : ''}` : `no answer from ${metaUrl}`,
      fix: 'Start the service (make exec-rpc-restart) and make /__meta return git_sha and started_at.',
    });
  }
  return items;
}

async function readMakefile(workspace: string): Promise<string> {
  for (const name of ['GNUmakefile', 'makefile', 'Makefile']) {
    const text = await readFile(join(workspace, name), 'utf8').catch(() => null);
    if (text !== null) return text;
  }
  return '';
}

/** `check` takes the flags of `run` that say how the loop would start: workspace, interpreter, service, producer. */
const CHECK_FLAGS = {
  cwd: RUN_FLAGS.cwd,
  python: RUN_FLAGS.python,
  'meta-url': RUN_FLAGS['meta-url'],
  producer: RUN_FLAGS.producer,
  'producer-command': RUN_FLAGS['producer-command'],
  'openai-base-url': RUN_FLAGS['openai-base-url'],
  'openai-model': RUN_FLAGS['openai-model'],
  'openai-api-key-env': RUN_FLAGS['openai-api-key-env'],
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runCheck(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, CHECK_FLAGS);
  if (values.help) {
    process.stdout.write(HELP.check);
    return 0;
  }
  const { workspace, settings } = await resolveCliSettings(values, process.env);
  const items = await checkPrerequisites(workspace, { settings, env: process.env });
  if (values.json) {
    process.stdout.write(JSON.stringify(items, null, 2) + '\n');
  } else {
    for (const item of items) {
      const mark = item.ok ? '✓' : item.required ? '✗' : '–';
      process.stdout.write(`${mark} ${item.name}: ${item.detail}${!item.ok && item.fix ? ` — ${item.fix}` : ''}\n`);
    }
  }
  return items.some((i) => i.required && !i.ok) ? 1 : 0;
}
