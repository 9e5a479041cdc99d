/**
 * The last `max` characters of a stream, kept as its chunks: appending does not copy what is kept (a
 * string cut on every chunk copied up to `max` characters per chunk of output).
 */
export class TextTail {
  private chunks: string[] = [];
  private length = 0;
  constructor(private readonly max: number) {}

  push(text: string): void {
    if (!text || this.max <= 0) return;
    this.chunks.push(text);
    this.length += text.length;
    // Whole chunks fall off the front; the one across the limit is cut when the text is read.
    while (this.chunks.length > 1 && this.length - this.chunks[0].length >= this.max) this.length -= this.chunks.shift()!.length;
    if (this.chunks.length > 64) this.chunks = [this.text()];
  }

  text(): string {
    const all = this.chunks.join('');
    this.chunks = all ? [all] : [];
    this.length = all.length;
    return all.length > this.max ? all.slice(-this.max) : all;
  }
}
