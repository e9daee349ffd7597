import { malformed, stringAt } from './byte-reader.js';
import type { DwarfSections } from './sections.js';
import type { Unit } from './unit.js';

/** Entry `index` of the unit's .debug_addr contribution (DW_FORM_addrx*, DW_LLE_*x, DW_RLE_*x). */
export function indexedAddress(sections: DwarfSections, unit: Unit, index: number): number {
  const table = sections.get('.debug_addr');
  const base = unit.addrBase;
  if (base === undefined) throw malformed('.debug_info', unit.offset, 'an indexed address is used but the unit has no DW_AT_addr_base');
  const at = base + index * unit.addrSize;
  if (!(at >= 0 && at + unit.addrSize <= table.length)) throw malformed('.debug_addr', at, `address index ${index} is outside the section`);
  if (unit.addrSize === 4) return table.readUInt32LE(at);
  const hi = table.readUInt32LE(at + 4);
  if (hi >= 0x20_0000) throw malformed('.debug_addr', at, 'address is too large');
  return table.readUInt32LE(at) + hi * 0x1_0000_0000;
}

/** String `index` of the unit's .debug_str_offsets contribution (DW_FORM_strx*). */
export function indexedString(sections: DwarfSections, unit: Unit, index: number): string {
  const offsets = sections.get('.debug_str_offsets');
  const base = unit.strOffsetsBase;
  if (base === undefined) throw malformed('.debug_info', unit.offset, 'an indexed string is used but the unit has no DW_AT_str_offsets_base');
  const at = base + index * unit.offsetSize;
  if (!(at >= 0 && at + unit.offsetSize <= offsets.length)) throw malformed('.debug_str_offsets', at, `string index ${index} is outside the section`);
  const offset = unit.offsetSize === 4 ? offsets.readUInt32LE(at) : Number(offsets.readBigUInt64LE(at));
  return stringAt(sections.get('.debug_str'), '.debug_str', offset);
}

/**
 * Entry `index` of the offset table that starts at `base` in .debug_loclists or .debug_rnglists
 * (DW_FORM_loclistx, DW_FORM_rnglistx): the list's offset in that section.
 */
export function indexedListOffset(section: Buffer, name: string, unit: Unit, base: number | undefined, index: number): number {
  if (base === undefined) throw malformed('.debug_info', unit.offset, `an indexed ${name} entry is used but the unit gives no base for it`);
  const at = base + index * unit.offsetSize;
  if (!(at >= 0 && at + unit.offsetSize <= section.length)) throw malformed(name, at, `list index ${index} is outside the section`);
  const relative = unit.offsetSize === 4 ? section.readUInt32LE(at) : Number(section.readBigUInt64LE(at));
  return base + relative;
}
