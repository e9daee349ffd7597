/**
 * The allocation data flow (src/goruntime/code/allocation-flow.ts) on small functions assembled
 * here, with made-up callees, types and globals: which globals a function assigns from an
 * allocation (or a call's result), and what it returns. Needs no Go toolchain and no core.
 */
import { describe, expect, it } from 'vitest';
import { decodeFunction } from '../../src/x86/decoder.js';
import { Register } from '../../src/x86/effects.js';
import { analyzeFlow, type Callee, type FlowValue, type FunctionFlow, runtimeCallee } from '../../src/goruntime/code/allocation-flow.js';

const { rax, rcx, rdx, rbx, r11 } = Register;

// ---- A tiny assembler: instructions of fixed size, jumps and RIP-relative operands to labels or addresses.

/** An address, or the name of a label in the same function. */
type Target = number | string;
interface Piece {
  size: number;
  bytes(at: number, resolve: (t: Target) => number): number[];
}
/** A string line is a label: the address of the next instruction. */
type Line = Piece | string;

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const rex = (w: boolean, reg: number, rm: number) => 0x40 | (w ? 8 : 0) | (reg >= 8 ? 4 : 0) | (rm >= 8 ? 1 : 0);
const modrm = (mod: number, reg: number, rm: number) => (mod << 6) | ((reg & 7) << 3) | (rm & 7);
const fixed = (bytes: number[]): Piece => ({ size: bytes.length, bytes: () => bytes });
/** `head`, then a 32-bit displacement from the end of the instruction to `target`, then `tail`. */
const relative = (head: number[], target: Target, tail: number[] = []): Piece => {
  const size = head.length + 4 + tail.length;
  return { size, bytes: (at, resolve) => [...head, ...le32(resolve(target) - (at + size)), ...tail] };
};

/** LEA reg, [rip+target] */
const leaRip = (reg: number, target: Target) => relative([rex(true, reg, 0), 0x8d, modrm(0, reg, 5)], target);
/** MOV [rip+target], reg (64-bit) */
const storeRip = (target: Target, reg: number) => relative([rex(true, reg, 0), 0x89, modrm(0, reg, 5)], target);
/** CMPL $imm8, target(SB): the write barrier check */
const cmpRip = (target: Target, imm: number) => relative([0x83, modrm(0, 7, 5)], target, [imm]);
const call = (target: Target) => relative([0xe8], target);
const jmp = (target: Target) => relative([0xe9], target);
const je = (target: Target) => relative([0x0f, 0x84], target);
const jne = (target: Target) => relative([0x0f, 0x85], target);
const ret = fixed([0xc3]);
/** MOV dst, src (64-bit) */
const mov = (dst: number, src: number) => fixed([rex(true, src, dst), 0x89, modrm(3, src, dst)]);
/** MOV dst32, src32: a 32-bit move, which carries nothing. */
const mov32 = (dst: number, src: number) => fixed([...(dst >= 8 || src >= 8 ? [rex(false, src, dst)] : []), 0x89, modrm(3, src, dst)]);
/** MOV [RSP+disp8], reg (64-bit) */
const storeStack = (disp: number, reg: number) => fixed([rex(true, reg, 0), 0x89, modrm(1, reg, 4), 0x24, disp]);
/** MOV reg, [RSP+disp8] (64-bit) */
const loadStack = (reg: number, disp: number) => fixed([rex(true, reg, 0), 0x8b, modrm(1, reg, 4), 0x24, disp]);
/** MOV [R11], reg (64-bit): what follows the write barrier call */
const storeR11 = (reg: number) => fixed([rex(true, reg, r11), 0x89, modrm(0, reg, r11)]);
/** XOR r32, r32: nil */
const zero = (reg: number) => fixed([...(reg >= 8 ? [rex(false, reg, reg)] : []), 0x31, modrm(3, reg, reg)]);
/** MOV r32, imm32 */
const movImm = (reg: number, imm: number) => fixed([...(reg >= 8 ? [0x41] : []), 0xb8 + (reg & 7), ...le32(imm)]);
/** TEST reg, reg (64-bit) */
const test = (reg: number) => fixed([rex(true, reg, reg), 0x85, modrm(3, reg, reg)]);
/** DEC r32 */
const dec = (reg: number) => fixed([...(reg >= 8 ? [0x41] : []), 0xff, modrm(3, 1, reg)]);
/** PUSH RBP; MOV RBP, RSP; SUB RSP, frame */
const prologue = (frame: number) => fixed([0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, frame]);
/** ADD RSP, frame; POP RBP */
const epilogue = (frame: number) => fixed([0x48, 0x83, 0xc4, frame, 0x5d]);

const base = 0x401000;

