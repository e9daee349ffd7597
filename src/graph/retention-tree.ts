import type { ReferenceGraph, Root } from './reference-graph.js';

/** parent[] value of an object no root reaches. */
export const unreached = -0x8000_0000;

/**
 * The breadth-first retention tree: each reachable object is kept by the first parent that reaches it.
 * parent[o] ≥ 0 is an object; parent[o] = -1 - r means root r; `unreached` means garbage.
 */
export interface RetentionTree {
  readonly parent: Int32Array;
  /** Offset of the pointer in the parent (object or root) that reached the object. */
  readonly parentOffset: Uint32Array;
  /** Reached objects in BFS order (parents before children). */
  readonly order: Int32Array;
  /** Roots in the order they were walked. */
  readonly rootOrder: Int32Array;
}

/** Roots in their documented order: by kind (in `kindOrder`), then rank, then name. */
export function orderRoots(roots: readonly Root[], kindOrder: readonly string[]): Int32Array {
  const kindIndex = new Map<string, number>(kindOrder.map((k, i) => [k, i]));
  const indices = roots.map((_, i) => i);
  indices.sort((a, b) => {
    const ra = roots[a]!;
    const rb = roots[b]!;
    return (
      kindIndex.get(ra.kind)! - kindIndex.get(rb.kind)! ||
      ra.rank - rb.rank ||
      (ra.name < rb.name ? -1 : ra.name > rb.name ? 1 : 0) ||
      a - b
    );
  });
  return Int32Array.from(indices);
}

/**
 * Breadth-first from the roots, one kind at a time in `kindOrder` (as viewcore objref does: all
 * globals form the first frontier and are walked to the end before goroutines start, and so on); within a
 * kind, roots are seeded in order. Each object belongs to the first parent that reaches it.
 */
export function buildRetentionTree(graph: ReferenceGraph, kindOrder: readonly string[]): RetentionTree {
  const parent = new Int32Array(graph.objectCount).fill(unreached);
  const parentOffset = new Uint32Array(graph.objectCount);
  const order = new Int32Array(graph.objectCount);
  let tail = 0;
  let head = 0;
  const rootOrder = orderRoots(graph.roots, kindOrder);
  let next = 0;
  while (next < rootOrder.length) {
    const kind = graph.roots[rootOrder[next]!]!.kind;
    for (; next < rootOrder.length && graph.roots[rootOrder[next]!]!.kind === kind; next++) {
      const r = rootOrder[next]!;
      for (let e = graph.rootEdgeStart[r]!; e < graph.rootEdgeStart[r + 1]!; e++) {
        const target = graph.rootEdgeTarget[e]!;
        if (parent[target] !== unreached) continue;
        parent[target] = -1 - r;
        parentOffset[target] = graph.rootEdgeOffset[e]!;
        order[tail++] = target;
      }
    }
    for (; head < tail; head++) {
      const obj = order[head]!;
      for (let e = graph.edgeStart[obj]!; e < graph.edgeStart[obj + 1]!; e++) {
        const target = graph.edgeTarget[e]!;
        if (parent[target] !== unreached) continue;
        parent[target] = obj;
        parentOffset[target] = graph.edgeOffset[e]!;
        order[tail++] = target;
      }
    }
  }
  return { parent, parentOffset, order: order.slice(0, tail), rootOrder };
}
