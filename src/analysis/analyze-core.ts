import { buildRetentionTree, type RetentionTree } from '../graph/retention-tree.js';
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

/** The whole analysis of a Go core: goroutines, heap with every root, and who retains what. */
export function analyzeCore(proc: GoProcess, onPhase: (phase: string) => void = () => undefined): CoreAnalysis {
  onPhase('reading goroutines');
  const goroutines = readGoroutines(proc);
  const stackRoots = readStackRoots(proc, goroutines);
  const records = readGoroutineRecords(proc, goroutines);
  const heap = analyzeHeap(proc, { extraRoots: [...stackRoots, ...records.roots], onPhase });
  onPhase('walking references from the roots');
  const tree = buildRetentionTree(heap.graph, rootKinds);
  return { goroutines, heap, tree, warnings: [...records.warnings, ...heap.warnings] };
}
