/**
 * What the code of a binary says about types, checked against the DWARF of the same binary: every
 * global the x86 data flow finds assigned from an allocation is declared in DWARF as a pointer to
 * (or a slice of) exactly the allocated type, a slice of its element for a slice literal's array, a
 * func for a closure, a map or channel for the runtime's header of one, or an interface whose data
 * word it is; the types the code allocates include every type the planted program plants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DwarfInfo, type DwarfType, GoKind } from '../../src/dwarf/index.js';
import type { ElfFile } from '../../src/elf/elf-file.js';
import { Kind } from '../../src/goruntime/layout/abi-layout.js';
import type { GoBinary } from '../../src/goruntime/binary/go-binary.js';
import { type CodeFacts, readCodeFacts } from '../../src/goruntime/code/code-facts.js';
import { openGoBinary } from '../goruntime/support.js';
import { fixtureBinary, fixtureCore } from '../support/fixtures.js';

const programs = ['planted', 'goroutines', 'big'] as const;

/** The DWARF type of the value at `offset` in a global of type t: through struct fields and array elements. */
function declaredAt(t: DwarfType | undefined, offset: number): DwarfType | undefined {
  for (let depth = 0; t && depth < 16; depth++) {
    const u = t.underlying;
    if (u.kind === 'struct' && t.goKind !== GoKind.Interface && t.goKind !== GoKind.Slice && t.goKind !== GoKind.String) {
      const field = [...u.fields].reverse().find((f) => f.offset <= offset);
      if (!field) return undefined;
      offset -= field.offset;
      t = field.type;
    } else if (u.kind === 'array' && u.elem && u.elem.size > 0) {
      offset %= u.elem.size;
      t = u.elem;
    } else {
      return offset === 0 ? t : undefined;
    }
  }
  return undefined;
}

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
    const unverifiable: string[] = [];
    for (const [addr, allocation] of facts.globalAllocations) {
      const symbol = symbols.find((s) => addr >= s.value && addr < s.value + s.size);
      const type = binary.types.typeAt(allocation.type);
      const allocated = type?.string ?? '?';
      const what = `${allocation.slice ? '[]' : '*'}${allocated}`;
      if (!symbol) {
        // A static temporary the linker leaves out of .symtab (`var mapper = &mmapper{…}` fills one in init).
        unverifiable.push(`0x${addr.toString(16)}: ${what}`);
        continue;
      }
      const offset = addr - symbol.value;
      const whole = dwarf.global(symbol.name)?.type;
      const inInterface = offset === 8 && whole?.goKind === GoKind.Interface;
      const declared = declaredAt(whole, offset);
      const elemAddr = declared?.elem?.runtimeTypeOffset ? md.types + declared.elem.runtimeTypeOffset : 0;
      const agrees =
        inInterface ? true
        : allocation.slice ? declared?.goKind === GoKind.Slice && elemAddr === allocation.type
        : (declared?.goKind === GoKind.Pointer && elemAddr === allocation.type)
          || (declared?.goKind === GoKind.Slice && type?.kind === Kind.Array && elemAddr === type.elem()?.addr)
          || (declared?.goKind === GoKind.Func && allocated.startsWith('struct { F uintptr'))
          // make(map…) and make(chan …) return the runtime's header of the map or channel
          || (declared?.goKind === GoKind.Map && allocated === 'maps.Map')
          || (declared?.goKind === GoKind.Chan && allocated === 'runtime.hchan');
      if (!agrees) wrong.push(`0x${addr.toString(16)} ${symbol.name}+${offset}: ${what}, declared ${declared?.name ?? whole?.name}`);
      if (offset === 0) found.set(symbol.name, what);
    }
    expect(unverifiable.length, unverifiable.join('; ')).toBeLessThanOrEqual(Math.ceil(facts.globalAllocations.size / 20));
    expect(wrong).toEqual([]);
    // The runtime's own: procresize makes allp, goenvs and goargs make envs and argslice; and
    // os.Stdout, made three constructors deep (NewFile → newFileFromNewFile → newFile).
    expect(found.get('runtime.allp')).toBe('[]*runtime.p');
    expect(found.get('runtime.envs')).toBe('[]string');
    expect(found.get('os.Stdout')).toBe('*os.File');
    // NewEncoding, inlined: the new Encoding stays in RAX through the loop that fills its decode map.
    if (symbols.some((s) => s.name === 'encoding/base64.StdEncoding')) expect(found.get('encoding/base64.StdEncoding')).toBe('*base64.Encoding');
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
