import { type AddressSpace, wordOrZero } from '../core/address-space.js';
import { ReferenceGraphBuilder, type ReferenceGraph } from '../graph/reference-graph.js';
import type { GoProcess } from '../goruntime/process/go-process.js';
import { HeapObjects } from '../goruntime/heap/heap-objects.js';
import { ObjectShapes } from '../goruntime/heap/object-shapes.js';
import { scanHeapPointers } from '../goruntime/heap/pointer-scan.js';
import { readSpans } from '../goruntime/heap/spans.js';
import { readGlobalRoots } from '../goruntime/roots/global-roots.js';
import type { HeapRoot } from '../goruntime/roots/heap-root.js';
import { adoptStaticObjects } from '../goruntime/roots/static-objects.js';
import { nameStrippedGlobals } from '../goruntime/roots/global-root-names.js';
import type { RuntimeTypes } from '../goruntime/binary/runtime-types.js';
import { readRuntimeRoots } from '../goruntime/roots/runtime-roots.js';
import { HeapTyping } from '../goruntime/typing/heap-typing.js';
import { ContainerHeaders } from '../goruntime/typing/container-headers.js';
import { InterfaceWords } from '../goruntime/typing/interface-words.js';
import { type PointerSlot, PointerSlots } from '../goruntime/binary/pointer-slots.js';
import { type ShapeEvidence, ShapeInference } from '../goruntime/typing/shape-inference.js';
import { readCodeFacts } from '../goruntime/code/code-facts.js';
import { typeFromGlobalAllocations } from '../goruntime/typing/global-allocations.js';

/** Shape inference passes at most: later passes type ever fewer objects. */
const maxInferencePasses = 4;

/** Everything known about the heap: objects, the reference graph with its roots, and the types. */
export interface HeapAnalysis {
  readonly objects: HeapObjects;
  readonly graph: ReferenceGraph;
  /** The roots, parallel to graph.roots. */
  readonly roots: readonly HeapRoot[];
  readonly typing: HeapTyping;
  readonly slots: PointerSlots;
  /** The typed pointer slots of each root (parallel to roots), undefined when its type is unknown. */
  readonly rootSlots: ReadonlyArray<PointerSlot[] | undefined>;
  readonly warnings: string[];
}

export interface HeapAnalysisOptions {
  /** Roots found elsewhere, e.g. goroutine stack frames. */
  extraRoots?: readonly HeapRoot[];
  /** Called as each phase starts, for progress reporting. */
  onPhase?: (phase: string) => void;
}

/** Rebuilds the heap from a core: spans, objects, pointers, roots, then types. */
export function analyzeHeap(proc: GoProcess, options: HeapAnalysisOptions = {}): HeapAnalysis {
  const phase = options.onPhase ?? (() => undefined);
  const mem = proc.image;
  const binary = proc.binary;

  phase('reading heap spans');
  const spans = readSpans(mem, proc.layout, proc.global('mheap'));
  const objects = new HeapObjects(spans);

  phase('scanning pointers');
  const builder = new ReferenceGraphBuilder(objects.size);
  const scan = scanHeapPointers(mem, objects, binary.types, { greenTea: binary.experiment('greenteagc') }, (obj, offset, value) => {
    const target = objects.find(value);
    if (target >= 0) builder.addEdge(obj, offset, target);
  });

  phase('finding roots');
  const slots = new PointerSlots(binary.types, binary.moduledata.types);
  const runtime = readRuntimeRoots(proc, spans);
  const roots = [...globalRoots(proc, slots), ...(options.extraRoots ?? []), ...runtime.roots];
  for (const root of roots) {
    const edges = root.slots.flatMap((s) => {
      const target = objects.find(s.value);
      return target >= 0 ? [{ offset: s.offset, target }] : [];
    });
    if (root.referentsOf !== undefined) {
      const obj = objects.find(root.referentsOf);
      if (obj >= 0) edges.push(...builder.edgesOf(obj));
    }
    builder.addRoot({ kind: root.kind, name: root.name, rank: root.rank, typeAddr: root.typeAddr }, edges);
  }
  const graph = builder.build();

  phase('typing objects');
  const funcEntry = (pc: number) => binary.pclntab.funcForPC(pc)?.entry;
  const closureSlots = (entry: number) => {
    const fn = proc.dwarf?.functionAt(entry - proc.image.loadBias);
    return fn && slots.ofClosure(fn);
  };
  const typing = new HeapTyping(mem, objects, binary.types, slots, scan.exactType, funcEntry, closureSlots);
  const rootSlots = roots.map((root) => slotsOfRoot(binary.types, slots, root));
  roots.forEach((root, i) => typeFromRoot(mem, typing, slots, root, rootSlots[i]));
  typing.propagate();
  phase('inferring types');
  inferTypes(proc, typing, roots);
  if (proc.strippedGlobals) nameStrippedGlobals({ roots, graph, objects, typing }, binary.moduledata, (pc) => binary.pclntab.funcForPC(pc)?.name);

  const warnings = [...spans.warnings, ...scan.warnings, ...runtime.warnings];
  return { objects, graph, roots, typing, slots, rootSlots, warnings };
}

/**
 * What typing from declared types leaves untyped (all roots of a stripped binary are untyped):
 * interface values in untyped roots, globals by the allocations the code assigns them, then objects
 * by their shape, then what those point to.
 */
