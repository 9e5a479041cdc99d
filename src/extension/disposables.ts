/** Anything with a `dispose()`; matches `vscode.Disposable` without naming the module. */
export interface IDisposable {
  dispose(): unknown;
}

/** Holds disposables until it is disposed itself; adding to a disposed store disposes at once. */
export class DisposableStore implements IDisposable {
  private readonly items = new Set<IDisposable>();
  private disposed = false;

  add<T extends IDisposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.add(item);
    return item;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // Later registrations may depend on earlier ones: dispose in reverse order.
    for (const item of [...this.items].reverse()) {
      try {
        item.dispose();
      } catch {
        /* one failing dispose must not keep the others alive */
      }
    }
    this.items.clear();
  }
}

/** A slot for something that gets replaced (a watcher, a timer): setting a new value disposes the old one. */
export class MutableDisposable<T extends IDisposable> implements IDisposable {
  private current: T | undefined;

  get value(): T | undefined {
    return this.current;
  }

  set value(next: T | undefined) {
    if (this.current === next) return;
    this.current?.dispose();
    this.current = next;
  }

  dispose(): void {
    this.value = undefined;
  }
}

export function toDisposable(fn: () => void): IDisposable {
  return { dispose: fn };
}
