/**
 * One stack of a flame graph: frames from the root to the leaf, and its weight.
 *
 * `value` is the first count of the line. A differential line (`a;b 10 12`, as written by
 * flamegraph.pl's difffolded.pl) also has `value2`: then the frame width is `value2` (the "after"
 * count) and the colour shows `value2 - value`, as in flamegraph.pl.
 */
export interface Stack {
  frames: string[];
  value: number;
  value2?: number;
}
