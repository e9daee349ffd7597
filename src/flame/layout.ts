import { hierarchy, partition } from 'd3-hierarchy';
import type { FrameTree } from './tree.js';

/** The frames to draw, in pre-order, with their horizontal extent in count units. */
export interface FlameLayout {
  /** Tree index of each drawn frame. */
  readonly frames: Int32Array;
  /** Where each drawn frame starts, in counts from the left edge (the root starts at 0). */
  readonly start: Float64Array;
  /** The count that spans the full width: the tree total, or a larger `--total`. */
  readonly total: number;
  /** Depth of the deepest drawn frame. */
  readonly maxDepth: number;
  /** Frames dropped for being narrower than the minimum, and their weight (kept in their parents). */
  readonly pruned: { frames: number; value: number };
}

/**
 * Drops frames narrower than `minValue` (their weight stays in the parent, whose width already
 * includes it), then partitions the rest with d3-hierarchy: each frame is as wide as its count and
 * children sit side by side from their parent's left edge. Runs only on the frames that survive,
 * so a huge input with a small picture stays cheap.
 */
export function layoutFrames(tree: FrameTree, total: number, minValue: number): FlameLayout {
  const drawn = (i: number) => i === 0 || tree.total[i]! >= minValue;
  // What a frame adds beyond its drawn children: its own count plus its pruned children's.
  const own = new Float64Array(tree.size);
  let prunedFrames = 0;
  let prunedValue = 0;
  const root = hierarchy(0, (i) => {
    const kids: number[] = [];
    let rest = i === 0 ? total : tree.total[i]!;
    for (let j = i + 1; j < tree.end[i]!; j = tree.end[j]!) {
      if (drawn(j)) {
        kids.push(j);
        rest -= tree.total[j]!;
      } else {
        prunedFrames += tree.end[j]! - j;
        prunedValue += tree.total[j]!;
      }
    }
    own[i] = rest;
    return kids;
  }).sum((i) => own[i]!);
  const laid = partition<number>().size([total, root.height + 1])(root);

  const frames = new Int32Array(laid.descendants().length);
  const start = new Float64Array(frames.length);
  let k = 0;
  laid.eachBefore((node) => {
    frames[k] = node.data;
    start[k] = node.x0;
    k++;
  });
  return { frames, start, total, maxDepth: root.height, pruned: { frames: prunedFrames, value: prunedValue } };
}
