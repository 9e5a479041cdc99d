// Bundles the two faces of the engine: the VS Code extension and the headless CLI, plus the heavy parts
// only some runs need, each in its own file loaded on first use. Types are checked apart with `tsc --noEmit`.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, chmodSync } from 'node:fs';
import { resolve } from 'node:path';

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
  // `await import()` becomes `require()`: the lazy bundles are CommonJS files beside the main ones, which
  // is what VS Code's extension host loads most reliably.
  supported: { 'dynamic-import': false },
};

/**
 * Modules bundled apart and loaded on first use (`await import('./mcpSdk')` in the source): the
 * extension's engine (the loop, pytest, the producers, execa: the extension's activation loads only the
 * adapter), the MCP SDK with its JSON-schema validator (only an investigation needs it) and the OpenAI
 * producer's HTTP exchange (only that producer needs it).
 */
const lazy = [
  { source: 'src/extension/engineModule.ts', out: 'engine.js' },
  { source: 'src/core/investigation/mcpSdk.ts', out: 'mcp-sdk.js' },
  { source: 'src/producers/openaiChat.ts', out: 'openai-producer.js' },
];

const lazyPlugin = {
  name: 'lazy-bundles',
  setup(build) {
    const bySource = new Map(lazy.map((l) => [resolve(l.source), l.out]));
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const out = bySource.get(resolve(args.resolveDir, args.path) + '.ts');
      return out ? { path: `./${out}`, external: true } : undefined;
    });
  },
};

/**
 * The error class is checked with `instanceof` on both sides of the extension's split (the adapter reads
 * the engine's errors, the engine reads the VS Code producer's), so the extension's bundles share one
 * copy of it: dist/errors.js, required by each. The CLI requires it too, so an error the OpenAI producer's
 * bundle throws is the CLI's own class.
 */
const errorsSource = resolve('src/core/errors.ts');
const sharedErrorsPlugin = {
  name: 'shared-errors',
  setup(build) {
    build.onResolve({ filter: /(^|\/)errors$/ }, (args) =>
      resolve(args.resolveDir, args.path) + '.ts' === errorsSource ? { path: './errors.js', external: true } : undefined,
    );
  },
};

const entries = [
  { ...common, entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode'], plugins: [lazyPlugin, sharedErrorsPlugin] },
  { ...common, entryPoints: [errorsSource], outfile: 'dist/errors.js' },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node\n' + common.banner.js }, plugins: [lazyPlugin, sharedErrorsPlugin] },
  ...lazy.map((l) => ({ ...common, entryPoints: [l.source], outfile: `dist/${l.out}`, plugins: [lazyPlugin, sharedErrorsPlugin] })),
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
