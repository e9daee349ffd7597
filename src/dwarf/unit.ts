import { UserError } from '../errors.js';
import { AbbrevTable } from './abbrev.js';
import { ByteReader } from './byte-reader.js';
import { DW_UT } from './codes.js';
import { hex } from '../util/bytes.js';

/**
 * One unit of .debug_info (a compile unit, or a partial or type unit): its header, and the values of
 * its unit DIE that other DIEs depend on (string, address and list bases, the base address).
 */
export class Unit {
  /** DW_AT_name, DW_AT_producer and DW_AT_language of the unit DIE. */
  name = '';
  producer = '';
  language = 0;
  /** The unit's base address (DW_AT_low_pc) for location and range lists. */
  baseAddress = 0;
  /** DWARF 5 bases into .debug_addr, .debug_str_offsets, .debug_loclists and .debug_rnglists. */
  addrBase: number | undefined;
  strOffsetsBase: number | undefined;
  loclistsBase: number | undefined;
  rnglistsBase: number | undefined;

  constructor(
    readonly index: number,
    /** Offset of the unit header in .debug_info. */
    readonly offset: number,
    /** Offset just past the unit. */
    readonly end: number,
    readonly version: number,
    readonly unitType: number,
    /** 4 for 32-bit DWARF, 8 for 64-bit DWARF. */
    readonly offsetSize: 4 | 8,
    readonly addrSize: number,
    readonly abbrevs: AbbrevTable,
    /** Offset of the unit DIE. */
    readonly dieOffset: number,
  ) {}
}

/**
 * Reads every unit header of .debug_info. A unit with an unsupported version or a damaged header is
 * skipped with a warning; a length that runs past the section ends the list, since nothing after
 * it can be found.
 */
export function readUnits(info: Buffer, abbrevSection: Buffer, warnings: string[]): Unit[] {
  const units: Unit[] = [];
  const abbrevTables = new Map<number, AbbrevTable>();
  const r = new ByteReader(info, '.debug_info');
  while (r.pos < info.length) {
    const offset = r.pos;
    let end: number;
    let offsetSize: 4 | 8 = 4;
    try {
      let length = r.u32();
      if (length === 0xffffffff) {
        offsetSize = 8;
        length = r.u64();
      } else if (length >= 0xfffffff0) {
        throw r.fail(`reserved unit length ${hex(length)}`, offset);
      }
      end = r.pos + length;
      if (end > info.length) throw r.fail(`the unit length ${length} runs past the section end`, offset);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      warnings.push(`DWARF units from .debug_info offset ${hex(offset)} on were skipped: ${err.message}`);
      break;
    }
    try {
      const unit = readUnitHeader(r, offset, end, offsetSize, units.length, abbrevSection, abbrevTables);
      if (unit) units.push(unit);
      else warnings.push(`The DWARF unit at .debug_info offset ${hex(offset)} is a kind this reader skips (split or skeleton unit).`);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      warnings.push(`The DWARF unit at .debug_info offset ${hex(offset)} was skipped: ${err.message}`);
    }
    r.pos = end;
  }
  return units;
}

function readUnitHeader(
  r: ByteReader,
  offset: number,
  end: number,
  offsetSize: 4 | 8,
  index: number,
  abbrevSection: Buffer,
  abbrevTables: Map<number, AbbrevTable>,
): Unit | undefined {
  r.end = end;
  try {
    const version = r.u16();
    let unitType: number = DW_UT.compile;
    let addrSize: number;
    let abbrevOffset: number;
    if (version >= 2 && version <= 4) {
      abbrevOffset = r.uint(offsetSize);
      addrSize = r.u8();
    } else if (version === 5) {
      unitType = r.u8();
      addrSize = r.u8();
      abbrevOffset = r.uint(offsetSize);
      if (unitType === DW_UT.type || unitType === DW_UT.split_type) r.skip(8 + offsetSize);
      else if (unitType === DW_UT.skeleton || unitType === DW_UT.split_compile) return undefined;
      else if (unitType !== DW_UT.compile && unitType !== DW_UT.partial) throw r.fail(`unknown unit type ${unitType}`, offset);
    } else {
      throw r.fail(`DWARF version ${version} is not supported (only 2 to 5)`, offset);
    }
    if (addrSize !== 4 && addrSize !== 8) throw r.fail(`address size ${addrSize} is not 4 or 8`, offset);
    let abbrevs = abbrevTables.get(abbrevOffset);
    if (!abbrevs) {
      abbrevs = AbbrevTable.read(abbrevSection, abbrevOffset);
      abbrevTables.set(abbrevOffset, abbrevs);
    }
    return new Unit(index, offset, end, version, unitType, offsetSize, addrSize, abbrevs, r.pos);
  } finally {
    r.end = r.buf.length;
  }
}

/** The unit containing .debug_info offset `offset` (units are sorted by offset). */
export function unitContaining(units: readonly Unit[], offset: number): Unit | undefined {
  let lo = 0;
  let hi = units.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const u = units[mid]!;
    if (offset < u.offset) hi = mid - 1;
    else if (offset >= u.end) lo = mid + 1;
    else return u;
  }
  return undefined;
}
