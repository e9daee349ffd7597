import { buildRetentionTree, type RetentionTree, unreached } from '../graph/retention-tree.js';
import type { GoProcess } from '../goruntime/process/go-process.js';
import { type Goroutine, readGoroutines } from '../goruntime/process/goroutines.js';
import { analyzeHeap, type HeapAnalysis } from './heap-analysis.js';
import { readGoroutineRecords } from '../goruntime/roots/goroutine-records.js';
import { readStackRoots } from '../goruntime/roots/stack-roots.js';
import { rootKinds } from '../goruntime/roots/heap-root.js';

export interface CoreAnalysis {
  goroutines: Goroutine[];
  heap: HeapAnalysis;
  /** Breadth-first retention tree from all roots, in the documented root order. */
  tree: RetentionTree;
  /** What could not be read, with its size where known. */
  warnings: string[];
}

/**
 * The whole analysis of a Go core: goroutines, heap with every root, and who retains what. `counts`
 * false: stripped globals' names leave out how many values an array holds, so that two dumps' names match.
 */
export function analyzeCore(proc: GoProcess, onPhase: (phase: string) => void = () => undefined, counts = true): CoreAnalysis {
  onPhase('reading goroutines');
  const goroutines = readGoroutines(proc);
  const stackRoots = readStackRoots(proc, goroutines);
  const records = readGoroutineRecords(proc, goroutines);
  const heap = analyzeHeap(proc, { extraRoots: [...stackRoots, ...records.roots], onPhase, counts });
  onPhase('walking references from the roots');
  const tree = buildRetentionTree(heap.graph, rootKinds);
  const dangling = danglingWarning(heap, tree);
  return { goroutines, heap, tree, warnings: [...records.warnings, ...heap.warnings, ...(dangling ? [dangling] : [])] };
}

/**
 * Pointers that reachable objects hold into freed slots: the GC would never free what a reachable
 * object points to, so the heap contradicts itself there (damage, or a core written mid-change).
 * Pointers from unreachable objects into freed slots are normal: both are garbage.
 */
function danglingWarning(heap: HeapAnalysis, tree: RetentionTree): string | undefined {
  const sources = new Set(heap.danglingFrom.filter((obj) => tree.parent[obj] !== unreached));
  if (sources.size === 0) return undefined;
  const pointers = heap.danglingFrom.filter((obj) => sources.has(obj)).length;
  let bytes = 0;
  for (const obj of sources) bytes += heap.objects.size[obj]!;
  return (
    `${pointers} pointers in ${sources.size} reachable objects (${bytes} bytes) lead into freed heap slots; the heap is damaged, ` +
    'or the core was written while the program changed it: what they pointed to is not shown'
  );
}
