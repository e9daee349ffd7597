import { ReferenceGraphBuilder, type ReferenceGraph } from '../graph/reference-graph.js';
import { PointerSlots } from '../goruntime/binary/pointer-slots.js';
import { HeapObjects } from '../goruntime/heap/heap-objects.js';
import { ObjectShapes } from '../goruntime/heap/object-shapes.js';
import { atLeast } from '../goruntime/binary/version.js';
import { containerLayout } from '../goruntime/layout/container-layout.js';
import { scanHeapPointers } from '../goruntime/heap/pointer-scan.js';
import { readSpans } from '../goruntime/heap/spans.js';
import { heapSchemeOf } from '../goruntime/heap/heap-scheme.js';
import { WordBits } from '../goruntime/heap/word-bits.js';
import type { GoProcess } from '../goruntime/process/go-process.js';
import { globalRootSet } from '../goruntime/roots/global-roots.js';
import { type HeapRoot, rootTypeSlots } from '../goruntime/roots/heap-root.js';
import { readRuntimeRoots } from '../goruntime/roots/runtime-roots.js';
import { HeapTyping } from '../goruntime/typing/heap-typing.js';
import { inferTypes } from '../goruntime/typing/inference.js';
import { typeFromRoots } from '../goruntime/typing/root-types.js';
import { nameStrippedGlobals } from './global-root-names.js';

/** Everything known about the heap: objects, the reference graph with its roots, and the types. */
export interface HeapAnalysis {
  readonly objects: HeapObjects;
  /** Objects and their pointers; its roots are the heap's roots, each with its final name and its typed slots. */
  readonly graph: ReferenceGraph<HeapRoot>;
  readonly typing: HeapTyping;
  readonly slots: PointerSlots;
  /** Objects with a pointer into a freed heap slot, once per such pointer: a damaged heap, or one that changed while dumped. */
  readonly danglingFrom: readonly number[];
  readonly warnings: string[];
}

export interface HeapAnalysisOptions {
  /** Roots found elsewhere, e.g. goroutine stack frames. */
  extraRoots?: readonly HeapRoot[];
  /** Called as each phase starts, for progress reporting. */
  onPhase?: (phase: string) => void;
  /** false: names of stripped globals leave out how many values an array holds (see objectTypeName). */
  counts?: boolean;
}

/** Rebuilds the heap from a core: spans, objects, pointers, roots, types, then the reference graph. */
export function analyzeHeap(proc: GoProcess, options: HeapAnalysisOptions = {}): HeapAnalysis {
  const phase = options.onPhase ?? (() => undefined);
  const mem = proc.image;
  const binary = proc.binary;

  phase('reading heap spans');
  const scheme = heapSchemeOf(binary);
  const spans = readSpans(mem, proc.layout, proc.global('mheap'), atLeast(binary.version, 1, 22) ? 2 : 8);
  const objects = new HeapObjects(spans, scheme);
  // One bit per heap word: what a span holds when its objects have no header or recorded type.
  const wordBits = WordBits.of(mem, proc.layout, scheme, proc.global('mheap'));

  phase('scanning pointers');
  const builder = new ReferenceGraphBuilder<HeapRoot>(objects.size);
  const danglingFrom: number[] = [];
  // `let`: the exact types (8 bytes an object) are dropped once typing has taken them in.
  let exactType: Float64Array | undefined;
  let scanWarnings: string[];
  ({ exactType, warnings: scanWarnings } = scanHeapPointers(mem, objects, binary.types, wordBits, (obj, offset, value) => {
    const target = objects.find(value);
    if (target >= 0) builder.addEdge(obj, offset, target);
    else if (objects.isFreeSlot(value)) danglingFrom.push(obj);
  }));
  builder.seal();

  phase('finding roots');
  const slots = new PointerSlots(binary.types, binary.moduledata.types);
  const runtime = readRuntimeRoots(proc, spans);
  const roots = [...globalRootSet(proc, slots), ...(options.extraRoots ?? []), ...runtime.roots];
  for (const root of roots) root.typedSlots = rootTypeSlots(binary.types, slots, root);
  const rootEdges = roots.map((root) => {
    const edges = root.slots.flatMap((s) => {
      const target = objects.find(s.value);
      return target >= 0 ? [{ offset: s.offset, target }] : [];
    });
    if (root.referentsOf !== undefined) {
      const obj = objects.find(root.referentsOf);
      if (obj >= 0) edges.push(...builder.edgesOf(obj));
    }
    return edges;
  });
  // Inference by shape is spent on what roots reach and on the garbage that points into it (whose type
  // can tell what it points to): the rest of the garbage, often most of a heap caught between
  // collections, is typed only where its header, a typed pointer or an interface value says.
  const judged = builder.withPredecessors(builder.reachableFrom(rootEdges.flatMap((edges) => edges.map((e) => e.target))));

  phase('typing objects');
  const funcEntry = (pc: number) => binary.pclntab.funcForPC(pc)?.entry;
  // DWARF gives captured variables their place in the closure from Go 1.23 on (DW_AT_go_closure_offset).
  const closureLaidOut = !atLeast(binary.version, 1, 23);
  // Go 1.20's DWARF gives no function its line; its pclntab does (later releases leave only wrappers without one).
  const linesFromPclntab = !atLeast(binary.version, 1, 21);
  const closureSlots = (entry: number) => {
    const fn = proc.dwarf?.functionAt(entry - proc.image.loadBias);
    return fn && slots.ofClosure(fn, closureLaidOut, linesFromPclntab ? binary.pclntab.funcForPC(entry)?.startLine : undefined);
  };
  const containers = containerLayout(proc.layout, binary.types.mapLayout !== 'classic');
  // The pointer bits of objects that have them, read once for typing and for inference.
  const heapBits = new ObjectShapes(objects, wordBits);
  const typing = new HeapTyping(mem, objects, binary.types, slots, containers, exactType, funcEntry, closureSlots, heapBits);
  exactType = undefined;
  typeFromRoots(mem, typing, slots, roots);
  typing.propagate();
  phase('inferring types');
  inferTypes(proc, typing, roots, heapBits, judged);
  // Without symbols, globals are named by where they are and what they hold, which typing tells.
  if (proc.found.source === 'code') nameStrippedGlobals(roots, objects, typing, binary.moduledata, (pc) => binary.pclntab.funcForPC(pc)?.name, options.counts);

  roots.forEach((root, i) => builder.addRoot(root, rootEdges[i]!));
  const graph = builder.build();

  const warnings = [...spans.warnings, ...scanWarnings, ...runtime.warnings];
  return { objects, graph, typing, slots, danglingFrom, warnings };
}
