// Every DWARF type that names a runtime type descriptor (DW_AT_go_runtime_type) against that
// descriptor as src/goruntime reads it from the executable: it exists, and agrees on size and kind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutableImage } from '../../src/core/executable-image.js';
import type { DwarfInfo } from '../../src/dwarf/index.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { GoBinary } from '../../src/goruntime/binary/go-binary.js';
import { FIXTURE_DIR, goBuild, loadDwarf, tempDir, TOOLCHAINS } from './support.js';

const work = tempDir('dwarf-rtypes-');
afterAll(() => work.cleanup());

describe.each(TOOLCHAINS)('$label', (toolchain) => {
  let dwarf: DwarfInfo;
  let elf: ElfFile;
  let go: GoBinary;
  beforeAll(() => {
    const binary = goBuild({ dir: FIXTURE_DIR, out: `${work.dir}/fixture-${toolchain.gotoolchain}-${toolchain.dwarfVersion}`, toolchain });
    dwarf = loadDwarf(binary);
    elf = ElfFile.open(binary);
    go = GoBinary.open(elf, ExecutableImage.of(elf));
  });
  afterAll(() => elf?.close());

  it('maps every DWARF type with a runtime type to a descriptor of the same size and kind', () => {
    const typesBase = go.moduledata.types;
    let checked = 0;
    for (const [offset, type] of dwarf.typesWithRuntimeType()) {
      const descriptor = go.types.typeAt(typesBase + offset);
      expect(descriptor, type.name).toBeDefined();
      expect(descriptor!.size, type.name).toBe(type.size);
      if (type.goKind !== 0) expect(descriptor!.kind, type.name).toBe(type.goKind);
      if (type.name.startsWith('main.')) expect(descriptor!.string, type.name).toBe(type.name);
      expect(dwarf.typeByRuntimeType(typesBase + offset, typesBase)).toBe(type);
      checked++;
    }
    expect(checked).toBeGreaterThan(500);
  });
});
