import { ByteReader } from './byte-reader.js';
import { DW_FORM, DW_LLE } from './codes.js';
import { indexedAddress, indexedListOffset } from './indexed-tables.js';
import type { DwarfSections } from './sections.js';
import type { Unit } from './unit.js';

/** Where a variable lives while the pc is in [lowPc, highPc): a location expression. */
export interface LocationListEntry {
  readonly lowPc: number;
  readonly highPc: number;
  readonly expr: Buffer;
}

/** A bound on entries per list: far above what compilers write, low enough to stop runaway data. */
const MAX_ENTRIES = 1 << 16;

/**
 * Reads the location list an attribute points to: .debug_loc for DWARF ≤ 4, .debug_loclists for
 * DWARF 5 (directly by offset, or by index with DW_FORM_loclistx).
 */
export function readLocationList(sections: DwarfSections, unit: Unit, ref: { form: number; value: number }): LocationListEntry[] {
  if (unit.version <= 4) return readDebugLoc(sections.get('.debug_loc'), unit, ref.value);
  const section = sections.get('.debug_loclists');
  const offset =
    ref.form === DW_FORM.loclistx ? indexedListOffset(section, '.debug_loclists', unit, unit.loclistsBase, ref.value) : ref.value;
  return readDebugLoclists(sections, section, unit, offset);
}

function readDebugLoc(section: Buffer, unit: Unit, offset: number): LocationListEntry[] {
  const r = new ByteReader(section, '.debug_loc');
  r.seek(offset);
  const entries: LocationListEntry[] = [];
  let base = unit.baseAddress;
  for (;;) {
    const begin = r.addressOrAllOnes(unit.addrSize);
    const end = r.addressOrAllOnes(unit.addrSize);
    if (begin === 0 && end === 0) return entries;
    if (begin === -1) {
      base = end;
      continue;
    }
    const expr = r.bytes(r.u16());
    push(entries, r, { lowPc: base + begin, highPc: base + end, expr });
  }
}

function readDebugLoclists(sections: DwarfSections, section: Buffer, unit: Unit, offset: number): LocationListEntry[] {
  const r = new ByteReader(section, '.debug_loclists');
  r.seek(offset);
  const entries: LocationListEntry[] = [];
  let base = unit.baseAddress;
  const address = (): number => r.uint(unit.addrSize);
  const indexed = (): number => indexedAddress(sections, unit, r.uleb());
  for (;;) {
    const kind = r.u8();
    let lowPc: number;
    let highPc: number;
    switch (kind) {
      case DW_LLE.end_of_list:
        return entries;
      case DW_LLE.base_addressx:
        base = indexed();
        continue;
      case DW_LLE.base_address:
        base = address();
        continue;
      case DW_LLE.startx_endx:
        lowPc = indexed();
        highPc = indexed();
        break;
      case DW_LLE.startx_length:
        lowPc = indexed();
        highPc = lowPc + r.uleb();
        break;
      case DW_LLE.offset_pair:
        lowPc = base + r.uleb();
        highPc = base + r.uleb();
        break;
      case DW_LLE.default_location:
        lowPc = 0;
        highPc = Number.MAX_SAFE_INTEGER;
        break;
      case DW_LLE.start_end:
        lowPc = address();
        highPc = address();
        break;
      case DW_LLE.start_length:
        lowPc = address();
        highPc = lowPc + r.uleb();
        break;
      default:
        throw r.fail(`unknown location list entry kind ${kind}`, r.pos - 1);
    }
    push(entries, r, { lowPc, highPc, expr: r.bytes(r.uleb()) });
  }
}

function push(entries: LocationListEntry[], r: ByteReader, entry: LocationListEntry): void {
  if (entries.length >= MAX_ENTRIES) throw r.fail(`a location list has more than ${MAX_ENTRIES} entries`);
  entries.push(entry);
}
