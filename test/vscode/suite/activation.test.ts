/// <reference types="mocha" />
// Activation as VS Code does it: the product is installed and the fixture workspace (tests/smoke, pytest.ini)
// is open. This file runs first (file-name order) and never calls `activate()`: the extension must already be
// active, and the extension host's own log must name a `workspaceContains` event as the reason.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from './fixtureWorkspace';
import type { TestHostApi } from '../host/src/host';
import { HOST_ID } from '../host/src/ids';

describe('Activation in VS Code', function () {
  this.timeout(120_000);

  it('activates from a workspaceContains event, not from the test', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    // Polled, never activated from here.
    await waitFor('the product to be active', () => ext.isActive, 60_000);
    const host = vscode.extensions.getExtension<TestHostApi>(HOST_ID)?.exports;
    assert.ok(host?.logDir, 'the test host knows its log folder');
    // <exthost logs>/<host id>/ → <exthost logs>/remoteexthost.log in code-server (exthost.log on the desktop)
    const logFile = ['remoteexthost.log', 'exthost.log'].map((f) => join(dirname(host.logDir), f)).find((f) => existsSync(f));
    assert.ok(logFile, `the extension host's log is next to ${host.logDir}`);
    const log = readFileSync(logFile, 'utf8');
    const line = log.split('\n').find((l) => l.includes(`_doActivateExtension ${EXTENSION_ID},`));
    assert.ok(line, `exthost.log records the product's activation (log:\n${log.slice(0, 2000)})`);
    const event = /activationEvent: '([^']+)'/.exec(line)?.[1] ?? '';
    const declared: string[] = ext.packageJSON.activationEvents;
    assert.ok(event.startsWith('workspaceContains:'), `activated by a workspaceContains event (${line})`);
    assert.ok(declared.includes(event), `the event is one the manifest declares: ${event} in ${declared.join(', ')}`);
  });
});
