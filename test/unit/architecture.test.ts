import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
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
