import type { DwarfType } from '../../dwarf/index.js';
import type { PointerSlot, PointerSlots } from '../binary/pointer-slots.js';
import type { RuntimeTypes } from '../binary/runtime-types.js';

/** What kind of GC root holds memory; the order here is the order roots are walked and drawn. */
export const rootKinds = ['global', 'goroutine', 'finalizer', 'cleanup', 'runtime'] as const;
export type RootKind = (typeof rootKinds)[number];

/** A pointer word held by a root: its offset in the root, its value, and its declared type if known. */
export interface RootSlot {
  offset: number;
  value: number;
  /** Runtime type descriptor the word is declared with (e.g. `*main.Payload`), 0 when unknown. */
  declared: number;
}

/** `size` bytes of a root, from `offset` in its value, stored at `addr`. */
export interface RootPiece {
  offset: number;
  addr: number;
  size: number;
}

/** A GC root: found with its final kind and name, typed where its type is known, then a root of the reference graph. */
export interface HeapRoot {
  readonly kind: RootKind;
  /** `main.sessions`, `goroutine 42 main.worker · list` (analysis/frame-labels.ts makes the frame from kind and name). */
  name: string;
  /** Sort key within its kind (goroutine id; 0 to sort by name). */
  rank: number;
  /** Address of the root's memory (a global, a stack slot), 0 for registers and runtime records. */
  addr: number;
  /**
   * Where the root's bytes are when they are not one run from `addr`: a variable the compiler split
   * into pieces (a slice whose pointer, length and capacity sit in different stack slots).
   */
  pieces?: RootPiece[];
  /** Runtime type of the whole root when known (a typed global or local), else 0. */
  typeAddr: number;
  /** The root's DWARF type, used when the binary has no runtime type for it. */
  dwarfType?: DwarfType;
  slots: RootSlot[];
  /**
   * An object whose referents this root keeps alive without keeping the object itself (a finalizer's
   * object): the root takes over that object's outgoing pointers.
   */
  referentsOf?: number;
  /** The pointer type (`*T`) of the referentsOf object, when the runtime records it (a finalizer's `ot`). */
  referentsOfType?: number;
  /** The typed pointer slots of the root's type, once known (see rootTypeSlots); undefined when its type is unknown. */
  typedSlots?: PointerSlot[];
}

/** The pointer slots of a root's type: from its runtime type, else from its DWARF type. */
export function rootTypeSlots(types: RuntimeTypes, slots: PointerSlots, root: HeapRoot): PointerSlot[] | undefined {
  const rootType = root.typeAddr ? types.typeAt(root.typeAddr) : undefined;
  if (rootType) return slots.of(rootType);
  return root.dwarfType ? slots.ofDwarf(root.dwarfType) : undefined;
}