function inferTypes(proc: GoProcess, typing: HeapTyping, roots: readonly HeapRoot[]): void {
  const binary = proc.binary;
  const interfaces = new InterfaceWords(typing, (addr) => binary.itabs.itabAt(addr)?.type);
  interfaces.typeFromRoots(roots);
  const facts = readCodeFacts(proc.image, binary.pclntab, binary.types, binary.modules);
  typeFromGlobalAllocations(proc.image, typing, roots, facts.globalAllocations);
  typing.propagate();
  const candidates = facts.allocatable;
  const evidence: ShapeEvidence = {
    candidates,
    shapes: new ObjectShapes(proc.image, typing.objects, binary.experiment('greenteagc')),
    funcEntry: (pc) => binary.pclntab.funcForPC(pc)?.entry,
    isClosure: (entry) => isClosureName(binary.pclntab.funcForPC(entry)?.name ?? ''),
    interfaces,
    containers: new ContainerHeaders(proc.image, typing, candidates),
  };
  // Each pass types objects that only newly typed objects' neighbours made unambiguous.
  const shapes = new ShapeInference(proc.image, typing, evidence);
  for (let pass = 0; pass < maxInferencePasses && shapes.pass() > 0; pass++) typing.propagate();
}

/** Closure bodies (`main.f.func1`, `main.f.func1.2`, `main.(*T).M-fm`, `main.f.gowrap1`). */
function isClosureName(name: string): boolean {
  return /\.func\d+(\.\d+)*$|-fm$|\.(gowrap|deferwrap)\d+$/.test(name);
}

/**
 * Data and bss globals, named from the symbol table and typed from DWARF where the binary has them;
 * static objects that globals point to are named after those globals (see static-objects.ts). The
 * runtime's goroutine, M and P lists are runtime roots.
 */
function globalRoots(proc: GoProcess, slots: PointerSlots): HeapRoot[] {
  const md = proc.binary.moduledata;
  // The runtime's lists of goroutines, Ms and Ps reach every g (and its defers): walked after the
  // program's own roots, so memory a goroutine holds is charged to that goroutine. Their first
  // three words (a slice header) are where an unnamed word of a stripped binary can sit.
  // runtime.allgptr points at the same array as allgs, so any global pointing there is one of them.
  const runtimeGlobals = [proc.globals.allgs, proc.globals.allm, proc.globals.allp].filter((a): a is number => a !== undefined);
  const allgsArray = proc.globals.allgs !== undefined ? proc.image.readPtr(proc.globals.allgs) : 0;
  const isRuntimeGlobal = (g: { addr: number; slots: ReadonlyArray<{ value: number }> }) =>
    runtimeGlobals.some((r) => g.addr >= r && g.addr < r + 24) || (allgsArray !== 0 && g.slots.some((s) => s.value === allgsArray));
  const candidates = readGlobalRoots(proc.image, md, proc.image.exe.symbols(), proc.image.loadBias).map((g) => {
    const dwarfType = g.name ? proc.dwarf?.global(g.name)?.type : undefined;
    const rtOffset = dwarfType?.runtimeTypeOffset ?? 0;
    const root: HeapRoot = {
      kind: isRuntimeGlobal(g) ? 'runtime' : 'global',
      name: g.name || `0x${g.addr.toString(16)} (${g.section})`,
      rank: 0,
      addr: g.addr,
      typeAddr: rtOffset ? md.types + rtOffset : 0,
      ...(dwarfType ? { dwarfType } : {}),
      slots: g.slots.map((s) => ({ ...s, declared: 0 })),
    };
    return { root, named: g.name !== '' };
  });
  const isStatic = (addr: number) => addr >= md.data && addr < md.ebss;
  return adoptStaticObjects(candidates, (root) => slotsOfRoot(proc.binary.types, slots, root), isStatic);
}

/** The pointer slots of a root's type: from its runtime type, else from its DWARF type. */
function slotsOfRoot(types: RuntimeTypes, slots: PointerSlots, root: HeapRoot): PointerSlot[] | undefined {
  const rootType = root.typeAddr ? types.typeAt(root.typeAddr) : undefined;
  if (rootType) return slots.of(rootType);
  return root.dwarfType ? slots.ofDwarf(root.dwarfType) : undefined;
}

/** Types what a root points to: through its whole type when known, else through each slot's declared type. */
function typeFromRoot(mem: AddressSpace, typing: HeapTyping, slots: PointerSlots, root: HeapRoot, typed: PointerSlot[] | undefined): void {
  if (typed && root.addr) {
    const word = (offset: number) => {
      const piece = root.pieces ? root.pieces.find((p) => offset >= p.offset && offset + 8 <= p.offset + p.size) : undefined;
      if (root.pieces && !piece) return 0; // that part of the variable is not in memory
      const addr = piece ? piece.addr + offset - piece.offset : root.addr + offset;
      return wordOrZero(mem, addr);
    };
    for (const slot of typed) typing.followSlot(slot, word);
    return;
  }
  const followDeclared = (declaredAddr: number, value: number) => {
    const declared = declaredAddr ? typing.types.typeAt(declaredAddr) : undefined;
    const slot = declared && slots.at(declared, 0);
    if (slot && slot.kind !== 'eface' && slot.kind !== 'iface') typing.followSlot(slot, (offset) => (offset === 0 ? value : 0));
  };
  for (const s of root.slots) followDeclared(s.declared, s.value);
  if (root.referentsOf !== undefined && root.referentsOfType) followDeclared(root.referentsOfType, root.referentsOf);
}
