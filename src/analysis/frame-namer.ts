import { LabelTable, type FrameNamer } from '../graph/fold.js';
import { offsetOverflow } from '../graph/reference-graph.js';
import type { HeapAnalysis } from './heap-analysis.js';
import type { PcLnTab } from '../goruntime/binary/pclntab.js';
import { isInternal, Role } from '../goruntime/typing/heap-typing.js';
import type { PointerSlot } from '../goruntime/binary/pointer-slots.js';
import { format } from './frame-labels.js';
import { ObjectTypeNames, readableTypeName } from './type-names.js';
import { PairMap } from '../util/pair-map.js';

/** How a holder holds an object: the access path and the slot's declared type, numbered for the label cache. */
interface Holding {
  id: number;
  how: string;
  declared: string;
  /** The frame label, or -1 for an interface slot, whose label also names the object's dynamic type. */
  label: number;
}

/**
 * Names flame-graph frames by the grammar of frame-labels.ts: a root by its kind and name, an object
 * by how its holder holds it (the access path inside the holder) and the Go type the holder declares
 * for the pointer (an interface shows its dynamic type too). Without a typed holder the frame is the
 * object's own type, or `unknown (N-byte objects)`. Map groups, slices' arrays and channel buffers
 * fold into the frame of what owns them.
 *
 * Labels are computed once per distinct holding and type, not per object: an object's label depends
 * only on its holder's role, element type and slot, and on its own type name.
 */
export class GoFrameNamer implements FrameNamer {
  readonly labels = new LabelTable();
  readonly unreachableRootLabel = this.labels.id(format.unreachableRoot);
  private readonly names: ObjectTypeNames;
  private holdingCount = 0;
  /** Holdings inside objects, by the holder's element type, then by (slot offset in the element) × 16 + role × 2 + (count > 1). */
  private readonly objectHoldings = new Map<number, Map<number, Holding | null>>();
  /** Holdings of closures' captured variables, by slot. */
  private readonly closureHoldings = new Map<PointerSlot, Holding>();
  /** Holdings of each root, by offset. */
  private readonly rootHoldings = new Map<number, Map<number, Holding | null>>();
  /** Label of an object held through an interface: by (holding id, the object's type-name label). */
  private readonly interfaceLabels = new PairMap();

  /**
   * `counts` false: labels leave out how many objects a chain or an array holds (`*main.Node`,
   * `[…]uint8`), so that a diff matches the same frame in two dumps.
   */
  constructor(
    private readonly heap: HeapAnalysis,
    pclntab: PcLnTab,
    private readonly counts = true,
  ) {
    this.names = new ObjectTypeNames(heap.typing, (pc) => pclntab.funcForPC(pc)?.name, counts);
  }

  rootLabel(root: number): number {
    const r = this.heap.graph.roots[root]!;
    return this.labels.id(format.root(r.kind, r.name));
  }

  chainLabel(label: string, count: number): string {
    return this.counts ? format.chain(label, count) : label;
  }

  sharedRootLabel(roots: number): number {
    return this.labels.id(format.sharedRoot(roots));
  }

  objectLabel(obj: number, parent: number, offset: number): number {
    if (isInternal(this.heap.typing.role[obj]!)) return -1;
    // A dominator that holds it through other objects, not by a pointer of its own: no slot to name.
    if (offset === offsetOverflow) return this.typeName(obj);
    const held = parent >= 0 ? this.heldInObject(parent, offset) : this.heldInRoot(-1 - parent, offset);
    if (!held) return this.typeName(obj);
    if (held.label >= 0) return held.label;
    const dynamic = this.typeName(obj);
    let label = this.interfaceLabels.get(held.id, dynamic);
    if (label < 0) {
      label = this.labels.id(format.held(held.how, format.throughInterface(held.declared, this.labels.text(dynamic))));
      this.interfaceLabels.set(held.id, dynamic, label);
    }
    return label;
  }

  unreachableLabel(obj: number): number {
    return this.typeName(obj);
  }

  collapseKey(obj: number): number {
    return this.typeName(obj);
  }

  /** The label of the object's own type name. */
  private typeName(obj: number): number {
    return this.labels.id(this.names.of(obj));
  }

  /** Which typed slot of root `r` holds the pointer at `offset`. */
  private heldInRoot(r: number, offset: number): Holding | undefined {
    let byOffset = this.rootHoldings.get(r);
    if (!byOffset) this.rootHoldings.set(r, (byOffset = new Map()));
    let held = byOffset.get(offset);
    if (held === undefined) {
      const typed = this.heap.graph.roots[r]!.typedSlots;
      const slot = typed && this.slotAt(typed, offset);
      held = slot ? this.holding(slot, slot.path) : null;
      byOffset.set(offset, held);
    }
    return held ?? undefined;
  }

  /** Which typed slot of object `parent` holds the pointer at `offset`, with the access path to it. */
  private heldInObject(parent: number, offset: number): Holding | undefined {
    const typing = this.heap.typing;
    const role = typing.role[parent]!;
    if (role === Role.closure) {
      const captured = typing.closureSlots(typing.type[parent]!);
      const slot = captured && this.slotAt(captured, offset);
      if (!slot) return undefined;
      let held = this.closureHoldings.get(slot);
      if (!held) this.closureHoldings.set(slot, (held = this.holding(slot, slot.path)));
      return held;
    }
    if (role !== Role.value && role !== Role.array && role !== Role.mapGroups && role !== Role.chanBuffer) return undefined;
    const elem = typing.types.typeAt(typing.type[parent]!);
    if (!elem || elem.size === 0) return undefined;
    const rel = offset - typing.dataOffset(parent);
    if (rel < 0) return undefined;
    const inElem = rel % elem.size;
    const several = typing.count[parent]! > 1 ? 1 : 0;
    let byPlace = this.objectHoldings.get(elem.addr);
    if (!byPlace) this.objectHoldings.set(elem.addr, (byPlace = new Map()));
    const key = inElem * 16 + role * 2 + several;
    let held = byPlace.get(key);
    if (held === undefined) {
      const slot = this.slotAt(this.heap.slots.of(elem), inElem);
      held = slot ? this.holding(slot, howInObject(role, several === 1, slot.path)) : null;
      byPlace.set(key, held);
    }
    return held ?? undefined;
  }

  private holding(slot: PointerSlot, how: string): Holding {
    const isInterface = slot.kind === 'eface' || slot.kind === 'iface';
    const declared = readableTypeName(slot.type.string);
    return { id: this.holdingCount++, how, declared, label: isInterface ? -1 : this.labels.id(format.held(how, declared)) };
  }

  /** The slot at `offset`, or the interface slot whose data word is at `offset`. */
  private slotAt(slots: PointerSlot[], offset: number): PointerSlot | undefined {
    const exact = this.heap.slots.find(slots, offset);
    if (exact) return exact;
    const iface = this.heap.slots.find(slots, offset - 8);
    return iface && (iface.kind === 'eface' || iface.kind === 'iface') ? iface : undefined;
  }
}

/** How an object's slot holds what it points to, by the object's role. */
function howInObject(role: number, several: boolean, path: string): string {
  switch (role) {
    case Role.mapGroups:
      return format.mapEntry(path);
    case Role.chanBuffer:
      return format.channelBuffer(path);
    case Role.array:
      return format.element(path);
    default:
      return several ? format.element(path) : path;
  }
}
