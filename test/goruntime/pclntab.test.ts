import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readStackObjects, StackMap } from '../../src/goruntime/binary/funcdata.js';
import type { GoBinary } from '../../src/goruntime/binary/go-binary.js';
import { FUNCDATA, type GoFunc } from '../../src/goruntime/binary/pclntab.js';
import {
  type Build, buildProgram, goEnv, hex, num, openGoBinary, removeBuilds, runJson, runOracle, type Toolchain, toolchains,
  type TypesTruth,
} from './support.js';

/** Text symbols (T/t) from `go tool nm`: name and address. */
function nmText(go: Toolchain, path: string): Array<{ name: string; addr: number }> {
  const out = execFileSync('go', ['tool', 'nm', path], { env: goEnv(go), encoding: 'utf8', maxBuffer: 256 << 20 });
  return out.split('\n').flatMap((line) => {
    const m = /^\s*([0-9a-f]+) ([Tt]) (.+)$/.exec(line);
    return m ? [{ name: m[3], addr: Number.parseInt(m[1], 16) }] : [];
  });
}

interface OracleFunc {
  name: string;
  entry: string;
  end: string;
  samples: Array<{ pc: string; file: string; line: number; func: string }>;
}

interface Instruction {
  off: number;
  file: string;
  line: number;
  op: string;
  args: string;
}

interface ListedFunc {
  name: string;
  args: number;
  locals: number;
  instructions: Instruction[];
}

/** Functions and data symbols of a `go build -gcflags=-S` listing. */
function parseListing(listing: string): { funcs: ListedFunc[]; data: Map<string, Buffer> } {
  const funcs: ListedFunc[] = [];
  const bytes = new Map<string, number[]>();
  let fn: ListedFunc | undefined;
  let sym: number[] | undefined;
  for (const line of listing.split('\n')) {
    const head = /^(\S+) STEXT.* args=(0x[0-9a-f]+) locals=(0x[0-9a-f]+)/.exec(line);
    const data = /^(\S+) SRODATA/.exec(line);
    const ins = /^\t(0x[0-9a-f]+) \d+ \((.*):(\d+)\)\t(\S+)\t?(.*)$/.exec(line);
    const hexBytes = /^\t0x[0-9a-f]{4} ((?:[0-9a-f]{2} )*[0-9a-f]{2})/.exec(line);
    if (head) {
      fn = { name: head[1], args: num(head[2]), locals: num(head[3]), instructions: [] };
      funcs.push(fn);
      sym = undefined;
    } else if (data) {
      fn = undefined;
      sym = [];
      bytes.set(data[1], sym);
    } else if (ins && fn) {
      fn.instructions.push({ off: num(ins[1]), file: ins[2], line: Number(ins[3]), op: ins[4], args: ins[5] });
    } else if (hexBytes && sym) {
      sym.push(...hexBytes[1].split(' ').map(num));
    } else if (!line.startsWith('\t')) {
      fn = undefined;
      sym = undefined;
    }
  }
  return { funcs, data: new Map([...bytes].map(([name, b]) => [name, Buffer.from(b)])) };
}

const pseudo = new Set(['PCDATA', 'FUNCDATA', 'TEXT']);

