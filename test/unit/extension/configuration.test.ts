import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSettings, settingsSchema } from '../../../src/core/settings';
import { configurationProperties } from '../../../src/extension/configSchema';

const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8'));
const contributed: Record<string, Record<string, unknown>> = pkg.contributes.configuration.properties;
const expected = configurationProperties();

describe('contributed configuration', () => {
  it('has exactly one smokesFixer.<key> per key of the settings schema', () => {
    const schemaKeys = Object.keys(settingsSchema.shape).map((k) => `smokesFixer.${k}`).sort();
    expect(Object.keys(contributed).sort()).toEqual(schemaKeys);
  });

  it.each(Object.keys(expected))('%s matches the zod schema (type, enum, bounds, default, description)', (key) => {
    expect(contributed[key]).toEqual(expected[key]);
  });

  it('contributes the engine defaults', () => {
    for (const [key, value] of Object.entries(defaultSettings)) {
      expect(contributed[`smokesFixer.${key}`].default, key).toEqual(value);
    }
  });

  it('documents every setting in markdown', () => {
    for (const [key, prop] of Object.entries(contributed)) {
      expect(typeof prop.markdownDescription === 'string' && prop.markdownDescription.length > 10, key).toBe(true);
    }
  });

  it('carries the schema bounds for the spec limits', () => {
    expect(contributed['smokesFixer.maxLoops']).toMatchObject({ type: 'integer', minimum: 1, maximum: 10, default: 10 });
    expect(contributed['smokesFixer.retries']).toMatchObject({ type: 'integer', minimum: 1, maximum: 3, default: 3 });
    expect(contributed['smokesFixer.timeBudgetSeconds']).toMatchObject({ maximum: 600, default: 600 });
    expect(contributed['smokesFixer.producer'].enum).toEqual(['command', 'openai', 'manual', 'vscode-lm']);
  });
});

describe('manifest', () => {
  const commands: Array<{ command: string; category?: string }> = pkg.contributes.commands;
  const menus: Record<string, Array<{ command: string; when?: string }>> = pkg.contributes.menus;

  it('namespaces every command and gives it the category', () => {
    for (const c of commands) {
      expect(c.command.startsWith('smokesFixer.'), c.command).toBe(true);
      expect(c.category).toBe('Smokes Fixer');
    }
  });

  it('puts a when clause on every menu item and only names contributed commands', () => {
    const ids = new Set(commands.map((c) => c.command));
    for (const [menu, items] of Object.entries(menus)) {
      for (const item of items) {
        expect(typeof item.when === 'string' && item.when.length > 0, `${menu}: ${item.command}`).toBe(true);
        expect(ids.has(item.command), `${menu}: ${item.command}`).toBe(true);
      }
    }
  });

  it('hides item-only commands from the palette', () => {
    const hidden = new Set(menus.commandPalette.filter((m) => m.when === 'false').map((m) => m.command));
    for (const id of ['fixTest', 'openFailingLine', 'showAttemptOutput', 'showAttemptPatch', 'copyReproCommand', 'rerunTest', 'excludeSignature']) {
      expect(hidden.has(`smokesFixer.${id}`), id).toBe(true);
    }
  });

  it('offers "Fix with Smokes Fixer" on the controller\'s items and failure messages only', () => {
    expect(menus['testing/item/context'].every((m) => m.when!.includes("controllerId == 'smokesFixer'"))).toBe(true);
    expect(menus['testing/message/content']).toEqual([{ command: 'smokesFixer.fixTest', when: 'testMessage == smokesFixer.failure' }]);
  });

  it('does not run in untrusted workspaces and activates narrowly', () => {
    expect(pkg.capabilities.untrustedWorkspaces.supported).toBe(false);
    expect(pkg.activationEvents).toContain('workspaceContains:**/tests/smoke/**');
    expect(pkg.activationEvents).not.toContain('*');
  });
});
