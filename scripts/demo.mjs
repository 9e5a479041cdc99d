#!/usr/bin/env node
// The main job on the bundled demo: installs what it needs, builds the CLI, copies the demo workspace to
// a fresh folder (a git repository with one commit), and runs the repair loop on it with the command
// producer that proposes the prepared candidate patches. Plain Node, no dependencies: it runs on a
// fresh clone.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, mkdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = resolve(process.argv[2] ?? join(root, 'demo-run'));
const workspace = join(target, 'workspace');

function step(text) {
  process.stdout.write(`\n\u001b[1m== ${text}\u001b[0m\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function must(command, args, options) {
  const status = run(command, args, options);
  if (status !== 0) {
    process.stderr.write(`demo: \`${command} ${args.join(' ')}\` failed with exit ${status}\n`);
    process.exit(2);
  }
}

if (!existsSync(join(root, 'node_modules', 'execa'))) {
  step('Installing npm packages (npm ci)');
  must('npm', ['ci', '--no-audit', '--no-fund']);
}
step('Building the CLI');
must('node', ['esbuild.mjs']);

step(`Fresh copy of the demo workspace in ${workspace}`);
if (existsSync(workspace)) {
  // Stop a service left by an earlier demo run before replacing its folder.
  run('make', ['-s', 'exec-rpc-stop'], { cwd: workspace, stdio: 'ignore' });
}
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
cpSync(join(root, 'examples', 'demo-workspace'), workspace, { recursive: true });
const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 'Demo', GIT_AUTHOR_EMAIL: 'demo@example.invalid', GIT_COMMITTER_NAME: 'Demo', GIT_COMMITTER_EMAIL: 'demo@example.invalid' };
must('git', ['init', '-q', '-b', 'main'], { cwd: workspace });
must('git', ['add', '-A'], { cwd: workspace });
must('git', ['commit', '-q', '-m', 'Demo workspace'], { cwd: workspace, env: gitEnv });

step('smokes-fixer check');
run('node', [join(root, 'dist', 'cli.js'), 'check', '--cwd', workspace]);

step('smokes-fixer run (command producer: examples/propose.mjs)');
const status = run('node', [
  join(root, 'dist', 'cli.js'),
  'run',
  '--cwd',
  workspace,
  '--producer',
  'command',
  '--producer-command',
  `node ${join(root, 'examples', 'propose.mjs')}`,
], { env: { ...process.env, ND_SMOKE: '' } });

run('make', ['-s', 'exec-rpc-stop'], { cwd: workspace, stdio: 'ignore' });

step('Look at');
for (const file of ['artifacts/escalation.json', 'artifacts/summary.json', 'artifacts/smoke.html', 'artifacts/smoke.xml', 'requirements.snapshot.txt', 'artifacts/run-log.jsonl']) {
  if (existsSync(join(workspace, file))) process.stdout.write(`  ${join(workspace, file)}\n`);
}
process.stdout.write(`\nsmokes-fixer run exited ${status} (0: all tests pass, 1: escalated with a bundle, 2: usage error).\n`);
process.exit(status === 0 || status === 1 ? 0 : status);
