import { malformed } from './byte-reader.js';
import { DW_TAG, GoKind } from './codes.js';

/** Turns a .debug_info offset into its type; implemented by TypeTable, which caches. */
export interface TypeResolver {
  typeAt(offset: number): DwarfType;
}

/** The attributes of a type DIE that the model keeps, decoded once. */
export interface TypeAttributes {
  offset: number;
  tag: number;
  name: string;
  /** DW_AT_byte_size, or -1. */
  byteSize: number;
  /** DW_AT_go_kind (a reflect.Kind), or 0. */
  goKind: number;
  /** DW_AT_go_runtime_type: offset of the runtime type descriptor from `runtime.types`, or 0. */
  runtimeTypeOffset: number;
  /** DW_AT_type, DW_AT_go_elem, DW_AT_go_key as .debug_info offsets, or -1. */
  typeRef: number;
  elemRef: number;
  keyRef: number;
  /** DW_AT_go_dict_index of generic shape typedefs, or -1. */
  dictIndex: number;
  addrSize: number;
}

/** Typedef and qualifier chains longer than this are cycles in damaged data. */
const MAX_CHAIN = 64;

/**
 * What every type has. Go's named types arrive as a typedef with no Go attributes (an alias the
 * linker adds so references name the type) in front of the DIE that carries the kind, element and
 * runtime type; `goKind`, `elem`, `key` and `runtimeTypeOffset` look through such aliases.
 */
abstract class TypeBase {
  abstract readonly kind: string;
  readonly offset: number;
  readonly tag: number;
  readonly name: string;
  private cachedSize = -2;

  protected constructor(
    protected readonly resolver: TypeResolver,
    protected readonly attrs: TypeAttributes,
  ) {
    this.offset = attrs.offset;
    this.tag = attrs.tag;
    this.name = attrs.name;
  }

  /** Size in bytes: DW_AT_byte_size, else derived (typedef target, pointer width, count × element). */
  get size(): number {
    if (this.cachedSize === -2) this.cachedSize = this.computeSize(0);
    return this.cachedSize;
  }

  /** @internal Size with a hop count, so cycles in damaged data end in an error. */
  computeSize(hops: number): number {
    if (this.attrs.byteSize >= 0) return this.attrs.byteSize;
    if (hops > MAX_CHAIN) throw malformed('.debug_info', this.offset, 'a type refers to itself through its size');
    return this.derivedSize(hops + 1);
  }

  protected derivedSize(_hops: number): number {
    return 0;
  }

  /** The DIE that carries this type's Go attributes: itself, or the end of its alias typedef chain. */
  protected goCarrier(): TypeBase {
    let t: TypeBase = this;
    for (let hops = 0; t.tag === DW_TAG.typedef && t.attrs.goKind === 0 && t.attrs.runtimeTypeOffset === 0 && t.attrs.typeRef >= 0; hops++) {
      if (hops > MAX_CHAIN) throw malformed('.debug_info', this.offset, 'a typedef chain loops');
      t = this.resolver.typeAt(t.attrs.typeRef) as TypeBase;
    }
    return t;
  }

  /** The reflect.Kind Go recorded (GoKind), or 0 for types without one (C types, some runtime-internal types). */
  get goKind(): number {
    const c = this.goCarrier();
    // The linker writes unsafe.Pointer as a bare pointer DIE without DW_AT_go_kind.
    if (c.attrs.goKind === 0 && c.tag === DW_TAG.pointer_type && c.name === 'unsafe.Pointer') return GoKind.UnsafePointer;
    return c.attrs.goKind;
  }

  /** Offset of the runtime type descriptor (abi.Type) from `runtime.types`, or 0 when there is none. */
  get runtimeTypeOffset(): number {
    return this.goCarrier().attrs.runtimeTypeOffset;
  }

  /**
   * Element type as reflect's Elem() has it: what Go records for slices, channels and maps
   * (DW_AT_go_elem), the element of an array, the pointee of a pointer.
   */
  get elem(): DwarfType | undefined {
    const c = this.goCarrier();
    if (c.attrs.elemRef >= 0) return this.resolver.typeAt(c.attrs.elemRef);
    const hasElemInType = c.tag === DW_TAG.array_type || c.tag === DW_TAG.pointer_type;
    return hasElemInType && c.attrs.typeRef >= 0 ? this.resolver.typeAt(c.attrs.typeRef) : undefined;
  }

  /** Key type of a Go map (DW_AT_go_key). */
  get key(): DwarfType | undefined {
    const c = this.goCarrier();
    return c.attrs.keyRef >= 0 ? this.resolver.typeAt(c.attrs.keyRef) : undefined;
  }

  /** The type with the layout: follows typedefs and C qualifiers (const, volatile…) to their end. */
  get underlying(): DwarfType {
    let t = this as unknown as DwarfType;
    for (let hops = 0; t.kind === 'typedef' || (t.kind === 'other' && t.target && QUALIFIERS.has(t.tag)); hops++) {
      if (hops > MAX_CHAIN) throw malformed('.debug_info', this.offset, 'a typedef chain loops');
      const next = t.target;
      if (!next) break;
      t = next;
    }
    return t;
  }

