import { offsetOverflow, type ReferenceGraph } from './reference-graph.js';
import { type RetentionTree, unreached } from './retention-tree.js';

/** parent[] value of an object that no single root dominates: several roots reach it by separate paths. */
export const sharedByRoots = -0x7fff_ffff;

/** The dominator tree in the retention tree's form, with what the shared frame needs to say. */
export interface DominatorTree extends RetentionTree {
  /** How many roots reach the objects no single root dominates (by paths through objects they alone hold). */
  readonly sharingRoots: number;
}

/**
 * The dominator tree of the reference graph, with a super-root above every root: each reachable
 * object's parent is its immediate dominator, the object (or root) that every path from the roots to it
 * passes through, so a frame's subtree is what would be freed without it: its retained size.
 * Objects whose only dominator is the super-root get `sharedByRoots`.
 *
 * The semi-NCA algorithm (Lengauer–Tarjan's semidominators, then nearest common ancestors;
 * Georgiadis, 2005): near-linear, with an explicit stack everywhere (millions of objects). The
 * offset of an object is that of a pointer from its dominator to it where there is one (the BFS
 * tree's, when it agrees), else offsetOverflow (held through other objects).
 */
export function buildDominatorTree(graph: ReferenceGraph, bfs: RetentionTree): DominatorTree {
  const flow = new FlowGraph(graph);
  // Arrays of one number per node are reused once their job is done: the heap has millions of objects.
  const { vertex, dfsParent, count, scratch } = flow.depthFirst();
  const semi = flow.semidominators(vertex, dfsParent, count, scratch);
  const idom = nearestCommonAncestors(dfsParent, semi, count, scratch[0]);
  return toRetentionTree(graph, bfs, flow, vertex, idom, count, scratch[1]);
}

/**
 * The graph as nodes: 0 is the super-root, 1 + r root r, 1 + R + o object o; with predecessor lists
 * in CSR form (the graph has only successors).
 */
class FlowGraph {
  readonly size: number;
  readonly roots: number;
  readonly predStart: Int32Array;
  readonly preds: Int32Array;

  constructor(readonly graph: ReferenceGraph) {
    const roots = graph.roots.length;
    this.roots = roots;
    this.size = 1 + roots + graph.objectCount;
    const predStart = new Int32Array(this.size + 1);
    const object = 1 + roots;
    for (let r = 0; r < roots; r++) predStart[1 + r + 1]!++;
    for (let e = 0; e < graph.rootEdgeTarget.length; e++) predStart[object + graph.rootEdgeTarget[e]! + 1]!++;
    for (let e = 0; e < graph.edgeTarget.length; e++) predStart[object + graph.edgeTarget[e]! + 1]!++;
    for (let v = 0; v < this.size; v++) predStart[v + 1]! += predStart[v]!;
    const fill = predStart.slice(0, this.size);
    const preds = new Int32Array(predStart[this.size]!);
    for (let r = 0; r < roots; r++) preds[fill[1 + r]!++] = 0;
    for (let r = 0; r < roots; r++) {
      for (let e = graph.rootEdgeStart[r]!; e < graph.rootEdgeStart[r + 1]!; e++) preds[fill[object + graph.rootEdgeTarget[e]!]!++] = 1 + r;
    }
    for (let o = 0; o < graph.objectCount; o++) {
      for (let e = graph.edgeStart[o]!; e < graph.edgeStart[o + 1]!; e++) preds[fill[object + graph.edgeTarget[e]!]!++] = object + o;
    }
    this.predStart = predStart;
    this.preds = preds;
  }

  /** Depth-first numbers of the nodes (-1: not reached); set by depthFirst. */
  dfnum = new Int32Array(0);

