import { readCodeFacts } from '../code/code-facts.js';
import type { ObjectShapes } from '../heap/object-shapes.js';
import type { GoProcess } from '../process/go-process.js';
import type { HeapRoot } from '../roots/heap-root.js';
import { ContainerHeaders } from './container-headers.js';
import { typeFromGlobalAllocations } from './global-allocations.js';
import type { HeapTyping } from './heap-typing.js';
import { InterfaceWords } from './interface-words.js';
import { type ShapeEvidence, ShapeInference } from './shape-inference.js';

/** Shape inference passes at most: later passes type ever fewer objects. */
const maxInferencePasses = 4;

/**
 * What typing from declared types leaves untyped (all roots of a stripped binary are untyped), in
 * order of certainty: interface values in untyped roots, globals by the allocations the code assigns
 * them, then objects by their shape, then what those point to.
 */
export function inferTypes(proc: GoProcess, typing: HeapTyping, roots: readonly HeapRoot[], heapBits: ObjectShapes, judged: Uint8Array): void {
  const binary = proc.binary;
  // Itabs are static data or persistentalloc'd, never in a heap span: heap words are turned away unread.
  const interfaces = new InterfaceWords(typing, (addr) => (typing.objects.spanOf(addr) < 0 ? binary.itabs.itabAt(addr)?.type : undefined));
  interfaces.typeFromRoots(roots);
  const facts = readCodeFacts(proc.image, binary.pclntab, binary.types, binary.modules);
  typeFromGlobalAllocations(proc.image, typing, roots, facts.globalAllocations);
  typing.propagate();
  const candidates = facts.allocatable;
  const evidence: ShapeEvidence = {
    candidates,
    shapes: heapBits,
    funcEntry: (pc) => binary.pclntab.funcForPC(pc)?.entry,
    isClosure: (entry) => isClosureName(binary.pclntab.funcForPC(entry)?.name ?? ''),
    interfaces,
    containers: new ContainerHeaders(proc.image, typing, candidates),
    judged,
  };
  // Each pass types objects that only newly typed objects' neighbours made unambiguous.
  const shapes = new ShapeInference(proc.image, typing, evidence);
  for (let pass = 0; pass < maxInferencePasses && shapes.pass() > 0; pass++) typing.propagate();
}

/** Closure bodies (`main.f.func1`, `main.f.func1.2`, `main.(*T).M-fm`, `main.f.gowrap1`). */
function isClosureName(name: string): boolean {
  return /\.func\d+(\.\d+)*$|-fm$|\.(gowrap|deferwrap)\d+$/.test(name);
}
