import type { FlameOptions } from './options.js';
import { hierarchy, partition, type HierarchyNode } from 'd3-hierarchy';
import type { FrameTree } from './tree.js';

/** Where everything goes on the page, from the options and the depth of the drawn tree. */
export interface Geometry {
  readonly width: number;
  readonly height: number;
  /** Left and right margin; frames span [xpad, width - xpad]. */
  readonly xpad: number;
  readonly plotWidth: number;
  readonly titleY: number;
  /** Baselines of the lines under the title: the subtitle (when given), the summary, the colour legend (differential graphs). */
  readonly headerY: readonly number[];
  /** Baseline of the details and "Matched" line: under the header for icicles, at the bottom otherwise. */
  readonly detailsY: number;
  /** Top of the rectangle of a frame at depth 0; depth d is `frameTop0 + d * depthStep`. */
  readonly frameTop0: number;
  readonly depthStep: number;
  /** Rectangle height: one pixel less than the row, as in flamegraph.pl. */
  readonly rectHeight: number;
  /** From the top of a rectangle to the baseline of its label. */
  readonly labelDy: number;
}

const XPAD = 10;

/** Width available to frames. */
export function plotWidth(o: FlameOptions): number {
  return o.width - 2 * XPAD;
}

export function geometry(o: FlameOptions, maxDepth: number, legend = false): Geometry {
  const fs = o.fontSize;
  const titleY = fs * 2;
  const lines = (o.subtitle ? 2 : 1) + (legend ? 1 : 0);
  const headerY = Array.from({ length: lines }, (_, k) => round1(titleY + (k + 1) * fs * 1.75));
  const headerBottom = headerY[lines - 1]! + fs;
  const detailsLine = fs * 2 + 10;
  const rows = (maxDepth + 1) * o.frameHeight;
  const top = o.inverted ? headerBottom + detailsLine : headerBottom;
  const bottom = o.inverted ? 10 : detailsLine;
  const height = Math.ceil(top + rows + bottom);
  return {
    width: o.width,
    height,
    xpad: XPAD,
    plotWidth: plotWidth(o),
    titleY,
    headerY,
    detailsY: round1(o.inverted ? headerBottom + detailsLine / 2 : height - detailsLine / 2),
    frameTop0: o.inverted ? top : height - bottom - o.frameHeight + 1,
    depthStep: o.inverted ? o.frameHeight : -o.frameHeight,
    rectHeight: o.frameHeight - 1,
    labelDy: round1((o.frameHeight - 1) / 2 + fs / 3),
  };
}

/** One decimal, as the shortest text: 12.25 → 12.3, 7.0 → 7. */
export function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

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
  const { nodes, pruned } = keptNodes(tree, total, minValue);
  setHeights(nodes);
  const root = nodes[0]!;
  partition<number>().size([total, root.height + 1])(root as unknown as HierarchyNode<number>);
  const { frames, start } = positions(nodes);
  return { frames, start, total, maxDepth: root.height, pruned };
}

// Each loop below is a function of its own: code V8 optimized while one loop ran would be thrown
// away at the next, which it had not seen run.

/** d3 nodes of the frames at least `minValue` wide, in pre-order, and what the others add up to. */
function keptNodes(tree: FrameTree, total: number, minValue: number): { nodes: LayoutNode[]; pruned: FlameLayout['pruned'] } {
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
  return { nodes, pruned: { frames: prunedFrames, value: prunedValue } };
}

/** d3's `height`: the depth of each node's subtree, leaves first. */
function setHeights(nodes: LayoutNode[]): void {
  for (let k = nodes.length - 1; k > 0; k--) {
    const { parent, height } = nodes[k]!;
    parent!.height = Math.max(parent!.height, height + 1);
  }
}

/** The tree index and left edge of each node, from the partition. */
function positions(nodes: LayoutNode[]): { frames: Int32Array; start: Float64Array } {
  const frames = new Int32Array(nodes.length);
  const start = new Float64Array(nodes.length);
  for (let k = 0; k < nodes.length; k++) {
    frames[k] = nodes[k]!.data;
    start[k] = nodes[k]!.x0;
  }
  return { frames, start };
}
