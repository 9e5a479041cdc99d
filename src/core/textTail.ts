/** Small chunks are joined into one once this many wait, or once they hold GROUP_CHARS characters. */
const GROUP = 64;
const GROUP_CHARS = 16_384;
/** Past this many kept chunks, they are joined into one (the list stays short to cut from the front). */
const MAX_CHUNKS = 256;

/**
 * The last `max` characters of a stream, kept as its chunks: appending does not copy what is kept (a
 * string cut on every chunk copied up to `max` characters per chunk of output). Chunks are joined in
 * groups, the newest ones first, so a stream of many small chunks copies each character a few times,
 * not once per 64 chunks.
 */
export class TextTail {
  /** Oldest first; the front one may reach back past `max`, and is cut when the text is read. */
  private chunks: string[] = [];
  /** The newest chunks, not yet joined. */
  private recent: string[] = [];
  private recentLength = 0;
  private length = 0;
  constructor(private readonly max: number) {}

  push(text: string): void {
    if (!text || this.max <= 0) return;
    this.recent.push(text);
    this.recentLength += text.length;
    this.length += text.length;
    if (this.recent.length >= GROUP || this.recentLength >= GROUP_CHARS) this.settle();
    // Whole chunks fall off the front while what follows them holds `max` characters.
    while (this.chunks.length > 0 && this.length - this.chunks[0].length >= this.max) this.length -= this.chunks.shift()!.length;
    if (this.chunks.length > MAX_CHUNKS) this.chunks = [this.chunks.join('')];
  }

  text(): string {
    this.settle();
    const all = this.chunks.join('');
    this.chunks = all ? [all] : [];
    return all.length > this.max ? all.slice(-this.max) : all;
  }

  private settle(): void {
    if (this.recent.length === 0) return;
    this.chunks.push(this.recent.length === 1 ? this.recent[0] : this.recent.join(''));
    this.recent = [];
    this.recentLength = 0;
  }
}
