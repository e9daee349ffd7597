import type { FoldedStack } from './fold.js';

/** What a stack holds in one dump. */
export interface StackWeight {
  bytes: number;
  objects: number;
}

/** One stack of two dumps: what ends there in the base and in the new dump (zero where it is missing). */
export interface DiffStack {
  frames: string[];
  base: StackWeight;
  after: StackWeight;
}

/**
 * Matches the stacks of two dumps by their frames (flamegraph.pl's difffolded.pl does the same with
 * folded files): the new dump's stacks in their order, then those only the base has, in theirs.
 */
export function diffStacks(base: readonly FoldedStack[], after: readonly FoldedStack[]): DiffStack[] {
  const byPath = new Map<string, DiffStack>();
  const out: DiffStack[] = [];
  const add = (s: FoldedStack, into: 'base' | 'after') => {
    const key = s.frames.join('\u0000');
    let d = byPath.get(key);
    if (!d) {
      d = { frames: s.frames, base: { bytes: 0, objects: 0 }, after: { bytes: 0, objects: 0 } };
      byPath.set(key, d);
      out.push(d);
    }
    d[into].bytes += s.bytes;
    d[into].objects += s.objects;
  };
  for (const s of after) add(s, 'after');
  for (const s of base) add(s, 'base');
  return out;
}
