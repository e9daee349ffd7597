import { rootKinds, type RootKind } from '../goruntime/roots/heap-root.js';
import { unreached } from '../graph/retention-tree.js';
import type { CoreAnalysis } from './analyze-core.js';
import { Role } from '../goruntime/typing/heap-typing.js';
import { format } from './frame-labels.js';
import { ObjectTypeNames } from './type-names.js';

/** The heap's totals as `info` reports them. */
export interface HeapTotals {
  objects: number;
  bytes: number;
  reachableObjects: number;
  reachableBytes: number;
  /** Reachable bytes whose type is known. */
  typedBytes: number;
  /** Reachable bytes by the kind of root that retains them (first reached, breadth-first). */
  bytesByRootKind: Record<RootKind, number>;
}

export interface TypeLine {
  type: string;
  count: number;
  bytes: number;
}

export function heapTotals({ heap, tree }: CoreAnalysis): HeapTotals {
  const { objects, typing, graph } = heap;
  const bytesByRootKind = Object.fromEntries(rootKinds.map((k) => [k, 0])) as Record<RootKind, number>;
  const rootOf = new Int32Array(objects.count);
  let reachableBytes = 0;
  let typedBytes = 0;
  for (const obj of tree.order) {
    const parent = tree.parent[obj]!;
    rootOf[obj] = parent >= 0 ? rootOf[parent]! : -1 - parent;
    const size = objects.size[obj]!;
    reachableBytes += size;
    if (typing.role[obj] !== Role.unknown) typedBytes += size;
    bytesByRootKind[graph.roots[rootOf[obj]!]!.kind] += size;
  }
  return {
    objects: objects.count,
    bytes: objects.totalBytes(),
    reachableObjects: tree.order.length,
    reachableBytes,
    typedBytes,
    bytesByRootKind,
  };
}

/** Reachable objects and bytes per type, largest first, then one line for unreachable memory. */
export function bytesByType(analysis: CoreAnalysis, funcName: (entry: number) => string | undefined): TypeLine[] {
  const { heap, tree } = analysis;
  const lines = new Map<string, TypeLine>();
  const add = (type: string, bytes: number) => {
    const line = lines.get(type) ?? { type, count: 0, bytes: 0 };
    line.count++;
    line.bytes += bytes;
    lines.set(type, line);
  };
  let unreachable: TypeLine | undefined;
  const names = new ObjectTypeNames(heap.typing, funcName);
  for (let obj = 0; obj < heap.objects.count; obj++) {
    if (tree.parent[obj] === unreached) {
      unreachable ??= { type: format.unreachableRoot, count: 0, bytes: 0 };
      unreachable.count++;
      unreachable.bytes += heap.objects.size[obj]!;
    } else add(names.of(obj), heap.objects.size[obj]!);
  }
  const sorted = [...lines.values()].sort((a, b) => b.bytes - a.bytes || (a.type < b.type ? -1 : 1));
  return unreachable ? [...sorted, unreachable] : sorted;
}
