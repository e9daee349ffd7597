import { parseFoldedLine, splitFoldedLine, addFoldedText, decodeUtf8, hasHighBytes, textLines } from './folded.js';
import { type Stack, FrameTreeBuilder, type FrameTree } from './tree.js';

export type StackFormat = 'folded' | 'backtrace';

export interface ParsedStacks {
  stacks: Stack[];
  /** One sentence per problem, with its 1-based line number; the lines were skipped. */
  warnings: string[];
  format: StackFormat;
}

/** More malformed lines than this are summarised in one warning instead of one each. */
const MAX_LINE_WARNINGS = 20;
/** How many non-blank lines format detection looks at. */
const DETECTION_LINES = 1000;

/**
 * Reads folded stacks or backtrace blocks, whichever the text holds (see `detectFormat`). CRLF
 * and LF line ends both work; a leading byte-order mark is ignored; blank lines are skipped
 * silently; malformed lines are skipped with a warning.
 */
export function parseStacks(text: string): ParsedStacks {
  const lines = splitLines(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const format = detectFormat(lines);
  return { ...(format === 'backtrace' ? backtraceStacks(lines) : foldedStacks(lines)), format };
}

/**
 * `buildFrameTree(parseStacks(text).stacks, reverse)`, with the same result, but faster for folded
 * text: lines go straight into the tree without becoming Stack objects (see `addFoldedText`).
 */
export function readFrameTree(text: string, reverse: boolean): FrameTreeResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const format = detectFormat(textLines(body));
  if (format === 'folded' && !reverse) return foldedTree(body, false);
  const lines = splitLines(body);
  const builder = new FrameTreeBuilder(reverse);
  const parsed = format === 'backtrace' ? backtraceStacks(lines) : foldedStacks(lines);
  for (const stack of parsed.stacks) builder.addStack(stack);
  return { tree: builder.finish(), warnings: parsed.warnings, format };
}

export interface FrameTreeResult {
  tree: FrameTree;
  /** One sentence per problem, with its 1-based line number; the lines were skipped. */
  warnings: string[];
  format: StackFormat;
}

/**
 * `readFrameTree(decodeStackText(bytes), reverse)`, with the same result, but faster for UTF-8
 * folded stacks: the bytes become text one character per byte (latin1 decoding, a copy) and only
 * what needs it is decoded as UTF-8 (see `addFoldedText`).
 */
export function readFrameTreeFromBytes(bytes: Uint8Array, reverse: boolean): FrameTreeResult {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (reverse || isUtf16(buffer)) return readFrameTree(decodeStackText(buffer), reverse);
  const hasBom = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
  const oneCharPerByte = buffer.toString('latin1', hasBom ? 3 : 0);
  if (detectFormat(decodedLines(textLines(oneCharPerByte))) !== 'folded') return readFrameTree(decodeStackText(buffer), reverse);
  return foldedTree(oneCharPerByte, true);
}

function foldedTree(text: string, utf8Bytes: boolean): FrameTreeResult {
  // Room for a new frame every 64 characters: generated Go stacks average one per ~200.
  const builder = new FrameTreeBuilder(false, Math.max(1024, Math.ceil(text.length / 64)));
  const warnings = malformedWarnings(addFoldedText(text, builder, utf8Bytes));
  return { tree: builder.finish(), warnings, format: 'folded' };
}

function* decodedLines(utf8Lines: Iterable<string>): Generator<string> {
  for (const line of utf8Lines) yield hasHighBytes(line) ? decodeUtf8(line) : line;
}

function foldedStacks(lines: string[]): { stacks: Stack[]; warnings: string[] } {
  const stacks: Stack[] = [];
  const malformed: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const stack = parseFoldedLine(line);
    if (stack) stacks.push(stack);
    else if (!isBlank(line)) malformed.push(i + 1);
  }
  return { stacks, warnings: malformedWarnings(malformed) };
}