function assemble(lines: Line[]): Uint8Array {
  const labels = new Map<string, number>();
  let at = base;
  for (const line of lines) {
    if (typeof line === 'string') labels.set(line, at);
    else at += line.size;
  }
  const resolve = (t: Target) => {
    if (typeof t === 'number') return t;
    const addr = labels.get(t);
    if (addr === undefined) throw new Error(`no label ${t}`);
    return addr;
  };
  const out: number[] = [];
  for (const line of lines) if (typeof line !== 'string') out.push(...line.bytes(base + out.length, resolve));
  return Uint8Array.from(out);
}

// ---- A made-up program: runtime functions, two Go functions, two types, two globals.

const fn = {
  newobject: 0x410000,
  makeslice: 0x410100,
  mallocgc: 0x410200,
  mallocgcSmall: 0x410300,
  gcWriteBarrier2: 0x410400,
  /** A Go function with 16 bytes of arguments (spill space) at the bottom of the caller's frame. */
  helper: 0x420000,
  /** A Go function with 24 bytes of arguments. */
  wideHelper: 0x420100,
};
const names = new Map<number, string>([
  [fn.newobject, 'runtime.newobject'],
  [fn.makeslice, 'runtime.makeslice'],
  [fn.mallocgc, 'runtime.mallocgc'],
  [fn.mallocgcSmall, 'runtime.mallocgcSmallScanNoHeader'],
  [fn.gcWriteBarrier2, 'runtime.gcWriteBarrier2'],
  [fn.helper, 'main.helper'],
  [fn.wideHelper, 'main.wideHelper'],
]);
const argBytes = new Map<number, number>([[fn.newobject, 8], [fn.makeslice, 24], [fn.mallocgc, 24], [fn.helper, 16], [fn.wideHelper, 24]]);
const callee = (entry: number): Callee => ({ ...runtimeCallee(names.get(entry) ?? ''), argBytes: argBytes.get(entry) ?? 0 });

const T1 = 0x4a0000;
const T2 = 0x4a0100;
const isType = (addr: number) => addr === T1 || addr === T2;
const G1 = 0x560000;
const G2 = 0x560008;
/** runtime.writeBarrier: a global too. */
const writeBarrierFlag = 0x570000;
const isGlobal = (addr: number) => addr >= 0x560000 && addr < 0x580000;

function flow(lines: Line[]): FunctionFlow {
  const { instructions, complete } = decodeFunction(assemble(lines), base);
  expect(complete).toBe(true);
  return analyzeFlow(instructions, callee, isType, isGlobal);
}

const object = (type: number): FlowValue => ({ type, slice: false });
const slice = (type: number): FlowValue => ({ type, slice: true });
const resultOf = (call: number): FlowValue => ({ type: 0, slice: false, call });

// ---- Tests

describe('runtimeCallee', () => {
  it('names the allocators, their type register and the write barrier', () => {
    expect(runtimeCallee('runtime.newobject')).toStrictEqual({ allocator: { typeIn: rax, slice: false } });
    expect(runtimeCallee('runtime.makeslice')).toStrictEqual({ allocator: { typeIn: rax, slice: true } });
    expect(runtimeCallee('runtime.mallocgc')).toStrictEqual({ allocator: { typeIn: rbx, slice: false } });
    expect(runtimeCallee('runtime.mallocgcSmallNoscan')).toStrictEqual({ allocator: { typeIn: rbx, slice: false } });
    expect(runtimeCallee('runtime.gcWriteBarrier8')).toStrictEqual({ preserves: true });
    expect(runtimeCallee('runtime.makemap')).toStrictEqual({});
    expect(runtimeCallee('main.newThing')).toStrictEqual({});
  });
});

