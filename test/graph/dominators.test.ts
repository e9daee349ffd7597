import { describe, expect, it } from 'vitest';
import { buildDominatorTree, retainedSizes, sharedByRoots } from '../../src/graph/dominators.js';
import type { ReferenceGraph } from '../../src/graph/reference-graph.js';
import { buildRetentionTree, unreached } from '../../src/graph/retention-tree.js';
import { offsetOverflow } from '../../src/graph/reference-graph.js';
import { graph, root } from '../support/reference-graphs.js';

const kinds = ['global', 'goroutine'];

/** Objects reachable from the roots, not passing through `removed` (an object, or -1 - r for root r). */
function reachable(g: ReferenceGraph, removed: number | undefined): Uint8Array {
  const seen = new Uint8Array(g.objectCount);
  const todo: number[] = [];
  for (let r = 0; r < g.roots.length; r++) {
    if (removed === -1 - r) continue;
    for (let e = g.rootEdgeStart[r]!; e < g.rootEdgeStart[r + 1]!; e++) todo.push(g.rootEdgeTarget[e]!);
  }
  while (todo.length) {
    const o = todo.pop()!;
    if (o === removed || seen[o]) continue;
    seen[o] = 1;
    for (let e = g.edgeStart[o]!; e < g.edgeStart[o + 1]!; e++) todo.push(g.edgeTarget[e]!);
  }
  return seen;
}

/** What removing `removed` frees: the bytes of the objects no longer reachable (itself included). */
function bruteRetained(g: ReferenceGraph, removed: number): number {
  const all = reachable(g, undefined);
  const without = reachable(g, removed);
  let bytes = 0;
  for (let o = 0; o < g.objectCount; o++) if (all[o] && !without[o]) bytes += g.objectSize[o]!;
  return bytes;
}

function randomGraph(seed: number, objects: number, edges: number, roots: number): ReferenceGraph {
  let state = seed;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  const sizes = Array.from({ length: objects }, () => 16 * (1 + next(8)));
  const list: Array<[number, number]> = Array.from({ length: edges }, () => [next(objects), next(objects)]);
  const rootList = Array.from({ length: roots }, (_, r) => [root('global', `g${r}`), Array.from({ length: 1 + next(2) }, () => next(objects))] as [ReturnType<typeof root>, number[]]);
  return graph(sizes, list, rootList);
}

describe('dominator tree', () => {
  it('gives a buffer held by two globals to neither, and one held by one global to it alone', () => {
    // 0: held by g0 and g1; 1: held by g0 only; 2: held through 1.
    const g = graph([100, 50, 30], [[1, 2]], [[root('global', 'g0'), [0, 1]], [root('global', 'g1'), [0]]]);
    const tree = buildDominatorTree(g, buildRetentionTree(g, kinds));
    expect(tree.parent[0]).toBe(sharedByRoots);
    expect(tree.parentOffset[0]).toBe(offsetOverflow);
    expect([tree.parent[1], tree.parentOffset[1]]).toEqual([-1, 8]);
    expect([tree.parent[2], tree.parentOffset[2]]).toEqual([1, 0]);
    expect(tree.sharingRoots).toBe(2);
    const sizes = retainedSizes(g, tree);
    expect([...sizes.rootBytes]).toEqual([80, 0]);
    expect([...sizes.objectBytes]).toEqual([100, 80, 30]);
    expect([...sizes.objectCount]).toEqual([1, 2, 1]);
    expect([sizes.sharedBytes, sizes.sharedCount]).toEqual([100, 1]);
  });

  it('puts an object reached two ways from one root under that root, with no pointer to name it by', () => {
    // g0 → 0 → 2 and g0 → 1 → 2: only g0 dominates 2.
    const g = graph([8, 8, 8], [[0, 2], [1, 2]], [[root('global', 'g0'), [0, 1]]]);
    const tree = buildDominatorTree(g, buildRetentionTree(g, kinds));
    expect([tree.parent[2], tree.parentOffset[2]]).toEqual([-1, offsetOverflow]);
    expect(tree.sharingRoots).toBe(0);
  });

  it('leaves garbage out, and orders every object after its dominator', () => {
    const g = graph([8, 8, 8, 8], [[0, 1], [3, 0]], [[root('global', 'g0'), [0]]]);
    const tree = buildDominatorTree(g, buildRetentionTree(g, kinds));
    expect(tree.parent[2]).toBe(unreached);
    expect(tree.parent[3]).toBe(unreached);
    expect([...tree.order]).toEqual([0, 1]);
  });

  it('gives every object and root the bytes its removal frees, on random graphs', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const g = randomGraph(seed, 3 + (seed % 40), seed % 90, 1 + (seed % 5));
      const bfs = buildRetentionTree(g, kinds);
      const tree = buildDominatorTree(g, bfs);
      const position = new Map([...tree.order].map((o, k) => [o, k]));
      for (const o of tree.order) {
        const p = tree.parent[o]!;
        if (p >= 0) expect(position.get(p)!, `seed ${seed}`).toBeLessThan(position.get(o)!);
      }
      expect(new Set(tree.order)).toEqual(new Set(bfs.order));
      const sizes = retainedSizes(g, tree);
      for (const o of tree.order) expect(sizes.objectBytes[o], `seed ${seed} object ${o}`).toBe(bruteRetained(g, o));
      for (let r = 0; r < g.roots.length; r++) expect(sizes.rootBytes[r], `seed ${seed} root ${r}`).toBe(bruteRetained(g, -1 - r));
    }
  });

  it('handles a chain of 200,000 objects without recursion', () => {
    const n = 200_000;
    const edges: Array<[number, number]> = [];
    for (let i = 0; i + 1 < n; i++) edges.push([i, i + 1]);
    const g = graph(new Array(n).fill(16), edges, [[root('global', 'head'), [0]]]);
    const tree = buildDominatorTree(g, buildRetentionTree(g, kinds));
    expect(tree.parent[n - 1]).toBe(n - 2);
    expect(tree.sharingRoots).toBe(0);
    expect(retainedSizes(g, tree).rootBytes[0]).toBe(16 * n);
  });
});
