import { type Abbrev, attrIndex } from './abbrev.js';
import { ByteReader, malformed, stringAt } from './byte-reader.js';
import { DW_FORM } from './codes.js';
import { indexedAddress, indexedString } from './indexed-tables.js';
import type { DwarfSections } from './sections.js';
import { type Unit, unitContaining } from './unit.js';
import { hex } from '../util/bytes.js';

/** GNU extension forms that linkers may leave in otherwise ordinary DWARF. */
const GNU_addr_index = 0x1f01;
const GNU_str_index = 0x1f02;
const GNU_ref_alt = 0x1f20;
const GNU_strp_alt = 0x1f21;

/**
 * Walks the DIEs of .debug_info one at a time without building an object per DIE or per attribute:
 * stepping to a DIE records where each attribute value starts, and values are decoded only when
 * asked for. One cursor is reused for a whole scan; `depth` tracks the tree.
 */
export class DieCursor {
  /** The current DIE: its offset in .debug_info, abbreviation, tag, and depth (0 = where the walk began). */
  offset = 0;
  abbrev!: Abbrev;
  tag = 0;
  depth = 0;
  unit!: Unit;

  private readonly walk: ByteReader;
  private readonly value: ByteReader;
  private nextDepth = 0;
  /** Size of each form's value in the current unit, or -1 when it varies per value. */
  private formSizes: Int8Array = new Int8Array(0);
  /** Where each attribute value of the current DIE starts. */
  private valuePos: number[] = [];

  constructor(
    private readonly sections: DwarfSections,
    private readonly units: readonly Unit[],
  ) {
    this.walk = new ByteReader(sections.info, '.debug_info');
    this.value = new ByteReader(sections.info, '.debug_info');
  }

  /** Positions the cursor before the unit DIE; `next()` reads it at depth 0. */
  startUnit(unit: Unit): void {
    this.enter(unit, unit.dieOffset);
  }

  /** Positions the cursor before the DIE at `offset`; `next()` reads it at depth 0, its children at 1. */
  seek(offset: number): void {
    const unit = unitContaining(this.units, offset);
    if (!unit || offset < unit.dieOffset) throw malformed('.debug_info', offset, 'a DIE reference points outside every unit');
    this.enter(unit, offset);
  }

  private enter(unit: Unit, offset: number): void {
    this.unit = unit;
    this.walk.end = unit.end;
    this.value.end = unit.end;
    this.walk.seek(offset);
    this.nextDepth = 0;
    this.formSizes = formSizes(unit);
    if (this.valuePos.length < unit.abbrevs.maxAttrs) this.valuePos = new Array<number>(unit.abbrevs.maxAttrs).fill(0);
  }

  /** Reads the DIE at `offset` (for one-off reads of referenced DIEs), which must start a DIE. */
  readAt(offset: number): void {
    this.seek(offset);
    if (!this.next() || this.offset !== offset) throw malformed('.debug_info', offset, 'a DIE reference points to no DIE');
  }

  /**
   * Steps to the next DIE of the unit in depth-first order, skipping the null entries that close
   * sibling lists. False at the end of the unit. Every step consumes at least one byte, so a walk
   * over damaged data still ends.
   */
  next(): boolean {
    const r = this.walk;
    const buf = this.sections.info;
    const end = r.end;
    const sizes = this.formSizes;
    while (r.pos < end) {
      const offset = r.pos;
      const code = r.uleb();
      if (code === 0) {
        this.nextDepth--;
        continue;
      }
      const abbrev = this.unit.abbrevs.get(code);
      if (!abbrev) throw r.fail(`abbreviation code ${code} is not defined`, offset);
      // The hot loop of every scan: fixed-size values by table, the common variable ones inline.
      const forms = abbrev.forms;
      const pos = this.valuePos;
      let p = r.pos;
      for (let i = 0; i < forms.length; i++) {
        pos[i] = p;
        const form = forms[i]!;
        const size = form < sizes.length ? sizes[form]! : -1;
        if (size >= 0) {
          p += size;
          continue;
        }
        if (p >= end) throw r.fail('a DIE runs past the end of its unit', offset);
        switch (form) {
          case DW_FORM.string: {
            const nul = buf.indexOf(0, p);
            if (nul < 0 || nul >= end) throw r.fail('a string has no terminating NUL', p);
            p = nul + 1;
            break;
          }
          case DW_FORM.udata:
          case DW_FORM.sdata:
          case DW_FORM.ref_udata:
          case DW_FORM.strx:
          case DW_FORM.addrx:
          case DW_FORM.loclistx:
          case DW_FORM.rnglistx:
            while (p < end && buf[p]! >= 0x80) p++;
            p++;
            break;
          case DW_FORM.block1:
            p += 1 + buf[p]!;
            break;
          default:
            r.pos = p;
            this.skipValue(form);
            p = r.pos;
        }
      }
      if (p > end) throw r.fail('a DIE runs past the end of its unit', offset);
      r.pos = p;
      this.offset = offset;
      this.abbrev = abbrev;
      this.tag = abbrev.tag;
      this.depth = this.nextDepth;
      if (abbrev.hasChildren) this.nextDepth++;
      return true;
    }
    return false;
  }

