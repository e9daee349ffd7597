// The whole model, DIE by DIE, against Go's own debug/dwarf reading the same executables: every type,
// struct field, global, constant, function and variable of real Go 1.26 and 1.27 binaries in DWARF 4
// and 5, and of a cgo binary whose C units come from the system C compiler.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DwarfInfo } from '../../src/dwarf/index.js';
import { CGO_FIXTURE_DIR, FIXTURE_DIR, goBuild, loadDwarf, type OracleDump, runOracle, tempDir, TOOLCHAINS } from './support.js';

const work = tempDir('dwarf-oracle-');
afterAll(() => work.cleanup());

interface Case {
  label: string;
  build: () => string;
}

const cases: Case[] = [
  ...TOOLCHAINS.map((toolchain) => ({
    label: toolchain.label,
    build: () => goBuild({ dir: FIXTURE_DIR, out: `${work.dir}/fixture-${toolchain.gotoolchain}-${toolchain.dwarfVersion}`, toolchain }),
  })),
  {
    label: 'cgo, gcc DWARF 5 units',
    build: () => goBuild({ dir: CGO_FIXTURE_DIR, out: `${work.dir}/cgo5`, toolchain: TOOLCHAINS[0]!, cgo: true }),
  },
  {
    label: 'cgo, everything DWARF 4',
    build: () =>
      goBuild({ dir: CGO_FIXTURE_DIR, out: `${work.dir}/cgo4`, toolchain: TOOLCHAINS[1]!, cgo: true, env: { CGO_CFLAGS: '-g -O2 -gdwarf-4' } }),
  },
];

describe.each(cases)('$label', ({ build }) => {
  let dwarf: DwarfInfo;
  let oracle: OracleDump;
  beforeAll(() => {
    const binary = build();
    dwarf = loadDwarf(binary);
    oracle = runOracle(binary, work.dir);
  });

  it('reads every unit without warnings, with the same names, producers and languages', () => {
    expect(dwarf.warnings).toEqual([]);
    expect(dwarf.units.map((u) => ({ name: u.name, producer: u.producer, language: u.language }))).toEqual(
      oracle.units.map((u) => ({ name: u.name, producer: u.producer, language: u.language })),
    );
  });

  it('decodes every type DIE: tag, name, size, Go kind, runtime type, element, key, count', () => {
    for (const o of oracle.types) {
      const t = dwarf.typeAt(o.offset);
      expect({ offset: t.offset, tag: t.tag, name: t.name }).toEqual({ offset: o.offset, tag: o.tag, name: o.name });
      if (o.byteSize >= 0) expect(t.size, o.name).toBe(o.byteSize);
      if (o.goKind !== 0) expect(t.goKind, o.name).toBe(o.goKind);
      if (o.runtimeType !== 0) expect(t.runtimeTypeOffset, o.name).toBe(o.runtimeType);
      if (o.elem >= 0) expect(t.elem?.offset, o.name).toBe(o.elem);
      if (o.key >= 0) expect(t.key?.offset, o.name).toBe(o.key);
      if (t.kind === 'array') expect(t.count, o.name).toBe(o.count);
      if (t.kind === 'pointer' || t.kind === 'typedef') expect(t.target?.offset ?? -1, o.name).toBe(o.type);
    }
    expect([...dwarf.allTypes()].map((t) => t.offset)).toEqual(oracle.types.map((o) => o.offset));
  });

  it('decodes every struct field: name, offset, type, embedded', () => {
    let fields = 0;
    for (const o of oracle.types) {
      if (!o.fields) continue;
      const t = dwarf.typeAt(o.offset);
      expect(t.kind, o.name).toBe('struct');
      if (t.kind !== 'struct') continue;
      expect(t.fields.map((f) => ({ name: f.name, offset: f.offset, type: f.typeOffset, embedded: f.embedded }))).toEqual(o.fields);
      fields += o.fields.length;
    }
    expect(fields).toBeGreaterThan(100);
  });

  it('finds Go types by name, preferring the DIE with the layout over a typedef of the same name', () => {
    const byName = new Map<string, OracleDump['types']>();
    for (const o of oracle.types) if (o.go && o.name) byName.set(o.name, [...(byName.get(o.name) ?? []), o]);
    for (const [name, dies] of byName) {
      const expected = dies.find((d) => d.tag !== 0x16) ?? dies[0]!;
      expect(dwarf.type(name)?.offset, name).toBe(expected.offset);
    }
  });

  it('maps every runtime type offset back to its DIE', () => {
    const firstByRuntimeType = new Map<number, number>();
    for (const o of oracle.types) if (o.runtimeType !== 0 && !firstByRuntimeType.has(o.runtimeType)) firstByRuntimeType.set(o.runtimeType, o.offset);
    expect(firstByRuntimeType.size).toBeGreaterThan(100);
    for (const [rt, offset] of firstByRuntimeType) expect(dwarf.typeByRuntimeTypeOffset(rt)?.offset).toBe(offset);
  });

  it('finds every global at its DW_OP_addr address', () => {
    expect(dwarf.globals().map((g) => ({ name: g.name, address: g.address, type: g.typeOffset }))).toEqual(oracle.globals);
  });

  it('reads every constant exactly', () => {
    expect(dwarf.constants().map((c) => ({ name: c.name, value: c.value.toString() }))).toEqual(oracle.constants);
  });

  it('finds every function with its pc range, and each by pc', () => {
    expect(dwarf.functions().map((f) => ({ name: f.name, offset: f.offset, lowpc: f.lowPc, highpc: f.highPc }))).toEqual(
      oracle.functions.map((f) => ({ name: f.name, offset: f.offset, lowpc: f.lowpc, highpc: f.highpc })),
    );
    for (const f of oracle.functions) {
      if (f.ranges) continue;
      expect(dwarf.functionAt(f.lowpc)?.offset, f.name).toBe(f.offset);
      expect(dwarf.functionAt(f.highpc - 1)?.offset, f.name).toBe(f.offset);
    }
  });

  it('reads every variable and parameter of every function with its location', () => {
    let lists = 0;
    const byOffset = new Map(dwarf.functions().map((f) => [f.offset, f]));
    for (const o of oracle.functions) {
      const fn = byOffset.get(o.offset);
      const vars = fn!.variables().map((v) => ({
        name: v.name,
        param: v.isParameter,
        output: v.isOutput,
        type: v.typeOffset,
        ...(v.inlinedFrom !== undefined ? { inlinedFrom: v.inlinedFrom } : {}),
        expr: v.location.kind === 'expr' ? v.location.expr.toString('hex') : '',
        list: v.location.kind === 'list',
      }));
      expect(vars, o.name).toEqual(o.vars ?? []);
      for (const v of fn!.variables()) {
        if (v.location.kind !== 'list') continue;
        lists++;
        for (const e of v.location.entries) expect(e.highPc, `${o.name}.${v.name}`).toBeGreaterThanOrEqual(e.lowPc);
      }
    }
    expect(lists).toBeGreaterThan(0);
  });
});
