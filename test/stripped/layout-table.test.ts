/**
 * Binaries without DWARF are read with the built-in runtime layout tables: every offset and size the
 * tables hold must be what the DWARF of a real build of each release and variant says, and so must
 * the runtime.p fields the stripped-globals rules read even where the table lacks them. One table
 * serves a release with and without GOEXPERIMENT=noswissmap, so it holds both map implementations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DwarfInfo } from '../../src/dwarf/index.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import * as arch from '../../src/goruntime/arch.js';
import { dwarfLayout, type RuntimeLayout, tableEntries, tableLayout } from '../../src/goruntime/layout/runtime-layout.js';
import { fixtureBinary, type GoToolchain } from '../support/fixtures.js';

const variants: GoToolchain[] = [
  '1.20', '1.21', '1.22', '1.23', '1.24', '1.24-noswissmap', '1.25', '1.25-greenteagc', '1.25-noswissmap', '1.26', '1.26-nogreenteagc', '1.27',
];
/** The structs of the map implementation a build does not use. */
const otherMaps = (swiss: boolean) => (swiss ? ['runtime.hmap'] : ['internal/runtime/maps.Map', 'internal/runtime/maps.table']);

describe.each(variants)('Go %s runtime layout table', (go) => {
  const minor = Number(go.split(/[.-]/)[1]);
  let elf: ElfFile | undefined;
  let dwarf: DwarfInfo;
  let fromDwarf: RuntimeLayout;
  let unused: string[];
  beforeAll(async () => {
    const e = (elf = ElfFile.open((await fixtureBinary('planted', go)).binary));
    dwarf = DwarfInfo.load((name) => (e.section(name) ? e.sectionData(name) : undefined))!;
    fromDwarf = dwarfLayout(dwarf);
    unused = otherMaps(dwarf.structLayout('runtime.hmap') === undefined);
  });
  afterAll(() => elf?.close());

  it('gives every field at the offset the DWARF of a real build has', () => {
    const entries = tableEntries(minor).filter((e) => !unused.includes(e.struct));
    expect(entries.length).toBeGreaterThan(50);
    expect(entries.map((e) => ({ ...e, offset: fromDwarf.tryOffset(e.struct, e.field) }))).toEqual(entries);
  });

  it('gives every struct size it knows as the DWARF has it', () => {
    const table = tableLayout(minor);
    const structs = [...new Set(tableEntries(minor).map((e) => e.struct))].filter((struct) => !unused.includes(struct));
    const sized = structs.flatMap((struct) => {
      try {
        return [{ struct, size: table.size(struct) }];
      } catch {
        return []; // the table carries no size for it: nothing reads one
      }
    });
    expect(sized.map((s) => s.struct)).toEqual(expect.arrayContaining(['runtime.mspan', 'runtime.finalizer', ...(minor >= 26 ? ['runtime.cleanupFn'] : [])]));
    expect(sized.map((s) => ({ ...s, size: fromDwarf.size(s.struct) }))).toEqual(sized);
  });

  it('has the platform constants of goruntime/arch.ts, as the DWARF of a real build says', () => {
    // Before Go 1.22 there are no malloc headers, and no constants for them.
    const headers = ['runtime.minSizeForMallocHeader', 'runtime.mallocHeaderSize'];
    const names = Object.entries(arch.archConstantNames).filter(([, name]) => minor >= 22 || !headers.includes(name));
    expect(names.map(([, name]) => [name, dwarf.constantValue(name)])).toEqual(names.map(([key, name]) => [name, arch[key as keyof typeof arch.archConstantNames]]));
    if (minor < 22) expect(headers.map((name) => dwarf.constantValue(name))).toEqual([undefined, undefined]);
    expect(dwarf.type('unsafe.Pointer')?.size).toBe(arch.ptrSize);
  });

  it('has runtime.p begin with id and status, as the allp rule assumes when the table does not say', () => {
    expect(dwarf.offsetOf('runtime.p', 'id')).toBe(tableLayout(minor).tryOffset('runtime.p', 'id') ?? 0);
    expect(dwarf.offsetOf('runtime.p', 'status')).toBe(tableLayout(minor).tryOffset('runtime.p', 'status') ?? 4);
  });
});
