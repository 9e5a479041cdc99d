// Bundles the two faces of the engine: the VS Code extension and the headless CLI.
// Types are checked apart with `tsc --noEmit`.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, chmodSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // execa and its helpers are ESM with `import.meta.url`; give the CJS bundle a value for it.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

const entries = [
  { ...common, entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node\n' + common.banner.js } },
];

function copyPython() {
  // The pytest plugin ships beside the bundles; the runner puts this folder on PYTHONPATH.
  mkdirSync('dist/python', { recursive: true });
  cpSync('src/core/python', 'dist/python', { recursive: true, filter: (p) => !p.includes('__pycache__') });
}

if (watch) {
  for (const options of entries) (await esbuild.context(options)).watch();
  copyPython();
} else {
  await Promise.all(entries.map((options) => esbuild.build(options)));
  copyPython();
  chmodSync('dist/cli.js', 0o755);
}
