/** Small reference graphs written by hand, for the tests of graph/. */
import { ReferenceGraphBuilder, type Root } from '../../src/graph/reference-graph.js';

export const root = (kind: Root['kind'], name: string, rank = 0): Root => ({ kind, name, rank });

/** Builds a graph from an edge list [source, target] (offsets = 8 × position). */
export function graph(sizes: number[], edges: Array<[number, number]>, roots: Array<[Root, number[]]>) {
  const b = new ReferenceGraphBuilder(Float64Array.from(sizes));
  [...edges].sort((x, y) => x[0] - y[0]).forEach(([s, t], i) => b.addEdge(s, 8 * i, t));
  for (const [r, targets] of roots) b.addRoot(r, targets.map((target, i) => ({ offset: 8 * i, target })));
  return b.build();
}
