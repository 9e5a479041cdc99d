import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

const IMPORTS = /(?:import|export)[^'"]*from\s*['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORTS)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

describe('one engine, two faces', () => {
  it('src/core, src/producers and src/cli never import vscode (they run headless)', () => {
    const offenders: string[] = [];
    for (const folder of ['src/core', 'src/producers', 'src/cli']) {
      for (const file of tsFiles(join(ROOT, folder))) {
        if (importsOf(file).some((spec) => spec === 'vscode' || spec.startsWith('vscode/'))) offenders.push(relative(ROOT, file));
      }
    }
    expect(offenders).toEqual([]);
  });

  it('src/core does not reach into the faces', () => {
    const offenders = tsFiles(join(ROOT, 'src/core')).filter((file) =>
      importsOf(file).some((spec) => /(^|\/)(extension|cli)(\/|$)/.test(spec) && spec.startsWith('.')),
    );
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });
});

/** Files reached from `entry` by value imports (`import type` and `import()` left out), as esbuild would bundle them. */
function staticClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const VALUE_IMPORTS = /^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(VALUE_IMPORTS)) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith('.')) {
        packages.add(spec);
        continue;
      }
      const base = join(file, '..', spec);
      const found = [`${base}.ts`, join(base, 'index.ts')].find((f) => existsSync(f));
      if (found) visit(found);
    }
  };
  visit(join(ROOT, entry));
  return { files, packages };
}

describe('the extension loads the engine on first use', () => {
  it('activation (src/extension/main.ts) reaches neither execa nor the engine; ./engine imports it lazily', () => {
    const { files, packages } = staticClosure('src/extension/main.ts');
    const reached = [...files].map((f) => relative(ROOT, f));
    expect([...packages].filter((p) => p === 'execa' || p.startsWith('@modelcontextprotocol/'))).toEqual([]);
    expect(reached.filter((f) => /^src\/(core\/(processes|loop|pytestRunner|index)|producers\/index|extension\/engineModule)\.ts$/.test(f))).toEqual([]);
    expect(readFileSync(join(ROOT, 'src/extension/engine.ts'), 'utf8')).toMatch(/import\('\.\/engineModule'\)/);
  });
});
