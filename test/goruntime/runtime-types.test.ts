import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { globalsPointerMask, runGCProgram } from '../../src/goruntime/binary/gcprog.js';
import type { GoBinary } from '../../src/goruntime/binary/go-binary.js';
import type { RuntimeType } from '../../src/goruntime/binary/runtime-types.js';
import {
  type Build, buildDir, buildProgram, goBuild, hex, num, openGoBinary, removeBuilds, runJson, toolchains, type TypesTruth,
} from './support.js';

function setBits(bits: Uint8Array, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (bits[i >> 3] & (1 << (i & 7))) out.push(i);
  return out;
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;

/** Where keys and elems sit in a swiss-map group, by the compiler's rule (reflectdata MapGroupType). */
function expectedGroup(key: RuntimeType, elem: RuntimeType, split: boolean) {
  const k = key.size > 128 ? { size: 8, align: 8 } : { size: key.size, align: key.align };
  const e = elem.size > 128 ? { size: 8, align: 8 } : { size: elem.size, align: elem.align };
  if (split) {
    const elemsOff = align(8 + 8 * k.size, e.align);
    return { keysOff: 8, keyStride: k.size, elemsOff, elemStride: e.size, groupSize: align(elemsOff + 8 * e.size, 8) };
  }
  const elemOff = align(k.size, e.align);
  const slot = align(elemOff + e.size, Math.max(k.align, e.align));
  return { keysOff: 8, keyStride: slot, elemsOff: 8 + elemOff, elemStride: slot, groupSize: 8 + 8 * slot };
}

function checkTypes(bin: GoBinary, truth: TypesTruth, split = false): void {
  for (const want of truth.types) {
    const t = bin.types.typeAt(num(want.addr))!;
    const what = `${want.label} at ${want.addr}`;
    expect(t, what).toBeDefined();
    expect({ string: t.string, kind: t.kindName, size: t.size, align: t.align, fieldAlign: t.fieldAlign }, what).toEqual({
      string: want.string, kind: want.kind, size: want.size, align: want.align, fieldAlign: want.fieldAlign,
    });
    expect(t.name, what).toBe(want.name);
    if (want.name) expect(t.pkgPath, what).toBe(want.pkgPath);
    const methods = want.kind === 'interface' ? t.interfaceMethods() : t.methods().filter((m) => m.exported);
    expect(methods.map((m) => m.name), what).toEqual(want.methods);
    if (want.fields) {
      expect(t.fields().map((f) => ({ ...f, typeAddr: hex(f.typeAddr) })), what).toEqual(want.fields.map((f) => ({
        name: f.name, typeAddr: f.typeAddr, offset: f.offset, embedded: f.embedded, exported: f.exported, tag: f.tag,
      })));
      for (const f of want.fields) expect(bin.types.typeAt(num(f.typeAddr))?.string).toBe(f.type);
    }
    if (want.elemAddr) expect(hex(t.elem()?.addr ?? 0), what).toBe(want.elemAddr);
    if (want.key) expect(t.key()?.string, what).toBe(want.key);
    expect(t.len, what).toBe(want.len ?? 0);
    expect(t.chanDir, what).toBe(want.chanDir ?? 0);
    if (want.in) {
      const sig = t.funcSignature()!;
      const names = (addrs: number[]) => addrs.map((a) => bin.types.typeAt(a)?.string);
      expect({ in: names(sig.in), out: names(sig.out), variadic: sig.variadic }, what).toEqual({ in: want.in, out: want.out, variadic: want.variadic ?? false });
    }
    // The GC mask must mark exactly the pointer words reflect finds, and nothing past PtrBytes.
    const lastPtr = want.pointerWords.length ? want.pointerWords[want.pointerWords.length - 1] : -1;
    expect(t.ptrBytes, what).toBe((lastPtr + 1) * 8);
    expect(setBits(t.pointerMask()!, t.ptrBytes / 8), what).toEqual(want.pointerWords);
    expect(t.directIface, what).toBe(t.size === 8 && t.ptrBytes === 8);
    if (want.kind === 'map') {
      const info = t.mapInfo()!;
      const key = t.key()!;
      const elem = t.elem()!;
      expect(info.layout).toBe('swiss');
      if (info.layout !== 'swiss') continue;
      expect([info.key, info.elem]).toEqual([key.addr, elem.addr]);
      expect([info.indirectKey, info.indirectElem], what).toEqual([key.size > 128, elem.size > 128]);
      expect(bin.types.typeAt(info.group)?.size, what).toBe(info.groupSize);
      const { keysOff, keyStride, elemsOff, elemStride, groupSize } = info;
      expect({ keysOff, keyStride, elemsOff, elemStride, groupSize }, what).toEqual(expectedGroup(key, elem, split));
    }
  }
}

for (const go of toolchains) {
  describe(`runtime types, Go ${go}`, () => {
    let build: Build;
    beforeAll(() => {
      build = buildProgram('typesprog', go);
    });

    for (const variant of ['default', 'stripped'] as const) {
      describe(variant, () => {
        let bin: GoBinary;
        let truth: TypesTruth;
        beforeAll(() => {
          const path = variant === 'default' ? build.binary : build.stripped;
          bin = openGoBinary(path).go;
          truth = runJson<TypesTruth>(path);
        });

        test('every descriptor agrees with reflect: names, sizes, fields, elems, methods, maps, GC masks', () => {
          expect(truth.types.length).toBeGreaterThan(40);
          checkTypes(bin, truth);
        });

        test('large masks are built on demand as the release decides', () => {
          // cmd/compile dgcsym: on demand when the mask would exceed abi.MaxPtrmaskBytes (2048, 1.27: 16).
          const limitWords = (go === '1.27' ? 16 : 2048) * 8;
          for (const want of truth.types) {
            const t = bin.types.typeAt(num(want.addr))!;
            expect(t.gcMaskOnDemand, want.label).toBe(t.ptrBytes / 8 > limitWords);
          }
          const byLabel = (l: string) => bin.types.typeAt(num(truth.types.find((t) => t.label === l)!.addr))!;
          // 1600 bytes of pointers: on demand only in 1.27; 160 KB: in both.
          expect(byLabel('BigPtrs').gcMaskOnDemand).toBe(go === '1.27');
          expect(byLabel('HugeMixed').gcMaskOnDemand).toBe(true);
        });

        test('masks built from the type structure equal the ones the runtime built for live objects', () => {
          const built = truth.types.filter((t) => t.runtimeMask);
          expect(built.map((t) => t.label).sort()).toEqual(go === '1.27' ? ['BigPtrs', 'HugeMixed', 'NestedBig'] : ['HugeMixed']);
          for (const want of built) {
            expect(Buffer.from(bin.types.typeAt(num(want.addr))!.pointerMask()!).toString('hex'), want.label).toBe(want.runtimeMask);
          }
        });

        test('itabs map to their interface and concrete types', () => {
          const statics = new Set(bin.itabs.staticItabs().map((i) => i.addr));
          expect(statics.size).toBeGreaterThan(10);
          for (const want of truth.itabs) {
            const itab = bin.itabs.itabAt(num(want.itab))!;
            expect(itab, want.label).toBeDefined();
            expect([hex(itab.inter.addr), hex(itab.type.addr)], want.label).toEqual([want.inter, want.type]);
            expect(itab.hash).toBe(itab.type.hash);
            expect(statics.has(itab.addr), want.label).toBe(true);
          }
          const all = bin.itabs.staticItabs();
          for (const i of all) expect(i.inter.kindName).toBe('interface');
          const md = bin.moduledata;
          if (go === '1.27') {
            // The walk over the type data must cover the itab run exactly (abi.ITab.Size per entry).
            const bytes = all.reduce((sum, i) => sum + 32 + 8 * (Math.max(1, i.fun0 ? i.inter.interfaceMethods().length : 1) - 1), 0);
            expect(bytes).toBe(md.itabsize);
          } else {
            expect(all.length).toBe(md.itablinks!.len);
          }
        });

        test('untrusted addresses are rejected', () => {
          const small = num(truth.types.find((t) => t.label === 'Small')!.addr);
          expect(bin.types.typeAt(small + 4)).toBeUndefined();
          expect(bin.types.typeAt(0)).toBeUndefined();
          expect(bin.types.typeAt(bin.moduledata.text)).toBeUndefined();
          expect(bin.types.typeAt(bin.moduledata.etypes)).toBeUndefined();
          expect(bin.itabs.itabAt(small)).toBeUndefined();
          // Small{A *int; b int; S string; next *Small}: pointers in words 0, 2 and 4.
          expect(bin.types.pointerMask(small)).toEqual({ size: 40, ptrBytes: 40, bits: Uint8Array.of(0b10101) });
        });

        test('data and bss pointer masks mark the pointer words of globals', () => {
          const md = bin.moduledata;
          const data = globalsPointerMask(bin.types.mem, md, 'data');
          const bss = globalsPointerMask(bin.types.mem, md, 'bss');
          for (const g of truth.globals) {
            const addr = num(g.addr);
            const [mask, base] = addr >= md.bss && addr < md.ebss ? [bss, md.bss] : addr >= md.data && addr < md.edata ? [data, md.data] : [undefined, 0];
            if (g.pointerWords.length === 0) {
              // Pointer-free globals live in noptrdata/noptrbss, which have no mask.
              expect(mask, g.name).toBeUndefined();
              continue;
            }
            expect(mask, g.name).toBeDefined();
            const first = (addr - base) / 8;
            expect(setBits(mask!.subarray(0), (addr - base) / 8 + g.size / 8).filter((w) => w >= first).map((w) => w - first), g.name)
              .toEqual(g.pointerWords);
          }
        });
      });
    }
  });
}

describe('Go 1.27 built with GOEXPERIMENT=mapsplitgroup', () => {
  test('key and elem addressing follows the split group layout', () => {
    const out = join(buildDir('mapsplitgroup'), 'bin');
    goBuild('1.27', 'typesprog', out, [], { GOEXPERIMENT: 'mapsplitgroup' });
    const truth = runJson<TypesTruth>(out);
    expect(truth.goVersion).toMatch(/X:mapsplitgroup/);
    const bin = openGoBinary(out).go;
    expect(bin.experiment('mapsplitgroup')).toBe(true);
    checkTypes(bin, truth, true);
  });
});

describe('runGCProgram', () => {
  test('literals and repeats, with the varint repeat form', () => {
    // 3 literal bits 101, repeat the last 3 bits twice, 2 literal bits 11, repeat the last 1 bit 130 times (varint n form), stop.
    const prog = Uint8Array.of(0x03, 0b101, 0x83, 0x02, 0x02, 0b11, 0x80, 0x01, 0x82, 0x01, 0x00);
    const { bits, n } = runGCProgram(prog, 200);
    expect(n).toBe(3 + 6 + 2 + 130);
    const expected = [0, 2, 3, 5, 6, 8, 9, 10, ...Array.from({ length: 130 }, (_, i) => 11 + i)];
    expect(setBits(bits, n)).toEqual(expected);
  });

  test('corrupt programs fail instead of running away', () => {
    expect(() => runGCProgram(Uint8Array.of(0x05, 0xff), 3)).toThrow(/more than 3 bits/);
    expect(() => runGCProgram(Uint8Array.of(0x81, 0x05), 100)).toThrow(/repeats more bits/);
    expect(() => runGCProgram(Uint8Array.of(0x02, 0x01), 100)).toThrow(/runs past/);
  });
});

afterAll(removeBuilds);