describe('analyzeFlow: allocations stored to globals', () => {
  it('LEA RAX, type; CALL newobject; MOV global, RAX stores an object of that type', () => {
    expect(flow([leaRip(rax, T1), call(fn.newobject), storeRip(G1, rax), zero(rax), ret])).toStrictEqual({ stores: [[G1, object(T1)]] });
  });

  it('makeslice stores a slice', () => {
    const code = [leaRip(rax, T2), movImm(rbx, 10), movImm(rcx, 10), call(fn.makeslice), storeRip(G1, rax), zero(rax), ret];
    expect(flow(code)).toStrictEqual({ stores: [[G1, slice(T2)]] });
  });

  it('mallocgc and its size-specialized forms take the type in RBX, not RAX', () => {
    expect(flow([movImm(rax, 64), leaRip(rbx, T1), movImm(rcx, 1), call(fn.mallocgc), storeRip(G1, rax), zero(rax), ret])).toStrictEqual({
      stores: [[G1, object(T1)]],
    });
    expect(flow([movImm(rax, 64), leaRip(rbx, T2), call(fn.mallocgcSmall), storeRip(G1, rax), zero(rax), ret])).toStrictEqual({
      stores: [[G1, object(T2)]],
    });
    expect(flow([leaRip(rax, T1), call(fn.mallocgc), storeRip(G1, rax), zero(rax), ret])).toStrictEqual({ stores: [] });
  });

  it('without a type loaded (or with an address that is not a type) the allocation is unknown', () => {
    expect(flow([movImm(rax, 0), call(fn.newobject), storeRip(G1, rax), ret])).toStrictEqual({ stores: [] });
    expect(flow([leaRip(rax, 0x4a0008), call(fn.newobject), storeRip(G1, rax), ret])).toStrictEqual({ stores: [] });
  });

  it('a store to an address that is not a global is not recorded', () => {
    expect(flow([leaRip(rax, T1), call(fn.newobject), storeRip(0x600000, rax), zero(rax), ret])).toStrictEqual({ stores: [] });
  });

  it('the value still in RAX at RET is returned, even by a function that stores it', () => {
    expect(flow([leaRip(rax, T1), call(fn.newobject), storeRip(G1, rax), ret])).toStrictEqual({
      stores: [[G1, object(T1)]],
      returns: object(T1),
    });
  });

  it('follows the result through registers and a stack slot', () => {
    const code = [
      prologue(0x28),
      leaRip(rax, T1),
      call(fn.newobject),
      mov(rcx, rax),
      storeStack(16, rcx),
      zero(rcx),
      zero(rax),
      loadStack(rdx, 16),
      storeRip(G1, rdx),
      mov(rbx, rdx),
      storeRip(G2, rbx),
      epilogue(0x28),
      ret,
    ];
    expect(flow(code)).toStrictEqual({ stores: [[G1, object(T1)], [G2, object(T1)]] });
  });

  it('a 32-bit move carries nothing', () => {
    expect(flow([leaRip(rax, T1), call(fn.newobject), mov32(rcx, rax), storeRip(G1, rcx), zero(rax), ret])).toStrictEqual({ stores: [] });
  });

  it('a call in between clobbers the registers; RAX then holds that call\'s result', () => {
    expect(flow([leaRip(rax, T1), call(fn.newobject), mov(rbx, rax), call(fn.helper), storeRip(G1, rbx), storeRip(G2, rax), ret])).toStrictEqual({
      stores: [[G2, resultOf(fn.helper)]],
      returns: resultOf(fn.helper),
    });
  });

  it('a stack slot survives a call unless it lies in the callee\'s argument area', () => {
    const around = (helper: number) => [
      prologue(0x28),
      leaRip(rax, T1),
      call(fn.newobject),
      storeStack(16, rax),
      call(helper),
      loadStack(rcx, 16),
      storeRip(G1, rcx),
      epilogue(0x28),
      ret,
    ];
    expect(flow(around(fn.helper))).toStrictEqual({ stores: [[G1, object(T1)]], returns: resultOf(fn.helper) }); // args [0, 16)
    expect(flow(around(fn.wideHelper))).toStrictEqual({ stores: [], returns: resultOf(fn.wideHelper) }); // args [0, 24)
  });

  it('the write barrier keeps the registers', () => {
    const code = [
      leaRip(rax, T1),
      call(fn.newobject),
      cmpRip(writeBarrierFlag, 0),
      je('store'),
      call(fn.gcWriteBarrier2),
      storeR11(rax),
      'store',
      storeRip(G1, rax),
      zero(rax),
      ret,
    ];
    expect(flow(code)).toStrictEqual({ stores: [[G1, object(T1)]] });
  });
});

describe('analyzeFlow: branches', () => {
  const ifElse = (thenPath: Line[], elsePath: Line[]) => [test(rcx), je('else'), ...thenPath, jmp('join'), 'else', ...elsePath, 'join', storeRip(G1, rax), ret];
  const allocate = (type: number) => [leaRip(rax, type), call(fn.newobject)];

  it('two paths that agree keep the fact', () => {
    expect(flow(ifElse(allocate(T1), allocate(T1)))).toStrictEqual({ stores: [[G1, object(T1)]], returns: object(T1) });
  });

  it('two paths that disagree lose it', () => {
    expect(flow(ifElse(allocate(T1), allocate(T2)))).toStrictEqual({ stores: [] });
    expect(flow(ifElse(allocate(T1), [leaRip(rax, T1), call(fn.makeslice)]))).toStrictEqual({ stores: [] });
    expect(flow(ifElse(allocate(T1), [movImm(rax, 1)]))).toStrictEqual({ stores: [] });
  });

  it('a path that skips the allocation loses it', () => {
    expect(flow([...allocate(T1), test(rcx), je('join'), movImm(rax, 1), 'join', storeRip(G1, rax), ret])).toStrictEqual({ stores: [] });
  });

  it('nil joins with an allocation', () => {
    expect(flow(ifElse(allocate(T1), [zero(rax)]))).toStrictEqual({ stores: [[G1, object(T1)]], returns: object(T1) });
    expect(flow(ifElse([zero(rax)], allocate(T2)))).toStrictEqual({ stores: [[G1, object(T2)]], returns: object(T2) });
  });

  it('nil alone is neither stored nor returned', () => {
    expect(flow([zero(rax), storeRip(G1, rax), ret])).toStrictEqual({ stores: [] });
  });

  it('code after an unconditional jump starts knowing nothing', () => {
    expect(flow([...allocate(T1), jmp('end'), storeRip(G1, rax), 'end', zero(rax), ret])).toStrictEqual({ stores: [] });
  });
});

