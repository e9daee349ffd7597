/**
 * What the code of a binary says about types, checked against the DWARF of the same binary: every
 * global the x86 data flow finds assigned from an allocation is declared in DWARF as a pointer to
 * (or a slice of) exactly the allocated type, a slice of its element for a slice literal's array, a
 * func for a closure, or an interface whose data word it is; the types the code allocates include
 * every type the planted program plants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DwarfInfo, GoKind } from '../../src/dwarf/index.js';
import type { ElfFile } from '../../src/elf/elf-file.js';
import { Kind } from '../../src/goruntime/abi-layout.js';
import type { GoBinary } from '../../src/goruntime/go-binary.js';
import { type CodeFacts, readCodeFacts } from '../../src/goruntime/typing/code-facts.js';
import { openGoBinary } from '../goruntime/support.js';
import { fixtureBinary, fixtureCore } from '../support/fixtures.js';

const programs = ['planted', 'goroutines', 'big'] as const;

describe.each(programs.flatMap((program) => (['1.26', '1.27'] as const).map((go) => ({ program, go }))))('code facts of $program, Go $go', ({ program, go }) => {
  let elf: ElfFile;
  let binary: GoBinary;
  let dwarf: DwarfInfo;
  let facts: CodeFacts;

  beforeAll(async () => {
    const opened = openGoBinary((await fixtureBinary(program, go)).binary);
    elf = opened.elf;
    binary = opened.go;
    dwarf = DwarfInfo.load((name) => (elf.section(name) ? elf.sectionData(name) : undefined))!;
    facts = readCodeFacts(opened.image, binary.pclntab, binary.types, binary.modules);
  });
  afterAll(() => elf?.close());

  it('finds globals assigned from allocations, each declared as a pointer to or slice of the allocated type', () => {
    const md = binary.moduledata;
    const symbols = elf.symbols();
    const wrong: string[] = [];
    const found = new Map<string, string>();
    for (const [addr, allocation] of facts.globalAllocations) {
      const symbol = symbols.find((s) => addr >= s.value && addr < s.value + s.size);
      const type = binary.types.typeAt(allocation.type);
      const allocated = type?.string ?? '?';
      const declared = symbol && dwarf.global(symbol.name)?.type;
      const elemAddr = declared?.elem?.runtimeTypeOffset ? md.types + declared.elem.runtimeTypeOffset : 0;
      const offset = symbol ? addr - symbol.value : -1;
      const agrees =
        offset === 8 ? declared?.goKind === GoKind.Interface
        : offset !== 0 ? false
        : allocation.slice ? declared?.goKind === GoKind.Slice && elemAddr === allocation.type
        : (declared?.goKind === GoKind.Pointer && elemAddr === allocation.type)
          || (declared?.goKind === GoKind.Slice && type?.kind === Kind.Array && elemAddr === type.elem()?.addr)
          || (declared?.goKind === GoKind.Func && allocated.startsWith('struct { F uintptr'));
      const where = `0x${addr.toString(16)} ${symbol?.name ?? '(no symbol)'}+${offset}`;
      if (!agrees) wrong.push(`${where}: ${allocation.slice ? '[]' : '*'}${allocated}, declared ${declared?.name}`);
      if (symbol && offset === 0) found.set(symbol.name, `${allocation.slice ? '[]' : '*'}${allocated}`);
    }
    expect(wrong).toEqual([]);
    // The runtime's own: procresize makes allp, goenvs and goargs make envs and argslice.
    expect(found.get('runtime.allp')).toBe('[]*runtime.p');
    expect(found.get('runtime.envs')).toBe('[]string');
    if (program !== 'planted') return;
    const planted = ['main.withFinalizer', 'main.withCleanup', 'main.huge', 'main.names', 'main.heavy', 'goheapflame/fixtures/internal/truth.retainedStacks'];
    expect(Object.fromEntries(planted.map((name) => [name, found.get(name)]))).toEqual({
      'main.withFinalizer': '*main.Resource',
      'main.withCleanup': '*main.Guarded',
      'main.huge': '*main.HugePtrs',
      'main.names': '[]string',
      'main.heavy': '[]*main.PtrHeavy',
      // made into a local, then assigned: followed through registers and stack slots
      'goheapflame/fixtures/internal/truth.retainedStacks': '[]uint8',
    });
  });
});

describe.each(['1.26', '1.27'] as const)('types the planted program allocates, Go %s', (go) => {
  it('lists every planted type among the types the code allocates', async () => {
    const { truth, binary: path } = await fixtureCore('planted', go, 'crash');
    const { elf, image, go: binary } = openGoBinary(path);
    try {
      const facts = readCodeFacts(image, binary.pclntab, binary.types, binary.modules);
      const allocatable = new Set(facts.allocatable.map((t) => t.string));
      const planted = truth.planted.map((p) => p.type).filter((t) => t.startsWith('main.'));
      expect(planted.length).toBeGreaterThan(10);
      expect(planted.filter((t) => !allocatable.has(t))).toEqual([]);
    } finally {
      elf.close();
    }
  });
});
