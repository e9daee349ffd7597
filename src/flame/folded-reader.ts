import { countStart, parseCount, splitFoldedLine, UNDECIDED } from './folded.js';
import { isCanonicalName } from './frame-names.js';
import type { FrameTreeBuilder } from './tree.js';

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
  const malformed: number[] = [];
  // The previous stack: where it starts, its length, and its frames (the offset of the `;` after
  // each one but the last, relative to the start of the line, and its node).
  let previous = 0;
  let previousLength = 0;
  const bounds: number[] = [];
  const nodes: number[] = [];
  let depth = 0;
  let lineNumber = 0;
  for (let start = 0; start <= text.length; ) {
    let next = text.indexOf('\n', start);
    if (next < 0) next = text.length;
    lineNumber++;
    const lineEnd = next > start && text.charCodeAt(next - 1) === 13 ? next - 1 : next;
    const lineStart = start;
    start = next + 1;

    let value: number;
    let value2: number | undefined;
    let end: number; // of the stack
    const last = countStart(text, lineStart, lineEnd, utf8Bytes);
    const first = last >= 0 ? countStart(text, lineStart, last - 1, utf8Bytes) : -1;
    if (last >= 0 && first !== UNDECIDED) {
      value = parseCount(text, last, lineEnd);
      if (first >= 0) {
        value2 = value;
        value = parseCount(text, first, last - 1);
        end = first - 1;
      } else {
        end = last - 1;
      }
    } else {
      const line = text.slice(lineStart, lineEnd);
      const decoded = utf8Bytes && hasHighBytes(line) ? decodeUtf8(line) : line;
      const split = last === -1 ? undefined : splitFoldedLine(decoded);
      if (split === undefined) {
        if (!/^\s*$/.test(decoded)) malformed.push(lineNumber);
        continue;
      }
      // Whitespace beyond ASCII before a count: the stack is the line without the UTF-8 of the rest.
      ({ value, value2 } = split.counts);
      end = lineEnd - Buffer.byteLength(decoded.slice(split.stack.length), 'utf8');
    }
    while (end > lineStart && text.charCodeAt(end - 1) === 59) end--; // Perl's split drops trailing empty frames
    const length = end - lineStart;

    // The most whole frames the two stacks share, tried from the deepest; in sorted or depth-first
    // files the first try usually succeeds. (`slice` and `===` are faster than `startsWith` here.)
    let shared = 0;
    let from = 0;
    if (
      previousLength > 0 &&
      length >= previousLength &&
      (length === previousLength || text.charCodeAt(lineStart + previousLength) === 59) &&
      text.slice(lineStart, lineStart + previousLength) === text.slice(previous, previous + previousLength)
    ) {
      shared = depth;
      from = previousLength + 1;
    } else {
      for (let j = depth - 2; j >= 0; j--) {
        const at = bounds[j]!;
        if (at < length && text.charCodeAt(lineStart + at) === 59 && text.slice(lineStart, lineStart + at) === text.slice(previous, previous + at)) {
          shared = j + 1;
          from = at + 1;
          break;
        }
      }
    }
    let node = shared > 0 ? nodes[shared - 1]! : 0;
    depth = shared;
    if (length > 0 && from <= length) {
      // The frames after the shared ones: from `from` to the next `;`, the last one to `length`.
      for (;;) {
        let to = from;
        while (to < length && text.charCodeAt(lineStart + to) !== 59) to++;
        const raw = text.slice(lineStart + from, lineStart + to);
        if (to > from && isCanonicalName(text, lineStart + from, lineStart + to, utf8Bytes)) node = builder.child(node, raw, true);
        else node = builder.child(node, utf8Bytes && hasHighBytes(raw) ? decodeUtf8(raw) : raw);
        if (depth > 0) bounds[depth - 1] = from - 1;
        nodes[depth++] = node;
        if (to === length) break;
        from = to + 1;
      }
    }
    builder.count(node, value, value2);
    previous = lineStart;
    previousLength = length;
  }
  return malformed;
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
