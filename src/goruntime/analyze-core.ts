import { buildRetentionTree, type RetentionTree } from '../graph/retention-tree.js';
import type { GoProcess } from './go-process.js';
import { type Goroutine, readGoroutines } from './goroutines.js';
import { analyzeHeap, type HeapAnalysis } from './heap-analysis.js';
import { readStackRoots } from './roots/stack-roots.js';

export interface CoreAnalysis {
  goroutines: Goroutine[];
  heap: HeapAnalysis;
  /** Breadth-first retention tree from all roots, in the documented root order. */
  tree: RetentionTree;
}

/** The whole analysis of a Go core: goroutines, heap with every root, and who retains what. */
export function analyzeCore(proc: GoProcess, onPhase: (phase: string) => void = () => undefined): CoreAnalysis {
  onPhase('reading goroutines');
  const goroutines = readGoroutines(proc);
  const stackRoots = readStackRoots(proc.image, goroutines, proc.dwarf, proc.binary.moduledata.types, proc.image.loadBias);
  const heap = analyzeHeap(proc, { extraRoots: stackRoots, onPhase });
  onPhase('walking references from the roots');
  const tree = buildRetentionTree(heap.graph);
  return { goroutines, heap, tree };
}