  /** Skips one value of any form (the walk loop inlines the common ones). */
  private skipValue(form: number): void {
    const r = this.walk;
    const size = form < this.formSizes.length ? this.formSizes[form]! : -1;
    if (size >= 0) {
      r.skip(size);
      return;
    }
    switch (form) {
      case DW_FORM.string:
        r.skipCString();
        return;
      case DW_FORM.block1:
        r.skip(r.u8());
        return;
      case DW_FORM.block2:
        r.skip(r.u16());
        return;
      case DW_FORM.block4:
        r.skip(r.u32());
        return;
      case DW_FORM.block:
      case DW_FORM.exprloc:
        r.skip(r.uleb());
        return;
      case DW_FORM.sdata:
      case DW_FORM.udata:
      case DW_FORM.ref_udata:
      case DW_FORM.strx:
      case DW_FORM.addrx:
      case DW_FORM.loclistx:
      case DW_FORM.rnglistx:
      case GNU_addr_index:
      case GNU_str_index:
        r.skipLeb();
        return;
      case GNU_ref_alt:
      case GNU_strp_alt:
        r.skip(this.unit.offsetSize);
        return;
      case DW_FORM.indirect:
        this.skipValue(r.uleb());
        return;
      default:
        throw r.fail(`unknown attribute form ${hex(form)}`);
    }
  }

  has(at: number): boolean {
    return attrIndex(this.abbrev, at) >= 0;
  }

  private formAt(i: number): number {
    const r = this.value;
    r.seek(this.valuePos[i]!);
    let form = this.abbrev.forms[i]!;
    while (form === DW_FORM.indirect) form = r.uleb();
    return form;
  }

  /**
   * A constant-class value (data1/2/4/8, udata, sdata, implicit_const), a flag, or a section
   * offset, as a number. data forms are unsigned; sdata is signed.
   */
  number(at: number): number | undefined {
    const i = attrIndex(this.abbrev, at);
    if (i < 0) return undefined;
    const r = this.value;
    const form = this.formAt(i);
    switch (form) {
      case DW_FORM.data1:
      case DW_FORM.flag:
        return r.u8();
      case DW_FORM.data2:
        return r.u16();
      case DW_FORM.data4:
        return r.u32();
      case DW_FORM.data8:
        return r.u64();
      case DW_FORM.udata:
        return r.uleb();
      case DW_FORM.sdata:
        return r.sleb();
      case DW_FORM.implicit_const:
        return this.abbrev.implicitConsts!.get(i)!;
      case DW_FORM.flag_present:
        return 1;
      case DW_FORM.sec_offset:
        return r.uint(this.unit.offsetSize);
      default:
        return undefined;
    }
  }

  /** A constant-class value exactly, for constants that may not fit a double. */
  bigConstant(at: number): bigint | undefined {
    const i = attrIndex(this.abbrev, at);
    if (i < 0) return undefined;
    const r = this.value;
    switch (this.formAt(i)) {
      case DW_FORM.data1:
        return BigInt(r.u8());
      case DW_FORM.data2:
        return BigInt(r.u16());
      case DW_FORM.data4:
        return BigInt(r.u32());
      case DW_FORM.data8:
        return r.u64Big();
      case DW_FORM.udata:
        return r.ulebBig();
      case DW_FORM.sdata:
        return r.slebBig();
      case DW_FORM.implicit_const:
        return BigInt(this.abbrev.implicitConsts!.get(i)!);
      default:
        return undefined;
    }
  }

  /** A string-class value from any string form. */
  string(at: number): string | undefined {
    const i = attrIndex(this.abbrev, at);
    if (i < 0) return undefined;
    const r = this.value;
    const unit = this.unit;
    switch (this.formAt(i)) {
      case DW_FORM.string:
        return r.cstring();
      case DW_FORM.strp:
        return stringAt(this.sections.get('.debug_str'), '.debug_str', r.uint(unit.offsetSize));
      case DW_FORM.line_strp:
        return stringAt(this.sections.get('.debug_line_str'), '.debug_line_str', r.uint(unit.offsetSize));
      case DW_FORM.strx:
      case GNU_str_index:
        return indexedString(this.sections, unit, r.uleb());
      case DW_FORM.strx1:
        return indexedString(this.sections, unit, r.u8());
      case DW_FORM.strx2:
        return indexedString(this.sections, unit, r.u16());
      case DW_FORM.strx3:
        return indexedString(this.sections, unit, r.u24());
      case DW_FORM.strx4:
        return indexedString(this.sections, unit, r.u32());
      default:
        return undefined;
    }
  }

