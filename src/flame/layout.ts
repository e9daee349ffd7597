import { hierarchy, partition, type HierarchyNode } from 'd3-hierarchy';
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

/** The fields of a d3 hierarchy node that are set here, and `x0`, which the partition sets. */
interface LayoutNode {
  data: number;
  depth: number;
  height: number;
  value: number;
  parent: LayoutNode | null;
  children?: LayoutNode[];
  x0: number;
}

/**
 * Drops frames narrower than `minValue` (their weight stays in the parent, whose width already
 * includes it), then lays out the rest with d3-hierarchy's partition: each frame as wide as its
 * count, children side by side from their parent's left edge.
 *
 * The d3 nodes are made here, from the pre-ordered tree, rather than by `d3.hierarchy()`: its
 * height pass walks up from every node and is quadratic on a chain (a 50,000-frame stack took
 * 9.5 s). `hierarchy.prototype` is d3's node prototype, so these are ordinary d3 nodes.
 */
export function layoutFrames(tree: FrameTree, total: number, minValue: number): FlameLayout {
  const nodes: LayoutNode[] = [];
  const open: LayoutNode[] = []; // the current path, by depth
  let prunedFrames = 0;
  let prunedValue = 0;
  for (let i = 0; i < tree.size; ) {
    if (i > 0 && tree.total[i]! < minValue) {
      prunedFrames += tree.end[i]! - i;
      prunedValue += tree.total[i]!;
      i = tree.end[i]!;
      continue;
    }
    const depth = tree.depth[i]!;
    const node = Object.create(hierarchy.prototype) as LayoutNode;
    node.data = i;
    node.depth = depth;
    node.height = 0;
    node.value = i === 0 ? total : tree.total[i]!;
    node.parent = depth > 0 ? open[depth - 1]! : null;
    if (node.parent) (node.parent.children ??= []).push(node);
    open[depth] = node;
    nodes.push(node);
    i++;
  }
  for (let k = nodes.length - 1; k > 0; k--) {
    const { parent, height } = nodes[k]!;
    parent!.height = Math.max(parent!.height, height + 1);
  }
  const root = nodes[0]!;
  partition<number>().size([total, root.height + 1])(root as unknown as HierarchyNode<number>);

  const frames = new Int32Array(nodes.length);
  const start = new Float64Array(nodes.length);
  for (let k = 0; k < nodes.length; k++) {
    frames[k] = nodes[k]!.data;
    start[k] = nodes[k]!.x0;
  }
  return { frames, start, total, maxDepth: root.height, pruned: { frames: prunedFrames, value: prunedValue } };
}
