// Damaged DWARF: each defect either skips the unit with a warning or throws a UserError saying what
// is wrong, and nothing loops or reads out of bounds. Hand-made defects first, then random damage
// to a real Go executable's sections.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { DW_AT, DW_OP, DW_TAG, DwarfInfo, evaluateLocation } from '../../src/dwarf/index.js';
import { DW_FORM } from '../../src/dwarf/codes.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { abbrevTable, Bytes, sourceOf, unit, unitHeaderSize } from './dwarf-builder.js';
import { FIXTURE_DIR, goBuild, tempDir, TOOLCHAINS } from './support.js';

const F = DW_FORM;
const abbrevs = abbrevTable([
  { code: 1, tag: DW_TAG.compile_unit, children: true, attrs: [[DW_AT.name, F.string], [DW_AT.language, F.data1]] },
  { code: 2, tag: DW_TAG.typedef, children: false, attrs: [[DW_AT.name, F.string], [DW_AT.type, F.ref4]] },
  { code: 3, tag: DW_TAG.subprogram, children: true, attrs: [[DW_AT.name, F.string], [DW_AT.low_pc, F.addr], [DW_AT.high_pc, F.data4]] },
  { code: 4, tag: DW_TAG.variable, children: false, attrs: [[DW_AT.name, F.string], [DW_AT.location, F.sec_offset]] },
  { code: 5, tag: DW_TAG.variable, children: false, attrs: [[DW_AT.name, F.string], [DW_AT.type, F.ref4]] },
]);

/** A good Go-language unit with one typedef, for placing next to damaged ones. */
function goodUnit(name: string): Bytes {
  const body = new Bytes().u8(1).cstr(name).u8(0x16);
  const at = unitHeaderSize(4) + body.length;
  body.u8(2).cstr(`${name}_t`).u32(at).u8(0);
  return unit({ version: 4, body });
}

function load(info: Bytes | Buffer, extra: Record<string, Bytes | Buffer> = {}): DwarfInfo {
  return DwarfInfo.load(sourceOf({ '.debug_info': info, '.debug_abbrev': abbrevs, ...extra }))!;
}

function expectUserError(fn: () => unknown, pattern: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).message).toMatch(pattern);
}

describe('damaged units are skipped with a warning', () => {
  it('skips a unit with an undefined abbreviation code and keeps the next one', () => {
    const bad = unit({ version: 4, body: new Bytes().u8(1).cstr('bad').u8(0x16).u8(77).u8(0) });
    const dwarf = load(new Bytes().bytes(bad).bytes(goodUnit('good')));
    expect(dwarf.warnings).toEqual([expect.stringMatching(/unit at .debug_info offset 0x0 \(bad\) was skipped: .*abbreviation code 77 is not defined/)]);
    expect(dwarf.units.map((u) => u.name)).toEqual(['bad', 'good']);
    expect(dwarf.type('good_t')?.name).toBe('good_t');
  });

  it('skips a unit of an unknown DWARF version', () => {
    const v7 = new Bytes().u32(7).u16(7).u32(0).u8(8);
    const dwarf = load(new Bytes().bytes(v7).bytes(goodUnit('good')));
    expect(dwarf.warnings).toEqual([expect.stringMatching(/offset 0x0 was skipped: .*DWARF version 7 is not supported/)]);
    expect(dwarf.units.map((u) => u.name)).toEqual(['good']);
  });

  it('stops at a unit whose length runs past the section', () => {
    const info = new Bytes().bytes(goodUnit('good')).u32(0x7fff_0000).u16(4);
    const dwarf = load(info);
    expect(dwarf.warnings).toEqual([expect.stringMatching(/units from .debug_info offset 0x\w+ on were skipped: .*runs past the section end/)]);
    expect(dwarf.units.map((u) => u.name)).toEqual(['good']);
  });

  it('skips a unit whose abbreviation table offset is outside .debug_abbrev', () => {
    const dwarf = load(new Bytes().bytes(unit({ version: 4, abbrevOffset: 1 << 20, body: new Bytes().u8(1) })).bytes(goodUnit('good')));
    expect(dwarf.warnings).toEqual([expect.stringMatching(/offset 0x0 was skipped: .*outside the section/)]);
    expect(dwarf.units.map((u) => u.name)).toEqual(['good']);
  });

  it('skips a unit whose last string has no terminating NUL', () => {
    const truncated = unit({ version: 4, body: new Bytes().u8(1).u8(0x41, 0x42) });
    const dwarf = load(new Bytes().bytes(truncated).bytes(goodUnit('good')));
    expect(dwarf.warnings).toEqual([expect.stringMatching(/skipped: .*(string has no terminating NUL|runs past the end)/)]);
    expect(dwarf.units.map((u) => u.name)).toEqual(['', 'good']);
  });
});