  /** An address-class value (DW_FORM_addr or an index into .debug_addr). */
  address(at: number): number | undefined {
    const i = attrIndex(this.abbrev, at);
    if (i < 0) return undefined;
    const r = this.value;
    const unit = this.unit;
    switch (this.formAt(i)) {
      case DW_FORM.addr:
        return r.uint(unit.addrSize);
      case DW_FORM.addrx:
      case GNU_addr_index:
        return indexedAddress(this.sections, unit, r.uleb());
      case DW_FORM.addrx1:
        return indexedAddress(this.sections, unit, r.u8());
      case DW_FORM.addrx2:
        return indexedAddress(this.sections, unit, r.u16());
      case DW_FORM.addrx3:
        return indexedAddress(this.sections, unit, r.u24());
      case DW_FORM.addrx4:
        return indexedAddress(this.sections, unit, r.u32());
      default:
        return undefined;
    }
  }

  /** A reference as an absolute .debug_info offset; undefined for type-signature and supplementary-file references. */
  reference(at: number): number | undefined {
    const i = attrIndex(this.abbrev, at);
    if (i < 0) return undefined;
    const r = this.value;
    const unit = this.unit;
    switch (this.formAt(i)) {
      case DW_FORM.ref1:
        return unit.offset + r.u8();
      case DW_FORM.ref2:
        return unit.offset + r.u16();
      case DW_FORM.ref4:
        return unit.offset + r.u32();
      case DW_FORM.ref8:
        return unit.offset + r.u64();
      case DW_FORM.ref_udata:
        return unit.offset + r.uleb();
      case DW_FORM.ref_addr:
        return r.uint(unit.version <= 2 ? unit.addrSize : unit.offsetSize);
      default:
        return undefined;
    }
  }

  /** A block or exprloc value, as a view into .debug_info. */
  block(at: number): Buffer | undefined {
    const i = attrIndex(this.abbrev, at);
    if (i < 0) return undefined;
    const r = this.value;
    switch (this.formAt(i)) {
      case DW_FORM.block1:
        return r.bytes(r.u8());
      case DW_FORM.block2:
        return r.bytes(r.u16());
      case DW_FORM.block4:
        return r.bytes(r.u32());
      case DW_FORM.block:
      case DW_FORM.exprloc:
        return r.bytes(r.uleb());
      default:
        return undefined;
    }
  }

  /** The raw unsigned value of a loclistx/rnglistx/sec_offset/data attribute, with its form. */
  listRef(at: number): { form: number; value: number } | undefined {
    const i = attrIndex(this.abbrev, at);
    if (i < 0) return undefined;
    const r = this.value;
    const form = this.formAt(i);
    switch (form) {
      case DW_FORM.sec_offset:
        return { form, value: r.uint(this.unit.offsetSize) };
      case DW_FORM.data4:
        return { form, value: r.u32() };
      case DW_FORM.data8:
        return { form, value: r.u64() };
      case DW_FORM.loclistx:
      case DW_FORM.rnglistx:
        return { form, value: r.uleb() };
      default:
        return undefined;
    }
  }
}

const formSizeCache = new Map<number, Int8Array>();

/** Value sizes of the fixed-size forms for a unit's address size, offset size and version; -1 for the rest. */
function formSizes(unit: Unit): Int8Array {
  const refAddrSize = unit.version <= 2 ? unit.addrSize : unit.offsetSize;
  const key = unit.addrSize * 100 + unit.offsetSize * 10 + refAddrSize;
  let sizes = formSizeCache.get(key);
  if (sizes) return sizes;
  sizes = new Int8Array(DW_FORM.addrx4 + 1).fill(-1);
  const set = (size: number, ...forms: number[]): void => forms.forEach((f) => (sizes![f] = size));
  set(unit.addrSize, DW_FORM.addr);
  set(0, DW_FORM.flag_present, DW_FORM.implicit_const);
  set(1, DW_FORM.data1, DW_FORM.ref1, DW_FORM.flag, DW_FORM.strx1, DW_FORM.addrx1);
  set(2, DW_FORM.data2, DW_FORM.ref2, DW_FORM.strx2, DW_FORM.addrx2);
  set(3, DW_FORM.strx3, DW_FORM.addrx3);
  set(4, DW_FORM.data4, DW_FORM.ref4, DW_FORM.ref_sup4, DW_FORM.strx4, DW_FORM.addrx4);
  set(8, DW_FORM.data8, DW_FORM.ref8, DW_FORM.ref_sig8, DW_FORM.ref_sup8);
  set(16, DW_FORM.data16);
  set(unit.offsetSize, DW_FORM.strp, DW_FORM.line_strp, DW_FORM.sec_offset, DW_FORM.strp_sup);
  set(refAddrSize, DW_FORM.ref_addr);
  formSizeCache.set(key, sizes);
  return sizes;
}