  /**
   * Depth-first preorder from the super-root: `vertex[i]` is the node numbered i, `dfsParent[i]` the
   * number of its parent in the depth-first tree, `count` how many nodes were reached.
   */
  depthFirst(): { vertex: Int32Array; dfsParent: Int32Array; count: number; scratch: [Int32Array, Int32Array] } {
    const { graph: g, size, roots } = this;
    const objectBase = 1 + roots;
    const dfnum = new Int32Array(size).fill(-1);
    const vertex = new Int32Array(size);
    const dfsParent = new Int32Array(size);
    // The path from the super-root: each node, and where to look for its next unvisited successor.
    const stackNode = new Int32Array(size);
    const stackNext = new Int32Array(size);
    dfnum[0] = 0;
    let count = 1;
    let top = 1;
    while (top > 0) {
      const v = stackNode[top - 1]!;
      // Successors of v: the roots (of the super-root), or the targets of a root's or an object's edges.
      let begin = 0;
      let end = roots;
      let targets: Int32Array | undefined;
      if (v !== 0 && v < objectBase) {
        targets = g.rootEdgeTarget;
        begin = g.rootEdgeStart[v - 1]!;
        end = g.rootEdgeStart[v]!;
      } else if (v !== 0) {
        targets = g.edgeTarget;
        begin = g.edgeStart[v - objectBase]!;
        end = g.edgeStart[v - objectBase + 1]!;
      }
      let i = begin + stackNext[top - 1]!;
      let w = -1;
      for (; i < end; i++) {
        const next = targets ? objectBase + targets[i]! : 1 + i;
        if (dfnum[next] === -1) {
          w = next;
          break;
        }
      }
      if (w < 0) {
        top--;
        continue;
      }
      stackNext[top - 1] = i + 1 - begin;
      dfnum[w] = count;
      vertex[count] = w;
      dfsParent[count++] = dfnum[v]!;
      stackNode[top] = w;
      stackNext[top++] = 0;
    }
    this.dfnum = dfnum;
    return { vertex, dfsParent, count, scratch: [stackNode, stackNext] };
  }

  /**
   * Semidominators (as depth-first numbers), from the last node to the first: the smallest number
   * from which a path reaches the node through larger numbers only. `eval` finds, with path
   * compression over the nodes done so far, the smallest semidominator on the way up.
   */
  semidominators(vertex: Int32Array, dfsParent: Int32Array, count: number, [label, path]: [Int32Array, Int32Array]): Int32Array {
    const semi = new Int32Array(count);
    const ancestor = new Int32Array(count).fill(-1);
    for (let i = 0; i < count; i++) semi[i] = label[i] = i;
    const evaluate = (v: number): number => {
      if (ancestor[v] === -1) return v;
      // Compress the path from v up to the child of its forest root, top down.
      let depth = 0;
      for (let x = v; ancestor[ancestor[x]!] !== -1; x = ancestor[x]!) path[depth++] = x;
      for (let k = depth - 1; k >= 0; k--) {
        const x = path[k]!;
        const a = ancestor[x]!;
        if (semi[label[a]!]! < semi[label[x]!]!) label[x] = label[a]!;
        ancestor[x] = ancestor[a]!;
      }
      return label[v]!;
    };
    const { predStart, preds, dfnum } = this;
    for (let w = count - 1; w > 0; w--) {
      const node = vertex[w]!;
      for (let p = predStart[node]!; p < predStart[node + 1]!; p++) {
        const v = dfnum[preds[p]!]!;
        if (v < 0) continue;
        const u = evaluate(v);
        if (semi[u]! < semi[w]!) semi[w] = semi[u]!;
      }
      ancestor[w] = dfsParent[w]!;
    }
    return semi;
  }
}

/** Immediate dominators (depth-first numbers) from semidominators: walk up from the parent to the first at or above the semidominator. */
function nearestCommonAncestors(dfsParent: Int32Array, semi: Int32Array, count: number, idom: Int32Array): Int32Array {
  idom[0] = 0;
  for (let w = 1; w < count; w++) {
    let d = dfsParent[w]!;
    while (d > semi[w]!) d = idom[d]!;
    idom[w] = d;
  }
  return idom;
}