function backtraceStacks(lines: string[]): { stacks: Stack[]; warnings: string[] } {
  const { stacks, unfinishedAt } = parseBacktraceLines(lines);
  const warnings = unfinishedAt.map((line) => `line ${line}: backtrace block has no count line after its frames; skipped.`);
  return { stacks, warnings };
}

const isUtf16 = (bytes: Uint8Array) => (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);

/** Bytes of a stack file as text: UTF-8, or UTF-16 when it starts with a UTF-16 byte-order mark. */
export function decodeStackText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  // Buffer's decoder is several times faster than TextDecoder's; bad bytes become U+FFFD in both.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Lines without their line ends (LF or CRLF). */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.charCodeAt(line.length - 1) === 13) lines[i] = line.slice(0, -1);
  }
  return lines;
}

const isBlank = (line: string) => /^\s*$/.test(line);

/**
 * Backtrace blocks end in a line holding only a count, and their frame lines are not folded lines.
 * So: find the first count-only line among the first non-blank lines; the text is backtraces when
 * most non-blank lines before it do not parse as folded lines. (A count-only line can also be a
 * folded line with an empty stack, but then the lines before it are folded lines.)
 */
export function detectFormat(lines: Iterable<string>): StackFormat {
  let seen = 0;
  let notFolded = 0;
  for (const line of lines) {
    if (isBlank(line)) continue;
    if (countLine.test(line)) return seen > 0 && notFolded * 2 > seen ? 'backtrace' : 'folded';
    if (++seen > DETECTION_LINES) break;
    if (splitFoldedLine(line) === undefined) notFolded++; // parseFoldedLine without splitting the frames
  }
  return 'folded';
}

function malformedWarnings(lineNumbers: number[]): string[] {
  const warnings = lineNumbers
    .slice(0, MAX_LINE_WARNINGS)
    .map((n) => `line ${n}: not a folded stack ("frame;frame;… count"); skipped.`);
  const more = lineNumbers.length - MAX_LINE_WARNINGS;
  if (more > 0) warnings.push(`${more} more malformed lines skipped (last at line ${lineNumbers.at(-1)}).`);
  return warnings;
}

/**
 * SystemTap-style backtrace blocks, as `viewcore objref` writes them and stackcollapse-stap.pl
 * reads them: one frame per line, leaf first, then a line holding only the count.
 *
 * ```
 * *main.Session 0xc000123000
 * .sessions
 * main.sessions 0x5a0b20
 * 	4096
 * ```
 * Frames are cleaned as stackcollapse-stap.pl does: leading whitespace, a `+offset` suffix (from
 * the last `+`) and an `ADDRESS : ` prefix are removed, and an empty frame becomes `-`. Counts may
 * have a fraction, as in folded lines.
 */
export const countLine = /^\s*(\d+(?:\.\d*)?)$/;
const blankLine = /^\s*$/;

export interface BacktraceResult {
  stacks: Stack[];
  /** 1-based line numbers of blocks that end without a count line. */
  unfinishedAt: number[];
}

export function parseBacktraceLines(lines: string[]): BacktraceResult {
  const stacks: Stack[] = [];
  const unfinishedAt: number[] = [];
  let leafFirst: string[] = [];
  let blockStart = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const count = countLine.exec(line);
    if (count) {
      stacks.push({ frames: leafFirst.reverse(), value: Number(count[1]) });
      leafFirst = [];
    } else if (!blankLine.test(line)) {
      if (leafFirst.length === 0) blockStart = i + 1;
      leafFirst.push(cleanFrame(line));
    }
  }
  if (leafFirst.length > 0) unfinishedAt.push(blockStart);
  return { stacks, unfinishedAt };
}

function cleanFrame(line: string): string {
  const frame = line
    .replace(/^\s+/, '')
    .replace(/\+[^+]*$/, '')
    .replace(/^.* : /, '');
  return frame === '' ? '-' : frame;
}
