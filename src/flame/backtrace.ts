import type { Stack } from './stack.js';

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
