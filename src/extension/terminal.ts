import { TextTail } from '../core/textTail';
import type { LoopEvent } from '../core/types';
import { formatEvent, toTerminalText } from './terminalFormat';
import type { Disposable, EventEmitter, Pseudoterminal, Terminal, VSCode } from './vscodeTypes';

/** Output kept while the terminal is closed; beyond this the oldest text goes. */
const MAX_BUFFER = 1_000_000;

/** The pseudoterminal's side: buffers until VS Code opens it, then writes straight through. */
export class LoopTerminalBackend implements Pseudoterminal, Disposable {
  private readonly writer: EventEmitter<string>;
  private opened = false;
  /**
   * The last MAX_BUFFER characters written since creation, for tests and "copy output"; until VS Code
   * opens the terminal, also what it is shown first.
   */
  private readonly transcript = new TextTail(MAX_BUFFER);
  readonly onDidWrite;

  constructor(vscode: VSCode, private readonly onClosed: () => void) {
    this.writer = new vscode.EventEmitter<string>();
    this.onDidWrite = this.writer.event;
  }

  open(): void {
    if (this.opened) return;
    this.opened = true;
    const waiting = this.transcript.text();
    if (waiting) this.writer.fire(waiting);
  }

  close(): void {
    this.opened = false;
    this.onClosed();
  }

  write(text: string): void {
    if (!text) return;
    // Kept as chunks: a string cut to the limit on every write copied up to 1 MB per write.
    this.transcript.push(text);
    if (this.opened) this.writer.fire(text);
  }

  get text(): string {
    return this.transcript.text();
  }

  dispose(): void {
    this.writer.dispose();
  }
}

/** The "Smokes Fixer" terminal: created on first use, recreated after the user closes it. */
export class LoopTerminal implements Disposable {
  private backend: LoopTerminalBackend | undefined;
  private terminal: Terminal | undefined;

  constructor(private readonly vscode: VSCode) {}

  private ensure(): LoopTerminalBackend {
    if (this.backend && this.terminal) return this.backend;
    const backend = new LoopTerminalBackend(this.vscode, () => {
      if (this.backend === backend) {
        this.backend = undefined;
        this.terminal = undefined;
      }
      backend.dispose();
    });
    this.backend = backend;
    this.terminal = this.vscode.window.createTerminal({ name: 'Smokes Fixer', pty: backend, iconPath: new this.vscode.ThemeIcon('beaker') });
    return backend;
  }

  show(preserveFocus = true): void {
    this.ensure();
    this.terminal?.show(preserveFocus);
  }

  handle(event: LoopEvent): void {
    this.write(formatEvent(event));
  }

  line(text: string): void {
    this.write(toTerminalText(`${text}\n`));
  }

  write(text: string): void {
    if (text) this.ensure().write(text);
  }

  /** What the terminal received so far (colours included). */
  get text(): string {
    return this.backend?.text ?? '';
  }

  dispose(): void {
    this.terminal?.dispose();
    this.backend?.dispose();
  }
}
