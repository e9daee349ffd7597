import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UserError } from '../../src/errors.js';
import { ExecutableImage } from '../../src/core/executable-image.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import * as abi from '../../src/goruntime/layout/abi-layout.js';
import type { GoStructLayout } from '../../src/goruntime/layout/go-struct.js';
import { findModuledata, moduledataLayouts } from '../../src/goruntime/binary/moduledata.js';
import { funcLayout, inlinedCallLayout } from '../../src/goruntime/binary/pclntab.js';
import { pcHeaderLayout } from '../../src/goruntime/binary/pclntab-header.js';
import { parseGoVersion } from '../../src/goruntime/binary/version.js';
import {
  type Build, buildDir, buildProgram, goBuild, goEnv, hex, num, openGoBinary, removeBuilds, runJson, runOracle,
  type Toolchain, toolchains, type TypesTruth,
} from './support.js';

/** Symbol → address from `go tool nm` of the toolchain that built the binary. */
function nmSymbols(go: Toolchain, path: string): Map<string, number> {
  const out = execFileSync('go', ['tool', 'nm', path], { env: goEnv(go), encoding: 'utf8', maxBuffer: 256 << 20 });
  const symbols = new Map<string, number>();
  for (const line of out.split('\n')) {
    const m = /^\s*([0-9a-f]+) \S (.+)$/.exec(line);
    if (m) symbols.set(m[2], Number.parseInt(m[1], 16));
  }
  return symbols;
}

type DwarfLayouts = Record<string, { size: number; fields: Array<{ name: string; offset: number }> } | null>;

/** Our computed layouts and the DWARF struct each must match, per release. */
function layoutsToCheck(go: Toolchain): Array<[string, GoStructLayout<string>]> {
  const v = parseGoVersion(go === '1.26' ? 'go1.26.0' : 'go1.27.0')!;
  const md = moduledataLayouts.find((l) => l.releases === go)!.layout;
  return [
    ['runtime.moduledata', md],
    ['runtime.pcHeader', pcHeaderLayout],
    ['runtime._func', funcLayout],
    ['runtime.inlinedCall', inlinedCallLayout],
    ['internal/abi.Type', abi.abiType],
    ['internal/abi.UncommonType', abi.uncommonType],
    ['internal/abi.StructField', abi.structField],
    ['internal/abi.ArrayType', abi.arrayType],
    ['internal/abi.ChanType', abi.chanType],
    ['internal/abi.FuncType', abi.funcType],
    ['internal/abi.InterfaceType', abi.interfaceType],
    ['internal/abi.PtrType', abi.ptrType],
    ['internal/abi.SliceType', abi.sliceType],
    ['internal/abi.StructType', abi.structType],
    ['internal/abi.MapType', abi.mapTypeLayout(abi.mapLayoutKind(v, true))],
    ['internal/abi.ITab', abi.itabLayout],
  ];
}

