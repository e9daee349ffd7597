/**
 * Go 1.22's DWARF does not say where a closure keeps its captured variables (DW_AT_go_closure_offset
 * came in 1.23), so PointerSlots lays them out as the compiler does. Held against the offsets the
 * DWARF of a Go 1.23 build of the same program declares, closure by closure: the variables 1.22's
 * DWARF shows must be the first ones 1.23 declares, at the same offsets with the same pointer slots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DwarfInfo, type DwarfFunction } from '../../src/dwarf/index.js';
import type { ElfFile } from '../../src/elf/elf-file.js';
import { PointerSlots } from '../../src/goruntime/binary/pointer-slots.js';
import { fixtureBinary } from '../support/fixtures.js';
import { openGoBinary } from './support.js';

interface Build {
  elf: ElfFile;
  dwarf: DwarfInfo;
  slots: PointerSlots;
}

async function open(go: '1.22' | '1.23'): Promise<Build> {
  const { elf, go: binary } = openGoBinary((await fixtureBinary('planted', go)).binary);
  const dwarf = DwarfInfo.load((name) => (elf.section(name) ? elf.sectionData(name) : undefined))!;
  return { elf, dwarf, slots: new PointerSlots(binary.types, binary.moduledata.types) };
}

const describeSlots = (slots: ReturnType<PointerSlots['ofClosure']>) => slots.map((s) => `${s.offset} ${s.kind} ${s.path}`);

describe('closure layout of Go 1.22, against the offsets Go 1.23 declares', () => {
  let old: Build;
  let declared: Build;
  beforeAll(async () => {
    [old, declared] = await Promise.all([open('1.22'), open('1.23')]);
  });
  afterAll(() => {
    old?.elf.close();
    declared?.elf.close();
  });

  it('places every captured variable it finds where 1.23 does, for every closure of the program and its libraries', () => {
    const oldByName = new Map<string, DwarfFunction>(old.dwarf.functions().map((f) => [f.name, f]));
    let compared = 0;
    let variables = 0;
    for (const fn of declared.dwarf.functions()) {
      const captured = fn.variables().filter((v) => v.closureOffset !== undefined);
      const oldFn = oldByName.get(fn.name);
      if (captured.length === 0 || !oldFn) continue;
      const laidOut = describeSlots(old.slots.ofClosure(oldFn, true));
      const names = new Set(laidOut.map((s) => s.split(' ')[2]!.split(/[.[]/)[1]));
      // The slots 1.23 declares for the same variables.
      const expected = describeSlots(declared.slots.ofClosure(fn)).filter((s) => names.has(s.split(' ')[2]!.split(/[.[]/)[1]));
      expect(laidOut, fn.name).toEqual(expected);
      compared++;
      variables += names.size;
    }
    // The fixture and the runtime, sync, encoding/json … hold about a hundred closures.
    expect(compared).toBeGreaterThan(50);
    expect(variables).toBeGreaterThan(20);
  });
});
