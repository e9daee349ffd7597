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
  const last = splitTrailingCount(line);
  if (last === undefined) return undefined;
  const first = splitTrailingCount(last.rest);
  if (first === undefined) return { stack: last.rest, counts: { value: last.count } };
  return { stack: first.rest, counts: { value: first.count, value2: last.count } };
}

/**
 * Adds folded lines to a tree builder; the same tree as adding `parseFoldedLine` of each line, but
 * faster: the frames a line shares with the line before (most of them, in sorted or depth-first
 * files) are found by comparing the stack texts, and neither split into strings nor looked up again.
 * Returns the 1-based numbers of the malformed lines, which are skipped.
 */
export function addFoldedLines(lines: readonly string[], builder: FrameTreeBuilder): number[] {
  const malformed: number[] = [];
  let previous = '';
  /** Offsets in `previous` of the `;` after each frame but the last: `bounds[0, boundCount)`. */
  const bounds: number[] = [];
  let boundCount = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const split = splitFoldedLine(line);
    if (split === undefined) {
      if (!/^\s*$/.test(line)) malformed.push(i + 1);
      continue;
    }
    const stack = trimTrailingSeparators(split.stack);
    if (stack === previous && stack !== '') {
      builder.addAfterShared(boundCount + 1, [], split.counts);
      continue;
    }
    // The most whole frames the two stacks share, tried from the deepest; in sorted or depth-first
    // files the first try usually succeeds. (`slice` and `===` are ~10× faster than `startsWith` here.)
    let shared = 0;
    let from = 0;
    if (previous !== '' && stack.charCodeAt(previous.length) === 59 && stack.slice(0, previous.length) === previous) {
      shared = boundCount + 1;
      from = previous.length + 1;
    } else {
      for (let j = boundCount - 1; j >= 0; j--) {
        const at = bounds[j]!;
        if (stack.charCodeAt(at) === 59 && stack.slice(0, at) === previous.slice(0, at)) {
          shared = j + 1;
          from = at + 1;
          break;
        }
      }
    }
    const frames = splitFrames(stack.slice(from));
    builder.addAfterShared(shared, frames, split.counts);
    // Setting an array's length is slow in V8; a count is not.
    boundCount = Math.max(shared - 1, 0);
    if (shared > 0) bounds[boundCount++] = from - 1;
    for (let k = 0, at = from; k < frames.length - 1; k++) {
      at += frames[k]!.length;
      bounds[boundCount++] = at;
      at++;
    }
    previous = stack;
  }
  return malformed;
}

/** `a;b;;` → `a;b`: Perl's `split` drops trailing empty frames. */
function trimTrailingSeparators(stack: string): string {
  let end = stack.length;
  while (end > 0 && stack.charCodeAt(end - 1) === 59) end--;
  return end === stack.length ? stack : stack.slice(0, end);
}

const isDigit = (c: number) => c >= 48 && c <= 57;
/** `\s`, with a fast answer for ASCII. */
const isSpace = (code: number) => (code < 128 ? code === 32 || (code >= 9 && code <= 13) : /\s/.test(String.fromCharCode(code)));

function splitTrailingCount(text: string): { rest: string; count: number } | undefined {
  let start = text.length;
  while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
  if (start > 0 && text.charCodeAt(start - 1) === 46 /* . */) {
    const dot = start - 1;
    start = dot;
    while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
    if (start === dot) return undefined; // `.5` lacks the integer digits
  } else if (start === text.length) {
    return undefined;
  }
  if (start === 0 || !isSpace(text.charCodeAt(start - 1))) return undefined;
  return { rest: text.slice(0, start - 1), count: Number(text.slice(start)) };
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
