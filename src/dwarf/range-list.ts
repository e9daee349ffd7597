import { ByteReader } from './byte-reader.js';
import { DW_FORM, DW_RLE } from './codes.js';
import { indexedAddress, indexedListOffset } from './indexed-tables.js';
import type { DwarfSections } from './sections.js';
import type { Unit } from './unit.js';

/** A half-open pc range [low, high). */
export type PcRange = readonly [low: number, high: number];

const MAX_ENTRIES = 1 << 16;

/**
 * Reads the address ranges a DW_AT_ranges attribute points to: .debug_ranges for DWARF ≤ 4,
 * .debug_rnglists for DWARF 5 (by offset, or by index with DW_FORM_rnglistx).
 */
export function readRangeList(sections: DwarfSections, unit: Unit, ref: { form: number; value: number }): PcRange[] {
  if (unit.version <= 4) return readDebugRanges(sections.get('.debug_ranges'), unit, ref.value);
  const section = sections.get('.debug_rnglists');
  const offset =
    ref.form === DW_FORM.rnglistx ? indexedListOffset(section, '.debug_rnglists', unit, unit.rnglistsBase, ref.value) : ref.value;
  return readDebugRnglists(sections, section, unit, offset);
}

function readDebugRanges(section: Buffer, unit: Unit, offset: number): PcRange[] {
  const r = new ByteReader(section, '.debug_ranges');
  r.seek(offset);
  const ranges: PcRange[] = [];
  let base = unit.baseAddress;
  for (;;) {
    const begin = r.addressOrAllOnes(unit.addrSize);
    const end = r.addressOrAllOnes(unit.addrSize);
    if (begin === 0 && end === 0) return ranges;
    if (begin === -1) base = end;
    else push(ranges, r, [base + begin, base + end]);
  }
}

function readDebugRnglists(sections: DwarfSections, section: Buffer, unit: Unit, offset: number): PcRange[] {
  const r = new ByteReader(section, '.debug_rnglists');
  r.seek(offset);
  const ranges: PcRange[] = [];
  let base = unit.baseAddress;
  const address = (): number => r.uint(unit.addrSize);
  const indexed = (): number => indexedAddress(sections, unit, r.uleb());
  for (;;) {
    const kind = r.u8();
    switch (kind) {
      case DW_RLE.end_of_list:
        return ranges;
      case DW_RLE.base_addressx:
        base = indexed();
        break;
      case DW_RLE.base_address:
        base = address();
        break;
      case DW_RLE.startx_endx:
        push(ranges, r, [indexed(), indexed()]);
        break;
      case DW_RLE.startx_length: {
        const low = indexed();
        push(ranges, r, [low, low + r.uleb()]);
        break;
      }
      case DW_RLE.offset_pair: {
        const low = base + r.uleb();
        push(ranges, r, [low, base + r.uleb()]);
        break;
      }
      case DW_RLE.start_end:
        push(ranges, r, [address(), address()]);
        break;
      case DW_RLE.start_length: {
        const low = address();
        push(ranges, r, [low, low + r.uleb()]);
        break;
      }
      default:
        throw r.fail(`unknown range list entry kind ${kind}`, r.pos - 1);
    }
  }
}

function push(ranges: PcRange[], r: ByteReader, range: PcRange): void {
  if (ranges.length >= MAX_ENTRIES) throw r.fail(`a range list has more than ${MAX_ENTRIES} entries`);
  ranges.push(range);
}
