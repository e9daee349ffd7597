import type { ByteWriter } from './bytes.js';
import { integerText } from './units.js';
import { canonicalFrameName, endsLikeCount, type FrameTreeBuilder, type Stack } from './tree.js';

/**
 * Folded stacks, one per line, as flamegraph.pl reads them: `root;…;leaf COUNT`, or
 * `root;…;leaf COUNT1 COUNT2` for a differential line. This is flamegraph.pl's
 * `^(.*)\s+?(\d+(?:\.\d*)?)$`, applied twice: the count is the text after the last whitespace
 * character and must be digits with an optional fraction (`12`, `1.5`, `3.`; no sign, no exponent);
 * everything before that whitespace is the stack, extra spaces included. Frames are split on `;`
 * and trailing empty frames are dropped, as Perl's `split` does.
 */
export function parseFoldedLine(line: string): Stack | undefined {
  const split = splitFoldedLine(line);
  return split && { ...split.counts, frames: splitFrames(split.stack) };
}

/** A folded line as its stack text (frames still joined by `;`) and its counts. */
export function splitFoldedLine(line: string): { stack: string; counts: { value: number; value2?: number } } | undefined {
  const last = countStart(line, 0, line.length, false);
  if (last < 0) return undefined;
  const value = parseCount(line, last, line.length);
  const first = countStart(line, 0, last - 1, false);
  if (first < 0) return { stack: line.slice(0, last - 1), counts: { value } };
  return { stack: line.slice(0, first - 1), counts: { value: parseCount(line, first, last - 1), value2: value } };
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAsciiSpace = (code: number) => code === 32 || (code >= 9 && code <= 13);

/** countStart's answer for UTF-8 bytes when the character before the count is beyond ASCII: decode to tell. */
export const UNDECIDED = -2;

/**
 * Where the count that ends at `end` starts: digits with an optional fraction (`12`, `1.5`, `3.`),
 * right after a whitespace character (`\s`) at or after `lineStart`; -1 when there is none.
 * `utf8Bytes`: the text holds UTF-8 bytes one per character (see addFoldedText).
 */
export function countStart(text: string, lineStart: number, end: number, utf8Bytes: boolean): number {
  let start = end;
  while (start > lineStart && isDigit(text.charCodeAt(start - 1))) start--;
  if (start > lineStart && text.charCodeAt(start - 1) === 46 /* . */) {
    const dot = start - 1;
    start = dot;
    while (start > lineStart && isDigit(text.charCodeAt(start - 1))) start--;
    if (start === dot) return -1; // `.5` lacks the integer digits
  } else if (start === end) {
    return -1;
  }
  if (start === lineStart) return -1;
  const code = text.charCodeAt(start - 1);
  if (code < 128) return isAsciiSpace(code) ? start : -1;
  if (utf8Bytes) return UNDECIDED;
  return /\s/.test(String.fromCharCode(code)) ? start : -1;
}

/** The count in text[start, end): exact as `Number` reads it; integers of up to 15 digits without making a string. */
export function parseCount(text: string, start: number, end: number): number {
  if (end - start > 15) return Number(text.slice(start, end));
  let value = 0;
  for (let k = start; k < end; k++) {
    const digit = text.charCodeAt(k) - 48;
    if (digit < 0) return Number(text.slice(start, end)); // a fraction
    value = value * 10 + digit;
  }
  return value;
}

function splitFrames(stack: string): string[] {
  if (stack === '') return [];
  if (stack.indexOf(';') < 0) return [stack]; // the common case when lines share their prefix
  const frames = stack.split(';');
  let end = frames.length;
  while (end > 0 && frames[end - 1] === '') end--;
  return end === frames.length ? frames : frames.slice(0, end);
}

/**
 * Writes stacks as folded lines that `parseStacks` reads back as the same stacks, with frame names
 * in canonical form (see canonicalFrameName). Rendering the result gives the same SVG as rendering the
 * stacks directly.
 */
export function formatFolded(stacks: Iterable<Stack>): string {
  const lines: string[] = [];
  for (const stack of stacks) {
    let line = stack.frames.map(canonicalFrameName).join(';') + ' ' + formatCount(stack.value);
    if (stack.value2 !== undefined) line += ' ' + formatCount(stack.value2);
    lines.push(line + '\n');
  }
  return lines.join('');
}

/** A count as plain decimal digits (no exponent), the shortest text that reads back exactly. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`a stack count must be a finite number ≥ 0, not ${value}`);
  }
  const text = integerText(value);
  const exp = text.indexOf('e');
  if (exp < 0) return text;
  // Expand `d.ddde±n`: shift the decimal point in the digit string.
  const mantissa = text.slice(0, exp);
  const power = Number(text.slice(exp + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const pointAt = (dot < 0 ? mantissa.length : dot) + power;
  if (pointAt <= 0) return '0.' + '0'.repeat(-pointAt) + digits;
  if (pointAt >= digits.length) return digits + '0'.repeat(pointAt - digits.length);
  return digits.slice(0, pointAt) + '.' + digits.slice(pointAt);
}

/** `out.ascii(formatCount(value))`, without the string for whole numbers below 2^31. */
export function writeCount(out: ByteWriter, value: number): void {
  if (Number.isInteger(value) && value >= 0 && value < 2 ** 31) out.digits(value);
  else out.ascii(formatCount(value));
}

/**
 * Adds the folded lines of a text to a tree builder: the same tree as adding `parseFoldedLine` of
 * each line (CRLF or LF), but faster. Lines are not split into strings: the reader walks offsets
 * in the one text. The frames a line shares with the line before (most of them, in sorted or
 * depth-first files) are found by comparing the two stack texts, and neither split nor looked up
 * again. Returns the 1-based numbers of the malformed lines, which are skipped (blank lines are
 * skipped silently).
 *
 * With `utf8Bytes`, the text holds the bytes of UTF-8 text one per character, as latin1 decoding
 * makes them (a copy, several times faster than UTF-8 decoding). Names with bytes beyond ASCII
 * are then decoded one by one, and so are the rare lines that need decoding to be read (Unicode
 * whitespace before a count). The tree is the same as for the decoded text.
 */
export function addFoldedText(text: string, builder: FrameTreeBuilder, utf8Bytes: boolean): number[] {
  return new FoldedReader(text, builder, utf8Bytes).read();
}

/**
 * The reader's state between lines. The work of a line is split into small methods: V8 optimizes
 * each soon after it gets hot, where one large loop would be compiled late and slowly.
 */
class FoldedReader {
  private readonly malformed: number[] = [];
  // The previous stack: where it starts, its length, and its frames (the offset of the `;` after
  // each one but the last, relative to the start of the line, and its node).
  private previous = 0;
  private previousLength = 0;
  private readonly bounds: number[] = [];
  private readonly nodes: number[] = [];
  private depth = 0;
  // The counts of the line being read.
  private value = 0;
  private value2: number | undefined;

  constructor(
    private readonly text: string,
    private readonly builder: FrameTreeBuilder,
    private readonly utf8Bytes: boolean,
  ) {}

  read(): number[] {
    const text = this.text;
    let lineNumber = 0;
    for (let start = 0; start <= text.length; ) {
      let next = text.indexOf('\n', start);
      if (next < 0) next = text.length;
      lineNumber++;
      this.line(start, next > start && text.charCodeAt(next - 1) === 13 ? next - 1 : next, lineNumber);
      start = next + 1;
    }
    return this.malformed;
  }

  private line(lineStart: number, lineEnd: number, lineNumber: number): void {
    const text = this.text;
    let end = this.counts(lineStart, lineEnd);
    if (end < 0) {
      if (!isBlank(text.slice(lineStart, lineEnd), this.utf8Bytes)) this.malformed.push(lineNumber);
      return;
    }
    while (end > lineStart && text.charCodeAt(end - 1) === 59) end--; // Perl's split drops trailing empty frames
    const length = end - lineStart;
    const from = this.shared(lineStart, length);
    const node = length > 0 && from <= length ? this.addFrames(lineStart, from, length) : this.depth > 0 ? this.nodes[this.depth - 1]! : 0;
    this.builder.count(node, this.value, this.value2);
    this.previous = lineStart;
    this.previousLength = length;
  }

  /** Reads the count(s) at the end of the line into `value` and `value2`; returns where the stack ends, or -1. */
  private counts(lineStart: number, lineEnd: number): number {
    const text = this.text;
    const last = countStart(text, lineStart, lineEnd, this.utf8Bytes);
    const first = last >= 0 ? countStart(text, lineStart, last - 1, this.utf8Bytes) : -1;
    if (last === -1) return -1;
    if (last === UNDECIDED || first === UNDECIDED) return this.decodedCounts(lineStart, lineEnd);
    const value = parseCount(text, last, lineEnd);
    if (first < 0) {
      this.value = value;
      this.value2 = undefined;
      return last - 1;
    }
    this.value = parseCount(text, first, last - 1);
    this.value2 = value;
    return first - 1;
  }

  /** `counts` for a line of UTF-8 bytes with whitespace beyond ASCII before a count: read decoded. */
  private decodedCounts(lineStart: number, lineEnd: number): number {
    const decoded = decodeUtf8(this.text.slice(lineStart, lineEnd));
    const split = splitFoldedLine(decoded);
    if (split === undefined) return -1;
    this.value = split.counts.value;
    this.value2 = split.counts.value2;
    // The stack is the line without the UTF-8 of the rest.
    return lineEnd - Buffer.byteLength(decoded.slice(split.stack.length), 'utf8');
  }

  /**
   * The most whole frames the stack shares with the previous one, tried from the deepest (in
   * sorted or depth-first files the first try usually succeeds); sets `depth` to their number and
   * returns where the next frame starts. (`slice` and `===` are faster than `startsWith` here.)
   */
  private shared(lineStart: number, length: number): number {
    const { text, previous, previousLength } = this;
    if (
      previousLength > 0 &&
      length >= previousLength &&
      (length === previousLength || text.charCodeAt(lineStart + previousLength) === 59) &&
      text.slice(lineStart, lineStart + previousLength) === text.slice(previous, previous + previousLength)
    ) {
      return previousLength + 1; // all of them: `depth` stays
    }
    for (let j = this.depth - 2; j >= 0; j--) {
      const at = this.bounds[j]!;
      if (at < length && text.charCodeAt(lineStart + at) === 59 && text.slice(lineStart, lineStart + at) === text.slice(previous, previous + at)) {
        this.depth = j + 1;
        return at + 1;
      }
    }
    this.depth = 0;
    return 0;
  }

  /** Adds the frames from `from` to the next `;`, the last one to `length`; returns the last node. */
  private addFrames(lineStart: number, from: number, length: number): number {
    const { text, builder, utf8Bytes, bounds, nodes } = this;
    let depth = this.depth;
    let node = depth > 0 ? nodes[depth - 1]! : 0;
    for (;;) {
      // To the next `;`, noting any character that may need work (canonicalFrameName, UTF-8 decoding).
      let to = from;
      let plain = true;
      for (; to < length; to++) {
        const c = text.charCodeAt(lineStart + to);
        if (c === 59) break;
        if (c < 32 || c > 126) plain = false;
      }
      const raw = text.slice(lineStart + from, lineStart + to);
      const canonical = plain && to > from && !endsLikeCount(text, lineStart + from, lineStart + to);
      // One call for both kinds of name: V8 then has seen it called before it optimizes this loop.
      node = builder.child(node, canonical || !utf8Bytes ? raw : decodedName(raw), canonical);
      if (depth > 0) bounds[depth - 1] = from - 1;
      nodes[depth++] = node;
      if (to === length) break;
      from = to + 1;
    }
    this.depth = depth;
    return node;
  }
}

/** A name read from UTF-8 bytes held one per character. */
const decodedName = (raw: string) => (hasHighBytes(raw) ? decodeUtf8(raw) : raw);

/** `\s*` only; UTF-8 bytes beyond ASCII are decoded to tell. */
function isBlank(line: string, utf8Bytes: boolean): boolean {
  return /^\s*$/.test(utf8Bytes && hasHighBytes(line) ? decodeUtf8(line) : line);
}

/** The lines of a text, without their line ends (LF or CRLF), made one at a time. */
export function* textLines(text: string): Generator<string> {
  for (let start = 0; start <= text.length; ) {
    let next = text.indexOf('\n', start);
    if (next < 0) next = text.length;
    yield text.slice(start, next > start && text.charCodeAt(next - 1) === 13 ? next - 1 : next);
    start = next + 1;
  }
}

export const hasHighBytes = (text: string) => /[^\x00-\x7f]/.test(text);

/** Text from its UTF-8 bytes held one per character. */
export const decodeUtf8 = (bytes: string) => Buffer.from(bytes, 'latin1').toString('utf8');
