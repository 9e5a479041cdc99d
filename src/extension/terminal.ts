import type { LoopEvent } from '../core/types';
import { formatEvent, toTerminalText } from './terminalFormat';
import type { Disposable, EventEmitter, Pseudoterminal, Terminal, VSCode } from './vscodeTypes';

/** Output kept while the terminal is closed; beyond this the oldest text goes. */
const MAX_BUFFER = 1_000_000;

/** The pseudoterminal's side: buffers until VS Code opens it, then writes straight through. */
export class LoopTerminalBackend implements Pseudoterminal, Disposable {
  private readonly writer: EventEmitter<string>;
  private buffer: string[] = [];
  private buffered = 0;
  private opened = false;
  /** Everything written since creation (bounded), for tests and "copy output". */
  private transcript = '';
  readonly onDidWrite;

  constructor(vscode: VSCode, private readonly onClosed: () => void) {
    this.writer = new vscode.EventEmitter<string>();
    this.onDidWrite = this.writer.event;
  }

  open(): void {
    this.opened = true;
    for (const chunk of this.buffer) this.writer.fire(chunk);
    this.buffer = [];
    this.buffered = 0;
  }

  close(): void {
    this.opened = false;
    this.onClosed();
  }

  write(text: string): void {
    if (!text) return;
    this.transcript = (this.transcript + text).slice(-MAX_BUFFER);
    if (this.opened) {
      this.writer.fire(text);
      return;
    }
    this.buffer.push(text);
    this.buffered += text.length;
    while (this.buffered > MAX_BUFFER && this.buffer.length > 1) this.buffered -= this.buffer.shift()!.length;
  }

  get text(): string {
    return this.transcript;
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
