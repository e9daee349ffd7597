/**
 * UTF-8 text written piece by piece into one growing buffer. The frame markup is ~40 small pieces
 * per frame: as strings they would be joined into ropes, flattened and encoded at the end, and all
 * of it would be garbage; here ASCII goes straight in, a character at a time.
 */
export class ByteWriter {
  private buffer: Buffer;
  private at = 0;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(64, capacity));
  }

  /** The bytes written so far. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.at);
  }

  /** Text known to be ASCII (markup, numbers, colours). */
  ascii(text: string): void {
    this.room(text.length);
    const buffer = this.buffer;
    let at = this.at;
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
    this.at = at;
  }

  /** Any text, as UTF-8. */
  text(text: string): void {
    this.room(3 * text.length); // a UTF-16 unit takes at most 3 bytes (a pair takes 4)
    this.at += this.buffer.write(text, this.at, 'utf8');
  }

  /** `text.slice(0, end)` with `& < > "` as entities (as escapeXml in svg.ts writes them), as UTF-8. */
  escaped(text: string, end = text.length): void {
    this.room(6 * end); // `&quot;`; beyond ASCII, UTF-8 takes at most 3 bytes per UTF-16 unit
    const buffer = this.buffer;
    let at = this.at;
    for (let i = 0; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c >= 128) {
        // A run of characters beyond ASCII (rare) through Buffer's encoder; pairs stay whole.
        let to = i + 1;
        while (to < end && text.charCodeAt(to) >= 128) to++;
        at += buffer.write(text.slice(i, to), at, 'utf8');
        i = to - 1;
      } else if (c === 38 || c === 60 || c === 62 || c === 34) {
        const entity = c === 38 ? '&amp;' : c === 60 ? '&lt;' : c === 62 ? '&gt;' : '&quot;';
        for (let k = 0; k < entity.length; k++) buffer[at++] = entity.charCodeAt(k);
      } else {
        buffer[at++] = c;
      }
    }
    this.at = at;
  }

  /** A whole number 0 ≤ n < 2^31, as `String(n)` writes it. */
  digits(n: number): void {
    let length = 1;
    for (let rest = n; rest >= 10; rest = (rest / 10) | 0) length++;
    this.room(length);
    const buffer = this.buffer;
    let at = this.at + length;
    this.at = at;
    let rest = n;
    do {
      buffer[--at] = 48 + (rest % 10);
      rest = (rest / 10) | 0;
    } while (rest > 0);
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const larger = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.at + bytes));
    this.buffer.copy(larger, 0, 0, this.at);
    this.buffer = larger;
  }
}
