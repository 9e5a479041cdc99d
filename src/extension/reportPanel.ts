import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Disposable, VSCode, WebviewPanel, WorkspaceFolder } from './vscodeTypes';

export const REPORT_VIEW_TYPE = 'smokesFixer.report';

/**
 * The page as the webview gets it: a strict Content-Security-Policy first in <head> (nothing from the
 * network; images and styles from the report itself or the report's folder; scripts only when the
 * report has its own, and then only those, by nonce). Pure, so the policy can be checked without an editor.
 */
export function reportHtml(page: string, o: { cspSource: string; nonce: string }): string {
  const hasScripts = /<script[\s>]/i.test(page);
  const csp = [
    "default-src 'none'",
    `img-src ${o.cspSource} data:`,
    `style-src ${o.cspSource} 'unsafe-inline'`,
    `font-src ${o.cspSource} data:`,
    hasScripts ? `script-src 'nonce-${o.nonce}'` : "script-src 'none'",
  ].join('; ');
  const meta = `<meta http-equiv="Content-Security-Policy" content="${csp}">`;
  // A policy the report itself declares could only loosen nothing, but it must not come first: drop it.
  let html = page.replace(/<meta[^>]+http-equiv=["']?content-security-policy["']?[^>]*>/gi, '');
  if (hasScripts) html = html.replace(/<script(?=[\s>])/gi, `<script nonce="${o.nonce}"`);
  if (/<head[^>]*>/i.test(html)) return html.replace(/<head[^>]*>/i, (head) => `${head}\n${meta}`);
  return `<!DOCTYPE html><html><head>${meta}</head><body>${html}</body></html>`;
}

/** The HTML report inside the editor (desktop and code-server alike), one panel per folder, reused. */
export class ReportPanels implements Disposable {
  private readonly panels = new Map<string, WebviewPanel>();

  constructor(private readonly vscode: VSCode) {}

  /** The open panel of a folder, if any (tests read its title and policy). */
  panelFor(folder: WorkspaceFolder): WebviewPanel | undefined {
    return this.panels.get(folder.uri.toString());
  }

  async show(folder: WorkspaceFolder, path = 'artifacts/smoke.html'): Promise<WebviewPanel> {
    const vscode = this.vscode;
    const file = join(folder.uri.fsPath, path);
    const page = await readFile(file, 'utf8');
    const key = folder.uri.toString();
    let panel = this.panels.get(key);
    if (!panel) {
      panel = vscode.window.createWebviewPanel(
        REPORT_VIEW_TYPE,
        `Smoke Report: ${folder.name}`,
        { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
        { enableScripts: /<script[\s>]/i.test(page), localResourceRoots: [vscode.Uri.file(dirname(file))], enableFindWidget: true },
      );
      this.panels.set(key, panel);
      panel.onDidDispose(() => {
        if (this.panels.get(key) === panel) this.panels.delete(key);
      });
    } else {
      panel.webview.options = { enableScripts: /<script[\s>]/i.test(page), localResourceRoots: [vscode.Uri.file(dirname(file))] };
      panel.reveal(vscode.ViewColumn.Active);
    }
    panel.webview.html = reportHtml(page, { cspSource: panel.webview.cspSource, nonce: randomBytes(16).toString('base64') });
    return panel;
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
    this.panels.clear();
  }
}