describe('analyzeFlow: returns', () => {
  it('a constructor returns its allocation in RAX on every path', () => {
    const code = [
      prologue(0x18),
      test(rcx),
      je('other'),
      leaRip(rax, T1),
      call(fn.newobject),
      epilogue(0x18),
      ret,
      'other',
      leaRip(rax, T1),
      call(fn.newobject),
      movImm(rcx, 1),
      epilogue(0x18),
      ret,
    ];
    expect(flow(code)).toStrictEqual({ stores: [], returns: object(T1) });
  });

  it('`if bad { return nil }` still returns the allocation', () => {
    expect(flow([test(rcx), je('ok'), zero(rax), ret, 'ok', leaRip(rax, T2), call(fn.makeslice), ret])).toStrictEqual({ stores: [], returns: slice(T2) });
  });

  it('returns another call\'s result, for the caller to follow', () => {
    expect(flow([call(fn.helper), ret])).toStrictEqual({ stores: [], returns: resultOf(fn.helper) });
  });

  it('returns nothing when the paths return different things', () => {
    expect(flow([test(rcx), je('other'), leaRip(rax, T1), call(fn.newobject), ret, 'other', call(fn.helper), ret])).toStrictEqual({ stores: [] });
  });

  it('returns nothing when a path leaves by a tail jump or an indirect jump', () => {
    expect(flow([test(rcx), je('other'), leaRip(rax, T1), call(fn.newobject), ret, 'other', jmp(fn.helper)])).toStrictEqual({ stores: [] });
    expect(flow([leaRip(rax, T1), call(fn.newobject), test(rcx), je('other'), ret, 'other', fixed([0xff, 0xe2])])).toStrictEqual({ stores: [] }); // JMP RDX
  });

  it('returns nothing without a RET', () => {
    expect(flow([leaRip(rax, T1), call(fn.newobject), fixed([0x0f, 0x0b])])).toStrictEqual({ stores: [] }); // UD2
  });
});

describe('analyzeFlow: loops', () => {
  /** RBX = a new T1, then a loop that stores RBX to G1 at its head and runs `body`, then RET with RAX. */
  const loop = (body: Line[]) => [leaRip(rax, T1), call(fn.newobject), mov(rbx, rax), movImm(rcx, 10), 'head', storeRip(G1, rbx), ...body, dec(rcx), jne('head'), ret];

  it('a loop that leaves the register alone keeps the fact at its head', () => {
    expect(flow(loop([]))).toStrictEqual({ stores: [[G1, object(T1)]], returns: object(T1) });
  });

  it('a loop whose body overwrites the register loses it at the head, and only that register', () => {
    expect(flow(loop([mov32(rbx, rcx)]))).toStrictEqual({ stores: [], returns: object(T1) });
  });

  it('a call in the loop loses every register', () => {
    expect(flow(loop([call(fn.helper)]))).toStrictEqual({ stores: [], returns: resultOf(fn.helper) });
  });

  it('a loop entered by a jump to its condition (the compiler\'s usual shape) works the same', () => {
    const rotated = (body: Line[]) => [leaRip(rax, T1), call(fn.newobject), mov(rbx, rax), zero(rcx), jmp('cond'), 'body', storeRip(G1, rbx), ...body, 'cond', dec(rdx), jne('body'), ret];
    expect(flow(rotated([]))).toStrictEqual({ stores: [[G1, object(T1)]], returns: object(T1) });
    expect(flow(rotated([mov32(rbx, rcx)]))).toStrictEqual({ stores: [], returns: object(T1) });
  });

  it('a loop that overwrites a stack slot loses it; other slots are kept', () => {
    const code = (slot: number) => [
      leaRip(rax, T1),
      call(fn.newobject),
      storeStack(16, rax),
      storeStack(32, rax),
      'head',
      loadStack(rcx, 16),
      storeRip(G1, rcx),
      movImm(rdx, 0),
      storeStack(slot, rdx),
      dec(rbx),
      jne('head'),
      zero(rax),
      ret,
    ];
    expect(flow(code(32))).toStrictEqual({ stores: [[G1, object(T1)]] });
    expect(flow(code(16))).toStrictEqual({ stores: [] });
  });
});
