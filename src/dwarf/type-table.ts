import { ByteReader, malformed } from './byte-reader.js';
import { DW_AT, DW_OP, DW_TAG } from './codes.js';
import { DieCursor } from './die-cursor.js';
import type { DwarfSections } from './sections.js';
import {
  ArrayType,
  BaseType,
  type DwarfType,
  FuncType,
  OtherType,
  PointerType,
  StructField,
  StructType,
  type TypeAttributes,
  TypedefType,
  type TypeResolver,
} from './types.js';
import type { Unit } from './unit.js';
import { hex } from '../util/bytes.js';

/** Tags of DIEs that are types. */
export const TYPE_TAGS: ReadonlySet<number> = new Set<number>([
  DW_TAG.array_type,
  DW_TAG.class_type,
  DW_TAG.enumeration_type,
  DW_TAG.pointer_type,
  DW_TAG.reference_type,
  DW_TAG.structure_type,
  DW_TAG.subroutine_type,
  DW_TAG.typedef,
  DW_TAG.union_type,
  DW_TAG.ptr_to_member_type,
  DW_TAG.base_type,
  DW_TAG.const_type,
  DW_TAG.volatile_type,
  DW_TAG.restrict_type,
  DW_TAG.unspecified_type,
  DW_TAG.rvalue_reference_type,
  DW_TAG.atomic_type,
]);

/** Builds type models from their DIEs on first use and keeps them, so each DIE is decoded once. */
export class TypeTable implements TypeResolver {
  private readonly cache = new Map<number, DwarfType>();
  private readonly cursor: DieCursor;

  constructor(sections: DwarfSections, units: readonly Unit[]) {
    this.cursor = new DieCursor(sections, units);
  }

  typeAt(offset: number): DwarfType {
    let type = this.cache.get(offset);
    if (!type) {
      type = this.read(offset);
      this.cache.set(offset, type);
    }
    return type;
  }

  private read(offset: number): DwarfType {
    const c = this.cursor;
    c.readAt(offset);
    if (!TYPE_TAGS.has(c.tag)) throw malformed('.debug_info', offset, `a type reference points to a DIE with tag ${hex(c.tag)}`);
    const attrs: TypeAttributes = {
      offset,
      tag: c.tag,
      name: c.string(DW_AT.name) ?? '',
      byteSize: c.number(DW_AT.byte_size) ?? -1,
      goKind: c.number(DW_AT.go_kind) ?? 0,
      runtimeTypeOffset: c.address(DW_AT.go_runtime_type) ?? 0,
      typeRef: c.reference(DW_AT.type) ?? -1,
      elemRef: c.reference(DW_AT.go_elem) ?? -1,
      keyRef: c.reference(DW_AT.go_key) ?? -1,
      dictIndex: c.number(DW_AT.go_dict_index) ?? -1,
      addrSize: c.unit.addrSize,
    };
    switch (c.tag) {
      case DW_TAG.base_type:
        return new BaseType(this, attrs, c.number(DW_AT.encoding) ?? 0);
      case DW_TAG.pointer_type:
        return new PointerType(this, attrs);
      case DW_TAG.structure_type:
      case DW_TAG.class_type:
      case DW_TAG.union_type:
        return new StructType(this, attrs, this.readFields());
      case DW_TAG.array_type:
        return new ArrayType(this, attrs, this.readCount());
      case DW_TAG.typedef:
        return new TypedefType(this, attrs);
      case DW_TAG.subroutine_type:
        return new FuncType(this, attrs);
      default:
        return new OtherType(this, attrs);
    }
  }

  /** The DW_TAG_member children of the struct the cursor is on. */
  private readFields(): StructField[] {
    const c = this.cursor;
    const fields: StructField[] = [];
    if (!c.abbrev.hasChildren) return fields;
    while (c.next() && c.depth > 0) {
      if (c.depth !== 1 || c.tag !== DW_TAG.member) continue;
      const typeOffset = c.reference(DW_AT.type);
      if (typeOffset === undefined) throw malformed('.debug_info', c.offset, 'a struct member has no type');
      fields.push(new StructField(this, c.string(DW_AT.name) ?? '', this.memberOffset(), typeOffset, (c.number(DW_AT.go_embedded_field) ?? 0) !== 0));
    }
    return fields;
  }

  /** DW_AT_data_member_location as a constant, or the DWARF 2 form `DW_OP_plus_uconst N`; bitfields by their byte. */
  private memberOffset(): number {
    const c = this.cursor;
    const constant = c.number(DW_AT.data_member_location);
    if (constant !== undefined) return constant;
    const block = c.block(DW_AT.data_member_location);
    if (block) {
      const r = new ByteReader(block, 'member location');
      if (r.u8() === DW_OP.plus_uconst) return r.uleb();
      throw malformed('.debug_info', c.offset, 'a member location is an expression this reader does not evaluate');
    }
    const bits = c.number(DW_AT.data_bit_offset);
    return bits === undefined ? 0 : Math.floor(bits / 8);
  }

  /**
   * Element count: DW_AT_count, or DW_AT_upper_bound + 1, of the DW_TAG_subrange_type children
   * (their product for C's multi-dimensional arrays); -1 when a bound is missing.
   */
  private readCount(): number {
    const c = this.cursor;
    let count: number | undefined;
    if (!c.abbrev.hasChildren) return -1;
    while (c.next() && c.depth > 0) {
      if (c.depth !== 1 || c.tag !== DW_TAG.subrange_type) continue;
      const upper = c.number(DW_AT.upper_bound);
      const n = c.number(DW_AT.count) ?? (upper !== undefined ? upper + 1 : -1);
      if (count === undefined) count = n;
      else count = count >= 0 && n >= 0 ? count * n : -1;
    }
    return count ?? -1;
  }
}