for (const go of toolchains) {
  describe(`moduledata, Go ${go}`, () => {
    let build: Build;
    beforeAll(() => {
      build = buildProgram('typesprog', go);
    });

    test('layout tables equal DWARF of an unstripped build', () => {
      const checks = layoutsToCheck(go);
      const dwarf = runOracle<DwarfLayouts>(['structs', build.binary, ...checks.map(([name]) => name)]);
      for (const [name, layout] of checks) {
        const d = dwarf[name];
        expect(d, `${name} in DWARF`).toBeTruthy();
        const dwarfOffsets = Object.fromEntries(d!.fields.filter((f) => f.name !== '_').map((f) => [f.name, f.offset]));
        const ours = Object.fromEntries(Object.entries(layout.offsets).filter(([f]) => !f.startsWith('_') && f !== 'textStart'));
        expect(ours, name).toEqual(Object.fromEntries(Object.keys(ours).map((f) => [f, dwarfOffsets[f]])));
        expect(layout.size, `${name} size`).toBe(d!.size);
      }
    });

    test('unstripped: runtime.firstmoduledata, with the section bounds go tool nm reports', () => {
      const { go: bin } = openGoBinary(build.binary);
      const md = bin.moduledata;
      const nm = nmSymbols(go, build.binary);
      expect(md.layout).toBe(go);
      expect(hex(md.addr)).toBe(hex(nm.get('runtime.firstmoduledata')!));
      const expected: Record<string, string> = {
        text: 'runtime.text', etext: 'runtime.etext', noptrdata: 'runtime.noptrdata', enoptrdata: 'runtime.enoptrdata',
        data: 'runtime.data', edata: 'runtime.edata', bss: 'runtime.bss', ebss: 'runtime.ebss',
        noptrbss: 'runtime.noptrbss', enoptrbss: 'runtime.enoptrbss', end: 'runtime.end', gcdata: 'runtime.gcdata',
        gcbss: 'runtime.gcbss', types: 'runtime.types', etypes: 'runtime.etypes', rodata: 'runtime.rodata',
        gofunc: 'go:func.*', findfunctab: 'runtime.findfunctab',
      };
      for (const [field, sym] of Object.entries(expected)) {
        expect(hex((md as unknown as Record<string, number>)[field]), field).toBe(hex(nm.get(sym)!));
      }
      expect(md.pcHeader).toBe(ElfFile.open(build.binary).section('.gopclntab')!.addr);
      if (go === '1.27') {
        expect(md.typelinks).toBeUndefined();
        expect(md.itabsize).toBeGreaterThan(0);
        expect(md.types + md.typedesclen!).toBeLessThanOrEqual(md.types + md.itaboffset!);
      } else {
        expect(md.typelinks!.len).toBe(ElfFile.open(build.binary).section('.typelink')!.size / 4);
        expect(md.itablinks!.len).toBe(ElfFile.open(build.binary).section('.itablink')!.size / 8);
      }
    });

    test('stripped: found through .go.module, bounds agree with the sections', () => {
      const { elf, go: bin } = openGoBinary(build.stripped);
      expect(elf.symbols()).toEqual([]);
      const md = bin.moduledata;
      const sec = (name: string) => elf.section(name)!;
      expect(md.addr).toBe(sec('.go.module').addr);
      expect(md.text).toBe(sec('.text').addr);
      expect(md.pcHeader).toBe(sec('.gopclntab').addr);
      for (const [lo, hi, name] of [['noptrdata', 'enoptrdata', '.noptrdata'], ['data', 'edata', '.data'], ['bss', 'ebss', '.bss'], ['noptrbss', 'enoptrbss', '.noptrbss']] as const) {
        expect(md[lo], lo).toBe(sec(name).addr);
        expect(md[hi], hi).toBe(sec(name).addr + sec(name).size);
      }
      if (go === '1.27') expect(md.types).toBe(sec('.go.type').addr);
    });

    test('stripped, .go.module unnamed: found by scanning the data segment for the pclntab address', () => {
      const bytes = readFileSync(build.stripped);
      const at = bytes.indexOf(Buffer.from('.go.module\0'));
      Buffer.from('.go.modulX\0').copy(bytes, at);
      const copy = join(buildDir(`unnamed-module-${go}`), 'bin');
      writeFileSync(copy, bytes, { mode: 0o755 });
      const elf = ElfFile.open(copy);
      expect(elf.section('.go.module')).toBeUndefined();
      const md = findModuledata(elf, ExecutableImage.of(elf), parseGoVersion(`go${go}.0`));
      expect(md.addr).toBe(elf.section('.go.modulX')!.addr);
      expect(md.layout).toBe(go);
    });
  });
}

describe('position-independent executables', () => {
  for (const go of toolchains) {
    test(`Go ${go} -buildmode=pie, stripped: read at link addresses, the run shifted by its load bias`, () => {
      const out = join(buildDir(`pie-${go}`), 'bin');
      goBuild(go, 'typesprog', out, ['-buildmode=pie', '-ldflags=-s -w']);
      const truth = runJson<TypesTruth>(out);
      const { elf, go: bin } = openGoBinary(out);
      expect(elf.header.type).toBe(3);
      expect(bin.moduledata.addr).toBe(elf.section('.go.module')!.addr);
      const main = truth.funcs.find((f) => f.name === 'main.main')!;
      const bias = num(main.entry) - bin.pclntab.findFunc('main.main')!.entry;
      expect(bias).toBeGreaterThan(0);
      expect(bias % 4096).toBe(0);
      for (const f of truth.funcs) expect(bin.pclntab.funcForPC(num(f.pc) - bias)?.name).toBe(f.name);
      for (const t of truth.types) expect(bin.types.typeAt(num(t.addr) - bias)?.string, t.label).toBe(t.string);
    });
  }
});

describe('not Go', () => {
  test('findModuledata on a C binary says notGo', () => {
    const elf = ElfFile.open('/bin/true');
    const err = (() => { try { findModuledata(elf, ExecutableImage.of(elf)); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).kind).toBe('notGo');
  });
});

afterAll(removeBuilds);
