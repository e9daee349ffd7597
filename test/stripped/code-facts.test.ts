/**
 * What the code of a binary says about types, checked against the DWARF of the same binary: every
 * global the x86 data flow finds assigned from an allocation is declared in DWARF as a pointer to
 * (or a slice of) exactly the allocated type, a slice of its element for a slice literal's array, a
 * func for a closure, or an interface whose data word it is; the types the code allocates include
 * every type the planted program plants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoKind } from '../../src/dwarf/index.js';
import { Kind } from '../../src/goruntime/abi-layout.js';
import { GoProcess } from '../../src/goruntime/go-process.js';
import { type CodeFacts, readCodeFacts } from '../../src/goruntime/typing/type-catalog.js';
import { fixtureCore, type FixtureCore } from '../support/fixtures.js';

describe.each(['1.26', '1.27'] as const)('code facts of the planted program, Go %s', (go) => {
  let fixture: FixtureCore;
  let proc: GoProcess;
  let facts: CodeFacts;

  beforeAll(async () => {
    fixture = await fixtureCore('planted', go, 'crash');
    proc = GoProcess.open(fixture.core, fixture.binary);
    facts = readCodeFacts(proc.image, proc.binary.pclntab, proc.binary.types, proc.binary.modules);
  });
  afterAll(() => proc?.close());

  it('finds globals assigned from allocations, each declared as a pointer to or slice of the allocated type', () => {
    const md = proc.binary.moduledata;
    const symbols = proc.image.exe.symbols();
    const wrong: string[] = [];
    const found = new Map<string, string>();
    for (const [addr, allocation] of facts.globalAllocations) {
      const symbol = symbols.find((s) => addr >= s.value && addr < s.value + s.size);
      const type = proc.binary.types.typeAt(allocation.type);
      const allocated = type?.string ?? '?';
      const declared = symbol && proc.dwarf!.global(symbol.name)?.type;
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
    expect(Object.fromEntries([...found].filter(([name]) => ['main.withFinalizer', 'main.withCleanup', 'main.huge', 'main.names', 'main.heavy'].includes(name)))).toEqual({
      'main.withFinalizer': '*main.Resource',
      'main.withCleanup': '*main.Guarded',
      'main.huge': '*main.HugePtrs',
      'main.names': '[]string',
      'main.heavy': '[]*main.PtrHeavy',
    });
  });

  it('lists every planted type among the types the code allocates', () => {
    const allocatable = new Set(facts.allocatable.map((t) => t.string));
    const planted = fixture.truth.planted.map((p) => p.type).filter((t) => t.startsWith('main.'));
    expect(planted.length).toBeGreaterThan(10);
    expect(planted.filter((t) => !allocatable.has(t))).toEqual([]);
  });
});
