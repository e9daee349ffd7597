import { canonicalFrameName } from './frame-names.js';
import type { Stack } from './stack.js';
import type { FrameTreeBuilder } from './tree.js';

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
function splitFoldedLine(line: string): { stack: string; counts: { value: number; value2?: number } } | undefined {
  const last = countStart(line, line.length, false);
  if (last < 0) return undefined;
  const value = parseCount(line, last, line.length);
  const first = countStart(line, last - 1, false);
  if (first < 0) return { stack: line.slice(0, last - 1), counts: { value } };
  return { stack: line.slice(0, first - 1), counts: { value: parseCount(line, first, last - 1), value2: value } };
}

/**
 * Adds folded lines to a tree builder; the same tree as adding `parseFoldedLine` of each line, but
 * faster: the frames a line shares with the line before (most of them, in sorted or depth-first
 * files) are found by comparing the stack texts, and neither split into strings nor looked up again.
 * Returns the 1-based numbers of the malformed lines, which are skipped.
 *
 * With `utf8Bytes`, each line holds the bytes of UTF-8 text, one character per byte (as latin1
 * decoding makes them, several times faster than UTF-8 decoding); frame names with bytes beyond
 * ASCII are decoded one by one, and so are the rare lines that need decoding to be read. Both give
 * the same tree for the same file.
 */
export function addFoldedLines(lines: readonly string[], builder: FrameTreeBuilder, utf8Bytes = false): number[] {
  const malformed: number[] = [];
  /** The previous line, the end of its stack, and its frames: the offset of the `;` after each but the last, and its node. */
  let previous = '';
  let previousEnd = 0;
  const bounds: number[] = [];
  const nodes: number[] = [];
  let depth = 0; // frames in the previous stack
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    let value: number;
    let value2: number | undefined;
    let end: number; // of the stack
    const last = countStart(line, line.length, utf8Bytes);
    const first = last >= 0 ? countStart(line, last - 1, utf8Bytes) : -1;
    if (last >= 0 && first !== UNDECIDED) {
      value = parseCount(line, last, line.length);
      if (first >= 0) {
        value2 = value;
        value = parseCount(line, first, last - 1);
        end = first - 1;
      } else {
        end = last - 1;
      }
    } else {
      const decoded = utf8Bytes && hasHighBytes(line) ? decodeUtf8(line) : line;
      const split = last === -1 ? undefined : splitFoldedLine(decoded);
      if (split === undefined) {
        if (!/^\s*$/.test(decoded)) malformed.push(i + 1);
        continue;
      }
      // Whitespace beyond ASCII before a count: the stack is the line without the UTF-8 of the rest.
      ({ value, value2 } = split.counts);
      end = line.length - Buffer.byteLength(decoded.slice(split.stack.length), 'utf8');
    }
    while (end > 0 && line.charCodeAt(end - 1) === 59) end--; // Perl's split drops trailing empty frames

    // The most whole frames the two stacks share, tried from the deepest; in sorted or depth-first
    // files the first try usually succeeds. (`slice` and `===` are faster than `startsWith` here.)
    let shared = 0;
    let from = 0;
    if (previousEnd > 0 && end >= previousEnd && (end === previousEnd || line.charCodeAt(previousEnd) === 59) && line.slice(0, previousEnd) === previous.slice(0, previousEnd)) {
      shared = depth;
      from = previousEnd + 1;
    } else {
      for (let j = depth - 2; j >= 0; j--) {
        const at = bounds[j]!;
        if (at < end && line.charCodeAt(at) === 59 && line.slice(0, at) === previous.slice(0, at)) {
          shared = j + 1;
          from = at + 1;
          break;
        }
      }
    }
    let node = shared > 0 ? nodes[shared - 1]! : 0;
    depth = shared;
    if (end > 0 && from <= end) {
      // The frames after the shared ones; `from` is the start of the next frame, `end` of the last.
      for (;;) {
        let to = line.indexOf(';', from);
        if (to < 0 || to > end) to = end;
        const raw = line.slice(from, to);
        node = builder.child(node, utf8Bytes && hasHighBytes(raw) ? decodeUtf8(raw) : raw);
        if (depth > 0) bounds[depth - 1] = from - 1;
        nodes[depth++] = node;
        if (to === end) break;
        from = to + 1;
      }
    }
    builder.count(node, value, value2);
    previous = line;
    previousEnd = end;
  }
  return malformed;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAsciiSpace = (code: number) => code === 32 || (code >= 9 && code <= 13);

/** countStart's answer for bytes when the character before the count is beyond ASCII: decode to tell. */
const UNDECIDED = -2;

/**
 * Where the count that ends at `end` starts: digits with an optional fraction (`12`, `1.5`, `3.`),
 * right after a whitespace character (`\s`); -1 when there is none.
 */
function countStart(text: string, end: number, utf8Bytes: boolean): number {
  let start = end;
  while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
  if (start > 0 && text.charCodeAt(start - 1) === 46 /* . */) {
    const dot = start - 1;
    start = dot;
    while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
    if (start === dot) return -1; // `.5` lacks the integer digits
  } else if (start === end) {
    return -1;
  }
  if (start === 0) return -1;
  const code = text.charCodeAt(start - 1);
  if (code < 128) return isAsciiSpace(code) ? start : -1;
  if (utf8Bytes) return UNDECIDED;
  return /\s/.test(String.fromCharCode(code)) ? start : -1;
}

/** The count in text[start, end): exact as `Number` reads it; integers of up to 15 digits without making a string. */
function parseCount(text: string, start: number, end: number): number {
  if (end - start > 15) return Number(text.slice(start, end));
  let value = 0;
  for (let k = start; k < end; k++) {
    const digit = text.charCodeAt(k) - 48;
    if (digit < 0) return Number(text.slice(start, end)); // a fraction
    value = value * 10 + digit;
  }
  return value;
}

export const hasHighBytes = (text: string) => /[^\x00-\x7f]/.test(text);
/** Text from its UTF-8 bytes held one per character. */
export const decodeUtf8 = (bytes: string) => Buffer.from(bytes, 'latin1').toString('utf8');

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
 * in canonical form (see frame-names.ts). Rendering the result gives the same SVG as rendering the
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
  const text = String(value);
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
