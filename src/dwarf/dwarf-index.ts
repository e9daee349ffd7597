import { UserError } from '../errors.js';
import { ByteReader } from './byte-reader.js';
import { DW_AT, DW_LANG_Go, DW_OP, DW_TAG } from './codes.js';
import { DwarfConstant } from './constant.js';
import { DieCursor } from './die-cursor.js';
import { DwarfFunction, type FunctionBodyReader } from './function.js';
import { GlobalVariable } from './global-variable.js';
import { indexedAddress } from './indexed-tables.js';
import { originRef, seekOrigin } from './origin.js';
import { readRangeList } from './range-list.js';
import type { DwarfSections } from './sections.js';
import { TYPE_TAGS } from './type-table.js';
import type { TypeResolver } from './types.js';
import type { Unit } from './unit.js';
import { hex } from '../util/bytes.js';

/** What one pass over .debug_info finds: enough to look things up by name, address or pc. */
export interface DwarfIndex {
  /** Offsets of every type DIE, in section order. */
  readonly typeOffsets: number[];
  /** Go type names → DIE offset; the DIE with the layout wins over a typedef of the same name. */
  readonly typesByName: Map<string, number>;
  /** DW_AT_go_runtime_type values → DIE offset. */
  readonly typesByRuntimeType: Map<number, number>;
  readonly globals: GlobalVariable[];
  readonly constants: DwarfConstant[];
  readonly functions: DwarfFunction[];
}

/**
 * Walks every DIE once, decoding only the attributes the index needs. A unit whose DIEs are
 * damaged is abandoned with a warning at the first bad byte; what it gave before stays.
 */
export function buildIndex(
  sections: DwarfSections,
  units: readonly Unit[],
  resolver: TypeResolver,
  bodies: FunctionBodyReader,
  warnings: string[],
): DwarfIndex {
  const scan = new IndexScan(sections, units, resolver, bodies);
  for (const unit of units) {
    try {
      scan.scanUnit(unit);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      warnings.push(`Part of the DWARF unit at .debug_info offset ${hex(unit.offset)} (${unit.name || 'unnamed'}) was skipped: ${err.message}`);
    }
  }
  return scan.index;
}

class IndexScan {
  readonly index: DwarfIndex = {
    typeOffsets: [],
    typesByName: new Map(),
    typesByRuntimeType: new Map(),
    globals: [],
    constants: [],
    functions: [],
  };
  /** Names in typesByName that currently map to a typedef, which a later non-typedef replaces. */
  private readonly namedByTypedef = new Set<string>();
  private readonly cursor: DieCursor;
  private readonly probe: DieCursor;

  constructor(
    private readonly sections: DwarfSections,
    units: readonly Unit[],
    private readonly resolver: TypeResolver,
    private readonly bodies: FunctionBodyReader,
  ) {
    this.cursor = new DieCursor(sections, units);
    this.probe = new DieCursor(sections, units);
  }

  scanUnit(unit: Unit): void {
    const c = this.cursor;
    c.startUnit(unit);
    if (!c.next()) return;
    readUnitDie(c, unit);
    const isGo = unit.language === DW_LANG_Go;
    while (c.next()) {
      const tag = c.tag;
      if (TYPE_TAGS.has(tag)) this.addType(isGo);
      else if (tag === DW_TAG.subprogram) this.addFunction();
      else if (c.depth === 1 && tag === DW_TAG.variable) this.addGlobal();
      else if (c.depth === 1 && tag === DW_TAG.constant) this.addConstant();
    }
  }

  private addType(isGo: boolean): void {
    const c = this.cursor;
    const { typeOffsets, typesByName, typesByRuntimeType } = this.index;
    typeOffsets.push(c.offset);
    if (!isGo) return;
    const runtimeType = c.address(DW_AT.go_runtime_type);
    if (runtimeType && !typesByRuntimeType.has(runtimeType)) typesByRuntimeType.set(runtimeType, c.offset);
    const name = c.string(DW_AT.name);
    if (!name) return;
    const isTypedef = c.tag === DW_TAG.typedef;
    if (!typesByName.has(name)) {
      typesByName.set(name, c.offset);
      if (isTypedef) this.namedByTypedef.add(name);
    } else if (!isTypedef && this.namedByTypedef.has(name)) {
      typesByName.set(name, c.offset);
      this.namedByTypedef.delete(name);
    }
  }

