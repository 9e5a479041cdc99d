// Bundles the VS Code test host (with mocha inside) and every suite file (test/vscode/suite/**/*.test.ts)
// into test/vscode/host/out/, ready to be loaded by the real extension host. `vscode` stays external.
import * as esbuild from 'esbuild';
import { cpSync, readdirSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const hostDir = path.join(root, 'test/vscode/host');
export const suiteSrcDir = path.join(root, 'test/vscode/suite');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  logLevel: 'error',
  external: ['vscode'],
  // Same shim as the product build: ESM dependencies (execa…) read import.meta.url inside a CJS bundle.
  // The repository's folder: suites start its fixtures (an MCP server...) from where they live.
  define: { 'import.meta.url': 'importMetaUrl', SMOKES_FIXER_REPO_ROOT: JSON.stringify(root) },
  banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

export function suiteEntries() {
  if (!existsSync(suiteSrcDir)) return [];
  return readdirSync(suiteSrcDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(suiteSrcDir, f))
    .sort();
}

export async function buildVscodeTests() {
  const outDir = path.join(hostDir, 'out');
  rmSync(outDir, { recursive: true, force: true });
  const entries = suiteEntries();
  await Promise.all([
    esbuild.build({ ...common, entryPoints: [path.join(hostDir, 'src/host.ts')], outfile: path.join(outDir, 'host.js') }),
    entries.length > 0 &&
      esbuild.build({
        ...common,
        entryPoints: entries,
        outdir: path.join(outDir, 'suite'),
        outbase: suiteSrcDir,
        // A suite file that imported mocha would get a second copy without the BDD globals: use the globals.
        external: ['vscode', 'mocha'],
      }),
  ]);
  return { outDir, suiteFiles: entries.map((e) => path.relative(root, e)) };
}

export const fixtureWorkspace = path.join(root, 'test/fixtures/vscode-workspace');

/** A fresh copy of the fixture workspace at `dest` (the tests may write into it). */
export function copyFixtureWorkspace(dest) {
  rmSync(dest, { recursive: true, force: true });
  if (existsSync(fixtureWorkspace)) {
    cpSync(fixtureWorkspace, dest, { recursive: true, filter: (p) => !/(^|\/)(__pycache__|\.pytest_cache)(\/|$)/.test(p) });
  } else {
    mkdirSync(dest, { recursive: true });
  }
  return dest;
}

// CLI: node scripts/lib/build-vscode-tests.mjs [--copy-workspace <dir>]
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { outDir, suiteFiles } = await buildVscodeTests();
  console.log(`built ${suiteFiles.length} suite file(s) into ${path.relative(root, outDir)}`);
  const i = process.argv.indexOf('--copy-workspace');
  if (i > 0 && process.argv[i + 1]) console.log(`workspace copy: ${copyFixtureWorkspace(path.resolve(process.argv[i + 1]))}`);
}
