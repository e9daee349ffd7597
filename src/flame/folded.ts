import { canonicalFrameName } from './frame-names.js';
import { integerText } from './number-text.js';
import type { Stack } from './stack.js';

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
 * `utf8Bytes`: the text holds UTF-8 bytes one per character (see folded-reader.ts).
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