describe('damage found on use throws a UserError', () => {
  it('reports a typedef that is its own target instead of looping', () => {
    const body = new Bytes().u8(1).cstr('loop').u8(0x16);
    const at = unitHeaderSize(4) + body.length;
    body.u8(2).cstr('self').u32(at).u8(0);
    const t = load(unit({ version: 4, body })).type('self')!;
    expectUserError(() => t.size, /refers to itself/);
    expectUserError(() => t.underlying, /typedef chain loops/);
  });

  it('reports a type reference to a DIE that is not a type', () => {
    const body = new Bytes().u8(1).cstr('cu').u8(0x16);
    const fnAt = unitHeaderSize(4) + body.length;
    body.u8(3).cstr('f').u64(0x1000).u32(0x10).u8(5).cstr('v').u32(fnAt).u8(0).u8(0);
    const v = load(unit({ version: 4, body })).function('f')!.variable('v')!;
    expectUserError(() => v.type, /type reference points to a DIE with tag 0x2e/);
  });

  it('reports a location list with no end', () => {
    const body = new Bytes().u8(1).cstr('cu').u8(0x16).u8(3).cstr('f').u64(0x1000).u32(0x10).u8(4).cstr('v').u32(0).u8(0).u8(0);
    const loc = new Bytes().u64(0).u64(4).u16(1).u8(DW_OP.reg0);
    const fn = load(unit({ version: 4, body }), { '.debug_loc': loc }).function('f')!;
    expectUserError(() => fn.variables(), /\.debug_loc at 0x\w+: needs \d+ more bytes/);
  });

  it('reports a reference outside every unit', () => {
    const body = new Bytes().u8(1).cstr('cu').u8(0x16).u8(2).cstr('t').u32(1 << 20).u8(0);
    const t = load(unit({ version: 4, body })).type('t')!;
    expect(t.kind).toBe('typedef');
    expectUserError(() => t.kind === 'typedef' && t.target, /points outside every unit/);
  });

  it('rejects location expressions it cannot evaluate or that underflow', () => {
    expectUserError(() => evaluateLocation(Uint8Array.of(0xe0)), /operation 0xe0, which goheapflame does not evaluate/);
    expectUserError(() => evaluateLocation(Uint8Array.of(DW_OP.plus)), /pops an empty stack/);
    expectUserError(() => evaluateLocation(Uint8Array.of(DW_OP.fbreg, 0x80, 0x80)), /runs past the end/);
  });

  it('evaluates what a location needs from the frame as unavailable when the frame does not give it', () => {
    expect(evaluateLocation(Uint8Array.of(DW_OP.call_frame_cfa))).toEqual([{ place: { kind: 'unavailable' }, size: undefined }]);
    expect(evaluateLocation(Uint8Array.of(DW_OP.piece, 8, DW_OP.reg0 + 3, DW_OP.piece, 8))).toEqual([
      { place: { kind: 'absent' }, size: 8 },
      { place: { kind: 'register', register: 3 }, size: 8 },
    ]);
  });
});

/** A deterministic generator (LCG) so failures reproduce. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('random damage to a real executable', () => {
  const work = tempDir('dwarf-malformed-');
  afterAll(() => work.cleanup());
  const sections = new Map<string, Buffer>();

  beforeAll(() => {
    const elf = ElfFile.open(goBuild({ dir: FIXTURE_DIR, out: `${work.dir}/fixture`, toolchain: TOOLCHAINS[0]! }));
    for (const s of elf.sections) if (s.name.startsWith('.debug_')) sections.set(s.name, elf.sectionData(s));
    elf.close();
  });

  it('never fails with anything but a UserError, whatever bytes change', () => {
    const next = random(0x5eed);
    const targets = ['.debug_info', '.debug_info', '.debug_info', '.debug_abbrev', '.debug_loclists', '.debug_addr'];
    const outcomes = { loaded: 0, warned: 0, rejected: 0 };
    for (let round = 0; round < 60; round++) {
      const damaged = new Map(sections);
      const name = targets[Math.floor(next() * targets.length)]!;
      const copy = Buffer.from(sections.get(name)!);
      const flips = 1 + Math.floor(next() * 16);
      for (let i = 0; i < flips; i++) copy[Math.floor(next() * copy.length)] = Math.floor(next() * 256);
      damaged.set(name, copy);
      try {
        const dwarf = DwarfInfo.load((n) => damaged.get(n))!;
        // Touch what damage could reach lazily: a sample of types and every variable of main.
        let i = 0;
        for (const t of dwarf.allTypes()) if (i++ % 7 === 0) void [t.size, t.goKind, t.kind === 'struct' ? t.fields.map((f) => f.type.name) : t.elem];
        for (const fn of dwarf.functions()) if (fn.name.startsWith('main.')) fn.variables().forEach((v) => v.locationAt(fn.lowPc) && evaluateLocation(v.locationAt(fn.lowPc)!, { cfa: 0x1000 }));
        if (dwarf.warnings.length > 0) outcomes.warned++;
        else outcomes.loaded++;
      } catch (err) {
        if (!(err instanceof UserError)) throw new Error(`round ${round} (${name}, ${flips} bytes): ${String(err)}`, { cause: err });
        outcomes.rejected++;
      }
    }
    expect(outcomes.loaded + outcomes.warned + outcomes.rejected).toBe(60);
    expect(outcomes.warned + outcomes.rejected).toBeGreaterThan(0);
  });
});
