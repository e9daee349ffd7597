import type { FrameTree } from './tree.js';

/**
 * Differential flame graphs (two counts per stack: base and new). A frame is as wide as its new
 * count and coloured by its change, descendants included, so the path to what grew is red from the
 * root up to where the growth is. A frame that vanished (new count 0) would have no width at all:
 * it is drawn instead under one frame, GONE_FRAME, at the left of the roots, at its base width and
 * with the frames that led to it, so what vanished is seen and sized too.
 */
export const GONE_FRAME = '(gone)';

/** The figures of a differential graph as a whole. */
export interface Growth {
  base: number;
  /** The new total (the graph's width, but for what (gone) holds). */
  after: number;
  /** What the base held in frames that are not in the new stacks: the width of (gone). */
  gone: number;
}

/** The growth of a differential tree (one made by FrameTreeBuilder or by withGoneFrame). */
export function growthOf(tree: FrameTree): Growth | undefined {
  if (!tree.base || !tree.delta) return undefined;
  const base = tree.base[0]!;
  const after = base + tree.delta[0]!;
  return { base, after, gone: tree.gone ?? 0 };
}

/**
 * The tree with its vanished frames moved under GONE_FRAME (see above); the tree itself when it is
 * not differential or nothing vanished. Every other frame keeps its figures; the root's width grows
 * by what (gone) holds, while its base and change stay those of the whole graph.
 */
export function withGoneFrame(tree: FrameTree): FrameTree {
  const { base, delta } = tree;
  if (!base || !delta) return tree;
  const gone = goneBytes(tree, base);
  if (!(gone[0]! > 0)) return tree;
  // The root, (gone) (-1), below it in pre-order the frames whose subtree lost something entirely
  // (copies, one level deeper), then every frame that still exists.
  const order: number[] = [0, -1];
  for (let i = 1; i < tree.size; i++) {
    if (gone[i]! > 0) order.push(i);
    else i = tree.end[i]! - 1;
  }
  const copies = order.length;
  for (let i = 1; i < tree.size; i++) {
    if (isGone(tree, i)) i = tree.end[i]! - 1;
    else order.push(i);
  }
  const size = order.length;
  const out = {
    size,
    name: new Array<string>(size),
    depth: new Int32Array(size),
    total: new Float64Array(size),
    base: new Float64Array(size),
    delta: new Float64Array(size),
    end: new Int32Array(size),
    stacks: tree.stacks,
    gone: gone[0]!,
  };
  for (let k = 0; k < size; k++) {
    const i = order[k]!;
    if (i < 0) {
      out.name[k] = GONE_FRAME;
      out.depth[k] = 1;
      setFigures(out, k, gone[0]!, gone[0]!, -gone[0]!);
    } else if (k > 0 && k < copies) {
      out.name[k] = tree.name[i]!;
      out.depth[k] = tree.depth[i]! + 1;
      setFigures(out, k, gone[i]!, gone[i]!, -gone[i]!);
    } else {
      out.name[k] = tree.name[i]!;
      out.depth[k] = tree.depth[i]!;
      setFigures(out, k, tree.total[i]!, base[i]!, delta[i]!);
    }
  }
  out.total[0]! += gone[0]!;
  setEnds(out.depth, out.end);
  return out;
}

function setFigures(tree: { total: Float64Array; base: Float64Array; delta: Float64Array }, k: number, total: number, base: number, delta: number): void {
  tree.total[k] = total;
  tree.base[k] = base;
  tree.delta[k] = delta;
}

/** A frame that is in the base only: nothing of it is left. */
const isGone = (tree: FrameTree, i: number) => tree.total[i] === 0 && tree.base![i]! > 0;

/**
 * For each frame, the base count of the frames that vanished at or above it: the frame's whole base
 * if it vanished itself, else the sum of its children's. Children come after their parent in
 * pre-order, so one pass from the end adds each frame into its parent.
 */
function goneBytes(tree: FrameTree, base: Float64Array): Float64Array {
  const gone = new Float64Array(tree.size);
  const parent = parentsOf(tree.depth);
  for (let i = tree.size - 1; i > 0; i--) {
    if (isGone(tree, i)) gone[i] = base[i]!;
    gone[parent[i]!]! += gone[i]!;
  }
  return gone;
}

/** The parent of each frame of a pre-order tree, from the depths. */
function parentsOf(depth: Int32Array): Int32Array {
  const parent = new Int32Array(depth.length).fill(-1);
  const open: number[] = [];
  for (let i = 0; i < depth.length; i++) {
    open.length = depth[i]!;
    parent[i] = open.length > 0 ? open[open.length - 1]! : -1;
    open.push(i);
  }
  return parent;
}

/** Where each frame's subtree ends, from the depths of a pre-order tree. */
function setEnds(depth: Int32Array, end: Int32Array): void {
  const open: number[] = [];
  for (let i = 0; i < depth.length; i++) {
    while (open.length > depth[i]!) end[open.pop()!] = i;
    open.push(i);
  }
  while (open.length > 0) end[open.pop()!] = depth.length;
}
