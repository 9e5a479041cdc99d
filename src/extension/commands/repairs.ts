import { investigationDocument, type RepairNode } from '../repairTree';
import type { CommandHost, Register } from './host';

/** The Repairs view's item actions: a signature's failing line, re-run, exclusion; an attempt's output, patch, command. */
export function registerRepairViewCommands(host: CommandHost, register: Register): void {
  const { vscode } = host;
  const signatureOf = (node: RepairNode | undefined) => (node && node.kind !== 'folder' && node.kind !== 'problem' ? node : undefined);

  register('smokesFixer.openFailingLine', async (node?: RepairNode) => {
    const n = signatureOf(node);
    if (!n?.record.location) return;
    await host.openAt(n.folder, n.record.location.file, n.record.location.line);
  });

  register('smokesFixer.showAttemptOutput', async (node?: RepairNode) => {
    if (!node || (node.kind !== 'attempt' && node.kind !== 'detail')) return;
    const a = node.attempt;
    const uri = host.docs.set(
      `/attempt-output/${encodeURIComponent(node.record.nodeid)}/attempt-${a.attempt}.log`,
      `$ ${a.command}\n\n${a.output ?? '(no output was recorded for this attempt)'}`,
    );
    await vscode.window.showTextDocument(uri, { preview: true });
    return uri;
  });

  register('smokesFixer.showAttemptPatch', async (node?: RepairNode) => {
    if (!node || (node.kind !== 'attempt' && node.kind !== 'detail')) return;
    const diff = node.attempt.diff ?? node.attempt.patch?.diff;
    if (!diff) return void vscode.window.showInformationMessage('This attempt has no patch.');
    const uri = host.docs.set(`/patch/${encodeURIComponent(node.record.nodeid)}/attempt-${node.attempt.attempt}.diff`, diff);
    await vscode.window.showTextDocument(uri, { preview: true });
    return uri;
  });

  // An investigation node: the exact payload sent to the helper and its answer, read-only.
  register('smokesFixer.showInvestigation', async (node?: RepairNode) => {
    if (node?.kind !== 'investigation') return;
    const i = node.investigation;
    const uri = host.docs.set(
      `/investigation/${encodeURIComponent(node.record.nodeid)}/attempt-${node.attempt.attempt}-${i.helper}.json`,
      investigationDocument(i),
    );
    await vscode.window.showTextDocument(uri, { preview: true });
    return uri;
  });

  register('smokesFixer.copyReproCommand', (node?: RepairNode) => {
    const n = signatureOf(node);
    if (!n) return;
    // The command as the loop ran it; for a signature with no attempt yet, the engine's focused rerun.
    const settings = host.settingsFor(n.folder);
    const focused = () => host.engine.displayCommand(host.engine.attemptArgs(3, { select: settings?.select ?? [], markExpr: settings?.markExpr ?? '' }, n.record.nodeid));
    const command = n.kind === 'attempt' || n.kind === 'detail' ? n.attempt.command : (n.record.attempts.at(-1)?.command ?? focused());
    void Promise.resolve(vscode.env.clipboard.writeText(command)).catch(() => undefined);
    void vscode.window.setStatusBarMessage(`Copied: ${command}`, 3000);
    return command;
  });

  register('smokesFixer.rerunTest', async (node?: RepairNode) => {
    const n = signatureOf(node);
    if (n) return host.run(n.folder, { only: [n.record.nodeid] });
  });

  register('smokesFixer.excludeSignature', async (node?: RepairNode) => {
    const n = signatureOf(node);
    if (!n) return;
    await host.excludeSignature(n.folder, n.record.signature);
    void vscode.window.showInformationMessage(`Excluded from later runs: ${n.record.signature}`);
  });
}
