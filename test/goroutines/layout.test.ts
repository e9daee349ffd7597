/**
 * The runtime.g and runtime.m offsets of the per-version tables (used when a binary has symbols but
 * no DWARF, -ldflags=-w) against the DWARF of real builds of the same Go releases.
 */
import { describe, expect, it } from 'vitest';
import { DwarfInfo } from '../../src/dwarf/index.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { tableEntries } from '../../src/goruntime/layout/runtime-layout.js';
import { fixtureBinary } from '../support/fixtures.js';

describe.each(['1.20', '1.21', '1.26', '1.27'] as const)('Go %s goroutine and thread layout table', (go) => {
  it('gives every runtime.g and runtime.m field at the offset the DWARF of a real build has', async () => {
    const { binary } = await fixtureBinary('goroutines', go);
    const elf = ElfFile.open(binary);
    try {
      const dwarf = DwarfInfo.load((name) => (elf.section(name) ? elf.sectionData(name) : undefined))!;
      const entries = tableEntries(Number(go.split('.')[1])).filter((e) => e.struct === 'runtime.g' || e.struct === 'runtime.m');
      expect(entries.length).toBeGreaterThan(20);
      const fromDwarf = entries.map((e) => ({ ...e, offset: dwarf.offsetOf(e.struct, e.field) }));
      expect(entries).toEqual(fromDwarf);
    } finally {
      elf.close();
    }
  });
});
