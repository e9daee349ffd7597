import type { DwarfType } from '../../dwarf/index.js';
import type { RootKind } from '../../graph/reference-graph.js';

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

/** A GC root before it joins the reference graph. */
export interface HeapRoot {
  kind: RootKind;
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
}