  private addFunction(): void {
    const c = this.cursor;
    let lowPc = c.address(DW_AT.low_pc);
    let highPc: number;
    let ranges: [number, number][] | undefined;
    if (lowPc !== undefined) {
      highPc = c.address(DW_AT.high_pc) ?? lowPc + (c.number(DW_AT.high_pc) ?? 0);
    } else {
      const ref = c.listRef(DW_AT.ranges);
      if (!ref) return; // a declaration or an abstract (inlined-only) function: no code
      ranges = readRangeList(this.sections, c.unit, ref).filter(([lo, hi]) => hi > lo && lo !== 0) as [number, number][];
      if (ranges.length === 0) return;
      lowPc = ranges.reduce((min, r) => Math.min(min, r[0]), Infinity);
      highPc = ranges.reduce((max, r) => Math.max(max, r[1]), 0);
    }
    // Linkers leave discarded functions at address 0.
    if (lowPc === 0 || highPc <= lowPc) return;
    const name = this.nameOf();
    this.index.functions.push(new DwarfFunction(this.bodies, name, lowPc, highPc, ranges, c.offset));
  }

  private addGlobal(): void {
    const c = this.cursor;
    const loc = c.block(DW_AT.location);
    if (!loc) return;
    const address = staticAddress(loc, c.unit, this.sections);
    if (address === undefined) return;
    let typeOffset = c.reference(DW_AT.type);
    let name = c.string(DW_AT.name);
    const origin = originRef(c);
    if ((name === undefined || typeOffset === undefined) && origin !== undefined && seekOrigin(this.probe, origin)) {
      name ??= this.probe.string(DW_AT.name);
      typeOffset ??= this.probe.reference(DW_AT.type);
    }
    if (name) this.index.globals.push(new GlobalVariable(this.resolver, name, address, typeOffset ?? -1));
  }

  private addConstant(): void {
    const c = this.cursor;
    const name = c.string(DW_AT.name);
    const value = c.bigConstant(DW_AT.const_value);
    if (name && value !== undefined) this.index.constants.push(new DwarfConstant(this.resolver, name, value, c.reference(DW_AT.type) ?? -1));
  }

  /** The cursor DIE's name, or its abstract origin's or declaration's. */
  private nameOf(): string {
    const c = this.cursor;
    const own = c.string(DW_AT.name);
    if (own !== undefined) return own;
    const origin = originRef(c);
    return origin !== undefined && seekOrigin(this.probe, origin) ? (this.probe.string(DW_AT.name) ?? '') : '';
  }
}

/** Reads what the rest of the unit depends on from the unit DIE: list and string bases first, then names. */
function readUnitDie(c: DieCursor, unit: Unit): void {
  unit.addrBase = c.number(DW_AT.addr_base);
  unit.strOffsetsBase = c.number(DW_AT.str_offsets_base);
  unit.loclistsBase = c.number(DW_AT.loclists_base);
  unit.rnglistsBase = c.number(DW_AT.rnglists_base);
  unit.baseAddress = c.address(DW_AT.low_pc) ?? 0;
  unit.language = c.number(DW_AT.language) ?? 0;
  unit.name = c.string(DW_AT.name) ?? '';
  unit.producer = c.string(DW_AT.producer) ?? '';
}

/** The address of a variable located by exactly `DW_OP_addr A` or `DW_OP_addrx I`; undefined for anything else (TLS, registers). */
function staticAddress(loc: Buffer, unit: Unit, sections: DwarfSections): number | undefined {
  if (loc.length === 0) return undefined;
  const r = new ByteReader(loc, 'global location');
  const op = r.u8();
  let address: number;
  if (op === DW_OP.addr && loc.length === 1 + unit.addrSize) address = r.uint(unit.addrSize);
  else if (op === DW_OP.addrx) address = indexedAddress(sections, unit, r.uleb());
  else return undefined;
  return r.pos === r.end ? address : undefined;
}