for (const go of toolchains) {
  describe(`pclntab, Go ${go}`, () => {
    let build: Build;
    beforeAll(() => {
      build = buildProgram('typesprog', go);
    });

    test('functions and entries equal the text symbols of go tool nm', () => {
      const { go: bin } = openGoBinary(build.binary);
      const tab = bin.pclntab;
      // go tool nm prints the middle dot of compiler-generated names as '.'.
      const ours = Array.from({ length: tab.nfunc }, (_, i) => `${hex(tab.funcAt(i).entry)} ${tab.funcAt(i).name.replaceAll('·', '.')}`);
      const nm = nmText(go, build.binary)
        .filter((s) => s.addr >= bin.moduledata.minpc && s.addr < bin.moduledata.maxpc && s.name !== 'runtime.text')
        // nm marks assembly (ABI0) functions with a suffix the pclntab name does not carry.
        .map((s) => `${hex(s.addr)} ${s.name.replace(/\.abi0$/, '')}`);
      expect(ours.length).toBeGreaterThan(3000);
      expect([...ours].sort()).toEqual(nm.sort());
    });

    for (const variant of ['default', 'stripped'] as const) {
      test(`${variant}: every function's name, bounds and file:line agree with debug/gosym`, () => {
        const path = variant === 'default' ? build.binary : build.stripped;
        const { go: bin } = openGoBinary(path);
        const oracle = runOracle<OracleFunc[]>(['pcln', path]);
        expect(oracle.length).toBe(bin.pclntab.nfunc);
        let mismatches = 0;
        const firstMismatches: string[] = [];
        for (const want of oracle) {
          for (const s of want.samples) {
            const fn = bin.pclntab.funcForPC(num(s.pc));
            const pos = fn?.fileLine(num(s.pc));
            const got = `${fn?.name} ${hex(fn?.entry ?? 0)}-${hex(fn?.end ?? 0)} ${pos?.file}:${pos?.line}`;
            // Without a line table (pcln offset 0: linker markers such as go:textfipsstart) the runtime
            // answers ?:0, while debug/gosym decodes whatever table starts at offset 0.
            const noTable = s.line === -1 || fn?.pcln === 0;
            const exp = `${want.name} ${want.entry}-${want.end} ${noTable ? '?' : s.file}:${noTable ? 0 : s.line}`;
            if (got !== exp) {
              mismatches++;
              if (firstMismatches.length < 5) firstMismatches.push(`${s.pc}: ${got} != ${exp}`);
            }
          }
        }
        expect(firstMismatches).toEqual([]);
        expect(mismatches).toBe(0);
      });
    }

    describe('against what the program reports about itself', () => {
      for (const variant of ['default', 'stripped'] as const) {
        test(`${variant}: FuncForPC, FileLine and the inline tree (runtime.CallersFrames)`, () => {
          const path = variant === 'default' ? build.binary : build.stripped;
          const truth = runJson<TypesTruth>(path);
          const { go: bin } = openGoBinary(path);
          for (const f of truth.funcs) {
            const byName = bin.pclntab.findFunc(f.name);
            expect(byName && hex(byName.entry), f.name).toBe(f.entry);
            const byPC = bin.pclntab.funcForPC(num(f.pc))!;
            expect(byPC.name).toBe(f.name);
            expect(byPC.fileLine(num(f.pc))).toEqual({ file: f.file, line: f.line });
          }
          // Replay runtime.CallersFrames: each physical return PC expands into its inlined frames.
          const got: Array<{ function: string; file: string; line: number; entry: string }> = [];
          const pcs = truth.callers.pcs.map(num);
          for (let i = 0; i < pcs.length; ) {
            const fn = bin.pclntab.funcForPC(pcs[i] - 1)!;
            const frames = fn.inlinedFrames(pcs[i] - 1);
            frames.forEach((fr, j) => {
              if (j > 0) expect(hex(fr.pc + 1)).toBe(truth.callers.pcs[i + j]);
              got.push({ function: fr.name, file: fr.file, line: fr.line, entry: hex(fn.entry) });
            });
            i += frames.length;
          }
          expect(got).toEqual(truth.callers.frames);
          expect(got.slice(0, 4).map((f) => f.function)).toEqual([
            'runtime.Callers', 'main.innerInlined', 'main.middleInlined', 'main.outerNoInline',
          ]);
        });
      }
    });

    describe('against the compiler listing (-gcflags=-S)', () => {
      let bin: GoBinary;
      let listed: ReturnType<typeof parseListing>;
      let mainFuncs: Array<{ listed: ListedFunc; fn: GoFunc }>;
      beforeAll(() => {
        bin = openGoBinary(build.binary).go;
        listed = parseListing(build.listing);
        mainFuncs = listed.funcs
          .filter((f) => f.name.startsWith('main.'))
          .flatMap((f) => {
            const fn = bin.pclntab.findFunc(f.name);
            return fn ? [{ listed: f, fn }] : [];
          });
      });

      test('the listing covers the functions the test relies on', () => {
        const names = mainFuncs.map((f) => f.fn.name);
        for (const n of ['main.main', 'main.argsMapTarget', 'main.localsMapTarget', 'main.stackObjectTarget', 'main.outerNoInline']) {
          expect(names).toContain(n);
        }
      });

      test('args size and the file:line of every instruction', () => {
        for (const { listed: f, fn } of mainFuncs) {
          expect(fn.args, f.name).toBe(f.args);
          const real = f.instructions.filter((i) => !pseudo.has(i.op));
          for (let k = 0; k < real.length; k++) {
            const ins = real[k];
            // Zero-size instructions (NOP) share an offset with the next one, which owns the bytes.
            if (k + 1 < real.length && real[k + 1].off === ins.off) continue;
            expect(fn.fileLine(fn.entry + ins.off), `${f.name}+${hex(ins.off)} ${ins.op}`).toEqual({ file: ins.file, line: ins.line });
          }
        }
      });

      test('PCDATA values where the listing sets them', () => {
        let checked = 0;
        for (const { listed: f, fn } of mainFuncs) {
          const realOffs = new Set(f.instructions.filter((i) => !pseudo.has(i.op)).map((i) => i.off));
          const last = new Map<string, { table: number; value: number; off: number }>();
          for (const ins of f.instructions) {
            const m = /^\$(\d+), \$(-?\d+)$/.exec(ins.args);
            if (ins.op === 'PCDATA' && m) last.set(`${m[1]}@${ins.off}`, { table: Number(m[1]), value: Number(m[2]), off: ins.off });
          }
          for (const { table, value, off } of last.values()) {
            if (!realOffs.has(off) || off >= fn.end - fn.entry) continue;
            expect(fn.pcdata(table, fn.entry + off), `${f.name} PCDATA $${table} at ${hex(off)}`).toBe(value);
            checked++;
          }
        }
        expect(checked).toBeGreaterThan(50);
      });

      test('SP delta along the straight-line prologue up to the first RET', () => {
        for (const { listed: f, fn } of mainFuncs) {
          let delta = 0;
          for (const ins of f.instructions.filter((i) => !pseudo.has(i.op))) {
            expect(fn.spDelta(fn.entry + ins.off), `${f.name}+${hex(ins.off)} ${ins.op}`).toBe(delta);
            if (ins.op === 'RET') break;
            const imm = /^\$(\d+), SP$/.exec(ins.args);
            if (ins.op === 'PUSHQ') delta += 8;
            else if (ins.op === 'POPQ') delta -= 8;
            else if (ins.op === 'SUBQ' && imm) delta += Number(imm[1]);
            else if (ins.op === 'ADDQ' && imm) delta -= Number(imm[1]);
          }
          if (f.locals > 0) expect(Math.max(...f.instructions.map((i) => fn.spDelta(fn.entry + i.off))), f.name).toBe(f.locals);
        }
      });

      test('args and locals stack maps equal the gclocals symbols', () => {
        let checked = 0;
        for (const { listed: f, fn } of mainFuncs) {
          for (const ins of f.instructions.filter((i) => i.op === 'FUNCDATA')) {
            const m = /^\$([01]), (\S+)\(SB\)$/.exec(ins.args);
            if (!m) continue;
            const want = listed.data.get(m[2])!;
            const map = StackMap.read(bin.pclntab.mem, fn.funcdata(Number(m[1])))!;
            expect(map, `${f.name} FUNCDATA $${m[1]}`).toBeDefined();
            expect([map.n, map.nbit]).toEqual([want.readInt32LE(0), want.readInt32LE(4)]);
            const stride = (map.nbit + 7) >> 3;
            for (let i = 0; i < map.n; i++) expect(Buffer.from(map.bitmap(i)!)).toEqual(want.subarray(8 + i * stride, 8 + (i + 1) * stride));
            checked++;
          }
        }
        expect(checked).toBeGreaterThan(20);
        // argsMapTarget(a *int, b int, c *Small, d string): pointers in words 0, 2 and 3 of its arguments.
        const args = bin.pclntab.findFunc('main.argsMapTarget')!;
        expect(StackMap.read(bin.pclntab.mem, args.funcdata(FUNCDATA.ArgsPointerMaps))!.pointerWords(0)).toEqual([0, 2, 3]);
      });

      test('stack objects', () => {
        const fn = bin.pclntab.findFunc('main.stackObjectTarget')!;
        const raw = listed.data.get('main.stackObjectTarget.stkobj')!;
        const records = readStackObjects(bin.pclntab.mem, fn.funcdata(FUNCDATA.StackObjects), bin.moduledata.rodata);
        expect(records.length).toBe(Number(raw.readBigUInt64LE(0)));
        expect(records[0]).toMatchObject({ off: raw.readInt32LE(8), size: 32, ptrBytes: 32 });
        expect(bin.pclntab.mem.readU8(records[0].gcdata) & 0xf).toBe(0xf);
      });
    });

    test('special functions: IDs, flags and wrappers', () => {
      const { go: bin } = openGoBinary(build.stripped);
      const tab = bin.pclntab;
      const goexit = tab.findFunc('runtime.goexit')!;
      expect(goexit.special).toBe('goexit');
      expect(goexit.topFrame).toBe(true);
      expect(goexit.asm).toBe(true);
      expect(tab.findFunc('runtime.mstart')!.topFrame).toBe(true);
      expect(tab.findFunc('runtime.systemstack')!.special).toBe('systemstack');
      expect(tab.findFunc('runtime.asyncPreempt')!.special).toBe('asyncPreempt');
      expect(tab.findFunc('main.main')!.special).toBeUndefined();
      // internal/abi FuncID numbering of 1.25+: goexit is 8, the wrapper ID 23.
      expect(goexit.funcID).toBe(8);
      expect(tab.wrapperFuncID()).toBe(23);
      // Square's value method is called through a pointer wrapper from the itab.
      expect(tab.findFunc('main.(*Square).Area')!.isWrapper).toBe(true);
      expect(tab.findFunc('main.Square.Area')!.isWrapper).toBe(false);
      expect(tab.funcForPC(bin.moduledata.maxpc)).toBeUndefined();
      expect(tab.funcForPC(bin.moduledata.minpc - 1)).toBeUndefined();
    });
  });
}

afterAll(removeBuilds);
