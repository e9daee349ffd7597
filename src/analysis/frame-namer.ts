import type { FrameNamer } from '../graph/fold.js';
import type { HeapAnalysis } from './heap-analysis.js';
import type { PcLnTab } from '../goruntime/binary/pclntab.js';
import { isInternal, Role } from '../goruntime/typing/heap-typing.js';
import type { PointerSlot } from '../goruntime/binary/pointer-slots.js';
import { format } from './frame-labels.js';
import { objectTypeName } from './type-names.js';

/**
 * Names flame-graph frames by the grammar of frame-labels.ts: a root by its kind and name, an object
 * by how its holder holds it (the access path inside the holder) and the Go type the holder declares
 * for the pointer (an interface shows its dynamic type too). Without a typed holder the frame is the
 * object's own type, or `unknown (N-byte objects)`. Map groups, slices' arrays and channel buffers
 * fold into the frame of what owns them.
 */
export class GoFrameNamer implements FrameNamer {
  constructor(
    private readonly heap: HeapAnalysis,
    private readonly pclntab: PcLnTab,
  ) {}

  readonly unreachableRootLabel = format.unreachableRoot;

  rootLabel(root: number): string {
    const r = this.heap.graph.roots[root]!;
    return format.root(r.kind, r.name);
  }

  chainLabel(label: string, count: number): string {
    return format.chain(label, count);
  }

  objectLabel(obj: number, parent: number, offset: number): string | undefined {
    const typing = this.heap.typing;
    if (isInternal(typing.role[obj]!)) return undefined;
    const held = parent >= 0 ? this.heldInObject(parent, offset) : this.heldInRoot(-1 - parent, offset);
    if (!held) return this.typeName(obj);
    const what = held.slot.kind === 'eface' || held.slot.kind === 'iface' ? format.throughInterface(held.slot.type.string, this.typeName(obj)) : held.slot.type.string;
    return format.held(held.how, what);
  }

  unreachableLabel(obj: number): string {
    return this.typeName(obj);
  }

  collapseKey(obj: number): string {
    return this.typeName(obj);
  }

  /** The object's own type name, cached per object kind. */
  typeName(obj: number): string {
    return objectTypeName(this.heap.typing, obj, (pc) => this.pclntab.funcForPC(pc)?.name);
  }

  /** Which typed slot of root `r` holds the pointer at `offset`. */
  private heldInRoot(r: number, offset: number): { how: string; slot: PointerSlot } | undefined {
    const typed = this.heap.graph.roots[r]!.typedSlots;
    const slot = typed && this.slotAt(typed, offset);
    return slot ? { how: slot.path, slot } : undefined;
  }

  /** Which typed slot of object `parent` holds the pointer at `offset`, with the access path to it. */
  private heldInObject(parent: number, offset: number): { how: string; slot: PointerSlot } | undefined {
    const typing = this.heap.typing;
    const role = typing.role[parent]!;
    if (role === Role.closure) {
      const captured = typing.closureSlots(typing.type[parent]!);
      const slot = captured && this.slotAt(captured, offset);
      return slot ? { how: slot.path, slot } : undefined;
    }
    if (role !== Role.value && role !== Role.array && role !== Role.mapGroups && role !== Role.chanBuffer) return undefined;
    const elem = typing.types.typeAt(typing.type[parent]!);
    if (!elem || elem.size === 0) return undefined;
    const rel = offset - typing.dataOffset(parent);
    const slot = rel >= 0 ? this.slotAt(this.heap.slots.of(elem), rel % elem.size) : undefined;
    if (!slot) return undefined;
    switch (role) {
      case Role.mapGroups:
        return { how: format.mapEntry(slot.path), slot };
      case Role.chanBuffer:
        return { how: format.channelBuffer(slot.path), slot };
      case Role.array:
        return { how: format.element(slot.path), slot };
      default:
        return { how: typing.count[parent]! > 1 ? format.element(slot.path) : slot.path, slot };
    }
  }

  /** The slot at `offset`, or the interface slot whose data word is at `offset`. */
  private slotAt(slots: PointerSlot[], offset: number): PointerSlot | undefined {
    const exact = this.heap.slots.find(slots, offset);
    if (exact) return exact;
    const iface = this.heap.slots.find(slots, offset - 8);
    return iface && (iface.kind === 'eface' || iface.kind === 'iface') ? iface : undefined;
  }
}
