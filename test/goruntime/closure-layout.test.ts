/**
 * The DWARF of Go 1.20 to 1.22 does not say where a closure keeps its captured variables
 * (DW_AT_go_closure_offset came in 1.23), so PointerSlots lays them out as the compiler does. Held
 * against the offsets the DWARF of a Go 1.23 build of the same program declares, closure by closure:
 * the variables the older DWARF shows must be the first ones 1.23 declares, at the same offsets with
 * the same pointer slots. (Go 1.20's DWARF gives functions no line: the pclntab's start line stands in.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DwarfInfo, type DwarfFunction } from '../../src/dwarf/index.js';
import type { ElfFile } from '../../src/elf/elf-file.js';
import { PointerSlots } from '../../src/goruntime/binary/pointer-slots.js';
import type { PcLnTab } from '../../src/goruntime/binary/pclntab.js';
import { fixtureBinary } from '../support/fixtures.js';
import { openGoBinary } from './support.js';

interface Build {
  elf: ElfFile;
  dwarf: DwarfInfo;
  slots: PointerSlots;
  pclntab: PcLnTab;
}

async function open(go: '1.20' | '1.21' | '1.22' | '1.23'): Promise<Build> {
  const { elf, go: binary } = openGoBinary((await fixtureBinary('planted', go)).binary);
  const dwarf = DwarfInfo.load((name) => (elf.section(name) ? elf.sectionData(name) : undefined))!;
  return { elf, dwarf, slots: new PointerSlots(binary.types, binary.moduledata.types), pclntab: binary.pclntab };
}

/**
 * Closures whose captured variables changed order between the release and 1.23 because their source
 * changed: compared with what the release's own machine code reads instead.
 */
const rewrittenSince: Record<string, { releases: readonly string[]; slots: string[]; why: string }> = {
  'runtime.callers.func1': {
    releases: ['1.20'],
    // 1.20: `n = gentraceback(pc, sp, …)` stores its result through the context's word at 8; 1.21 on
    // starts an unwinder from pc, sp and gp first, which 1.23 captures before &n.
    slots: ['8 pointer .&n'],
    why: 'rewritten for the unwinder in Go 1.21',
  },
  'runtime.gcMarkDone.func2': {
    releases: ['1.20'],
    // 1.20: the forEachP closure that sets `restart` reads the flag's address from the context's word
    // at 8; by 1.23 func2 is another closure, which captures no restart.
    slots: ['8 pointer .&restart'],
    why: 'a different closure in Go 1.23',
  },
};

const describeSlots = (slots: ReturnType<PointerSlots['ofClosure']>) => slots.map((s) => `${s.offset} ${s.kind} ${s.path}`);

describe.each(['1.20', '1.21', '1.22'] as const)('closure layout of Go %s, against the offsets Go 1.23 declares', (release) => {
  let old: Build;
  let declared: Build;
  beforeAll(async () => {
    [old, declared] = await Promise.all([open(release), open('1.23')]);
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
      // Go 1.20's DWARF gives functions no line: the pclntab's start line stands in, as heap-analysis.ts does.
      const startLine = release === '1.20' ? old.pclntab.funcForPC(oldFn.lowPc)?.startLine : undefined;
      const laidOut = describeSlots(old.slots.ofClosure(oldFn, true, startLine));
      const rewritten = rewrittenSince[fn.name];
      if (rewritten?.releases.includes(release)) {
        expect(laidOut, `${fn.name}, ${rewritten.why}`).toEqual(rewritten.slots);
        continue;
      }
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
