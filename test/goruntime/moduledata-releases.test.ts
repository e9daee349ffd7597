/**
 * The moduledata layout of each release before 1.26 (moduledata.test.ts builds 1.26 and 1.27 itself)
 * against runtime.moduledata in the DWARF of the planted fixture built with that release, and found
 * in the stripped build of it without a symbol, where only the layout can tell the fields apart.
 */
import { describe, expect, it } from 'vitest';
import { DwarfInfo } from '../../src/dwarf/index.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { moduledataLayouts } from '../../src/goruntime/binary/moduledata.js';
import { fixtureBinary, type GoToolchain } from '../support/fixtures.js';
import { openGoBinary } from './support.js';

const releases: Array<{ go: GoToolchain; layout: string }> = [
  { go: '1.20', layout: '1.20' },
  { go: '1.21', layout: '1.21–1.22' },
  { go: '1.22', layout: '1.21–1.22' },
  { go: '1.23', layout: '1.23–1.25' },
  { go: '1.25', layout: '1.23–1.25' },
];

describe.each(releases)('moduledata of Go $go', ({ go, layout }) => {
  it(`is laid out as the ${layout} table says, field by field and in size`, async () => {
    const elf = ElfFile.open((await fixtureBinary('planted', go)).binary);
    try {
      const dwarf = DwarfInfo.load((name) => (elf.section(name) ? elf.sectionData(name) : undefined))!;
      const struct = dwarf.structLayout('runtime.moduledata')!;
      const ours = moduledataLayouts.find((l) => l.releases === layout)!.layout;
      const named = Object.keys(ours.offsets).filter((f) => !f.startsWith('_'));
      expect(Object.fromEntries(named.map((f) => [f, struct.field(f)?.offset]))).toEqual(Object.fromEntries(named.map((f) => [f, ours.offsets[f]])));
      // Every field DWARF has is in the table (none the runtime added is missed, but the zero-size
      // NotInHeap marker), and the size agrees.
      expect(struct.fields.map((f) => f.name).filter((f) => f !== '_' && f !== 'NotInHeap' && !named.includes(f))).toEqual([]);
      expect(ours.size).toBe(struct.size);
    } finally {
      elf.close();
    }
  });

  it('is found in the stripped build, with the bounds of its sections', async () => {
    const { elf, go: binary } = openGoBinary((await fixtureBinary('planted', go)).strippedBinary);
    try {
      expect(elf.symbols()).toEqual([]);
      const md = binary.moduledata;
      expect(md.layout).toBe(layout);
      const sec = (name: string) => elf.section(name)!;
      expect(md.text).toBe(sec('.text').addr);
      expect(md.pcHeader).toBe(sec('.gopclntab').addr);
      for (const [lo, hi, name] of [['noptrdata', 'enoptrdata', '.noptrdata'], ['data', 'edata', '.data'], ['bss', 'ebss', '.bss'], ['noptrbss', 'enoptrbss', '.noptrbss']] as const) {
        expect([md[lo], md[hi]], name).toEqual([sec(name).addr, sec(name).addr + sec(name).size]);
      }
    } finally {
      elf.close();
    }
  });
});