function toRetentionTree(
  graph: ReferenceGraph, bfs: RetentionTree, flow: FlowGraph, vertex: Int32Array, idom: Int32Array, count: number, bottom: Int32Array,
): DominatorTree {
  const objectBase = 1 + flow.roots;
  const parent = new Int32Array(graph.objectCount).fill(unreached);
  const parentOffset = new Uint32Array(graph.objectCount);
  const order = new Int32Array(graph.objectCount);
  let reached = 0;
  bottom[0] = 0;
  // The root (or the super-root, 0) at the bottom of each node's dominator chain, by depth-first number.
  for (let w = 1; w < count; w++) {
    const node = vertex[w]!;
    const d = idom[w]!;
    bottom[w] = d === 0 ? (node < objectBase ? w : 0) : bottom[d]!;
    if (node < objectBase) continue;
    const obj = node - objectBase;
    const dominator = vertex[d]!;
    order[reached++] = obj;
    if (dominator === 0) {
      parent[obj] = sharedByRoots;
      parentOffset[obj] = offsetOverflow;
    } else if (dominator < objectBase) {
      parent[obj] = -dominator; // -1 - (dominator - 1): root dominator - 1
      parentOffset[obj] = offsetFrom(graph, bfs, obj, -dominator);
    } else {
      parent[obj] = dominator - objectBase;
      parentOffset[obj] = offsetFrom(graph, bfs, obj, dominator - objectBase);
    }
  }
  return { parent, parentOffset, order: order.slice(0, reached), rootOrder: bfs.rootOrder, sharingRoots: sharingRoots(flow, vertex, idom, bottom, count) };
}

/** The offset of a pointer from `holder` (an object, or -1 - r for root r) to `obj`; offsetOverflow when there is none. */
function offsetFrom(graph: ReferenceGraph, bfs: RetentionTree, obj: number, holder: number): number {
  if (bfs.parent[obj] === holder) return bfs.parentOffset[obj]!;
  const [start, end, targets, offsets] =
    holder >= 0
      ? [graph.edgeStart[holder]!, graph.edgeStart[holder + 1]!, graph.edgeTarget, graph.edgeOffset]
      : [graph.rootEdgeStart[-1 - holder]!, graph.rootEdgeStart[-holder]!, graph.rootEdgeTarget, graph.rootEdgeOffset];
  for (let e = start; e < end; e++) if (targets[e] === obj) return offsets[e]!;
  return offsetOverflow;
}

/**
 * How many roots reach the shared objects: the distinct roots at the bottom of the dominator chains
 * of their predecessors (a predecessor that is itself shared adds none).
 */
function sharingRoots(flow: FlowGraph, vertex: Int32Array, idom: Int32Array, bottom: Int32Array, count: number): number {
  const seen = new Uint8Array(count);
  let roots = 0;
  for (let w = 1; w < count; w++) {
    if (idom[w] !== 0 || vertex[w]! <= flow.roots) continue;
    const node = vertex[w]!;
    for (let p = flow.predStart[node]!; p < flow.predStart[node + 1]!; p++) {
      const v = flow.dfnum[flow.preds[p]!]!;
      const b = v < 0 ? 0 : bottom[v]!;
      if (b !== 0 && !seen[b]) {
        seen[b] = 1;
        roots++;
      }
    }
  }
  return roots;
}

/** What each object and root retains: itself and everything it dominates, in bytes and objects. */
export interface RetainedSizes {
  readonly objectBytes: Float64Array;
  /** Counts fit 32 bits (no heap holds 2^32 objects): 4 bytes an object less, on heaps of tens of millions. */
  readonly objectCount: Uint32Array;
  readonly rootBytes: Float64Array;
  readonly rootCount: Float64Array;
  /** What no single root keeps alive. */
  readonly sharedBytes: number;
  readonly sharedCount: number;
}

/** Retained sizes from the dominator tree: each subtree added into its parent, deepest first. */
export function retainedSizes(graph: ReferenceGraph, tree: DominatorTree): RetainedSizes {
  const objectBytes = new Float64Array(graph.objectCount);
  const objectCount = new Uint32Array(graph.objectCount);
  const rootBytes = new Float64Array(graph.roots.length);
  const rootCount = new Float64Array(graph.roots.length);
  let sharedBytes = 0;
  let sharedCount = 0;
  for (const o of tree.order) {
    objectBytes[o] = graph.objectSize[o]!;
    objectCount[o] = 1;
  }
  for (let k = tree.order.length - 1; k >= 0; k--) {
    const o = tree.order[k]!;
    const p = tree.parent[o]!;
    if (p >= 0) {
      objectBytes[p]! += objectBytes[o]!;
      objectCount[p]! += objectCount[o]!;
    } else if (p === sharedByRoots) {
      sharedBytes += objectBytes[o]!;
      sharedCount += objectCount[o]!;
    } else {
      rootBytes[-1 - p]! += objectBytes[o]!;
      rootCount[-1 - p]! += objectCount[o]!;
    }
  }
  return { objectBytes, objectCount, rootBytes, rootCount, sharedBytes, sharedCount };
}