  protected ref(offset: number): DwarfType | undefined {
    return offset >= 0 ? this.resolver.typeAt(offset) : undefined;
  }
}

const QUALIFIERS = new Set<number>([DW_TAG.const_type, DW_TAG.volatile_type, DW_TAG.restrict_type, DW_TAG.atomic_type]);

/** Integers, floats, bools, complex numbers; Go also writes named integer types (runtime.mSpanState) this way. */
export class BaseType extends TypeBase {
  readonly kind = 'base';

  constructor(
    resolver: TypeResolver,
    attrs: TypeAttributes,
    /** DW_AT_encoding (DW_ATE_*). */
    readonly encoding: number,
  ) {
    super(resolver, attrs);
  }
}

export class PointerType extends TypeBase {
  readonly kind = 'pointer';

  constructor(resolver: TypeResolver, attrs: TypeAttributes) {
    super(resolver, attrs);
  }

  /** The pointee; undefined for unsafe.Pointer and void *. */
  get target(): DwarfType | undefined {
    return this.ref(this.attrs.typeRef);
  }

  protected override derivedSize(): number {
    return this.attrs.addrSize;
  }
}

/** A field of a struct; `offset` is from the start of the struct. */
export class StructField {
  constructor(
    private readonly resolver: TypeResolver,
    readonly name: string,
    readonly offset: number,
    /** .debug_info offset of the field's type. */
    readonly typeOffset: number,
    /** Go embedded field (DW_AT_go_embedded_field). */
    readonly embedded: boolean,
  ) {}

  get type(): DwarfType {
    return this.resolver.typeAt(this.typeOffset);
  }
}

/**
 * Structs, and unions and classes of C code. Go also describes strings, slices and interfaces'
 * runtime representation as structs (goKind tells which).
 */
export class StructType extends TypeBase {
  readonly kind = 'struct';
  private byName?: Map<string, StructField>;

  constructor(
    resolver: TypeResolver,
    attrs: TypeAttributes,
    readonly fields: readonly StructField[],
  ) {
    super(resolver, attrs);
  }

  field(name: string): StructField | undefined {
    if (!this.byName) {
      this.byName = new Map();
      for (const f of this.fields) if (!this.byName.has(f.name)) this.byName.set(f.name, f);
    }
    return this.byName.get(name);
  }
}

export class ArrayType extends TypeBase {
  readonly kind = 'array';

  constructor(
    resolver: TypeResolver,
    attrs: TypeAttributes,
    /** Number of elements; -1 when DWARF gives none (C flexible arrays). */
    readonly count: number,
  ) {
    super(resolver, attrs);
  }

  protected override derivedSize(hops: number): number {
    const elem = this.ref(this.attrs.typeRef);
    return this.count > 0 && elem ? this.count * (elem as TypeBase).computeSize(hops) : 0;
  }
}

/** A typedef; Go's interfaces, maps and channels are typedefs with Go attributes (see goKind, key, elem). */
export class TypedefType extends TypeBase {
  readonly kind = 'typedef';

  constructor(resolver: TypeResolver, attrs: TypeAttributes) {
    super(resolver, attrs);
  }

  get target(): DwarfType | undefined {
    return this.ref(this.attrs.typeRef);
  }

  /** DW_AT_go_dict_index: for a generic shape type, which dictionary entry holds the real type; -1 otherwise. */
  get dictIndex(): number {
    return this.attrs.dictIndex;
  }

  protected override derivedSize(hops: number): number {
    const target = this.target;
    return target ? (target as TypeBase).computeSize(hops) : 0;
  }
}

/** Function types (Go func values are one pointer). */
export class FuncType extends TypeBase {
  readonly kind = 'func';

  constructor(resolver: TypeResolver, attrs: TypeAttributes) {
    super(resolver, attrs);
  }

  protected override derivedSize(): number {
    return this.attrs.addrSize;
  }
}

/** Everything else: unspecified types, enums, C qualifiers and references. */
export class OtherType extends TypeBase {
  readonly kind = 'other';

  constructor(resolver: TypeResolver, attrs: TypeAttributes) {
    super(resolver, attrs);
  }

  get target(): DwarfType | undefined {
    return this.ref(this.attrs.typeRef);
  }

  protected override derivedSize(hops: number): number {
    if (this.tag === DW_TAG.reference_type || this.tag === DW_TAG.rvalue_reference_type) return this.attrs.addrSize;
    const target = this.target;
    return target && QUALIFIERS.has(this.tag) ? (target as TypeBase).computeSize(hops) : 0;
  }
}

export type DwarfType = BaseType | PointerType | StructType | ArrayType | TypedefType | FuncType | OtherType;
