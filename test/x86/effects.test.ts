/**
 * Instruction effects (src/x86/effects.ts) on hand-assembled x86-64 instructions: the general
 * register each writes, how many bytes it may store, which stack bytes it may overwrite and
 * whether it ends a basic block. Needs no Go toolchain and no core.
 */
import { describe, expect, it } from 'vitest';
import { decodeInstruction, type Instruction } from '../../src/x86/decoder.js';
import {
  endsBlock, instructionEffect, isIndirectCall, isIndirectJump, isReturn, Register, storeWidth, widestStore, writtenRegister,
  zeroedRegister,
} from '../../src/x86/effects.js';

const { rax, rcx, rbx, rsp, rbp, r8, r11, r12 } = Register;

// A tiny assembler: each function returns the bytes of one instruction.
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
/** REX with W, and R/B for registers 8–15 in ModRM.reg / ModRM.rm. */
const rex = (w: boolean, reg: number, rm: number) => 0x40 | (w ? 8 : 0) | (reg >= 8 ? 4 : 0) | (rm >= 8 ? 1 : 0);
const modrm = (mod: number, reg: number, rm: number) => (mod << 6) | ((reg & 7) << 3) | (rm & 7);
/** MOV [rip+disp], reg (64-bit). */
const movStoreRip = (reg: number, disp: number) => [rex(true, reg, 0), 0x89, modrm(0, reg, 5), ...le32(disp)];
/** LEA reg, [rip+disp]. */
const leaRip = (reg: number, disp: number) => [rex(true, reg, 0), 0x8d, modrm(0, reg, 5), ...le32(disp)];
/** `opcode` with a memory operand [RSP+disp8]; `prefix` holds REX and escape bytes. */
const atRsp = (prefix: number[], reg: number, disp: number, imm: number[] = []) => [...prefix, modrm(1, reg, 4), 0x24, disp & 0xff, ...imm];
/** MOV [RSP+disp8], reg (64-bit). */
const movStoreRsp = (reg: number, disp: number) => atRsp([rex(true, reg, 0), 0x89], reg, disp);
/** MOV reg, [RSP+disp8] (64-bit). */
const movLoadRsp = (reg: number, disp: number) => atRsp([rex(true, reg, 0), 0x8b], reg, disp);
/** XOR r32, r32 (the zeroing idiom when dst = src). */
const xor32 = (dst: number, src: number) => [...(dst >= 8 || src >= 8 ? [rex(false, src, dst)] : []), 0x31, modrm(3, src, dst)];
const call = (rel: number) => [0xe8, ...le32(rel)];
const jmp = (rel: number) => [0xe9, ...le32(rel)];
const jmp8 = (rel: number) => [0xeb, rel & 0xff];
/** Jcc rel32: cc 4 is E/Z, 5 NE/NZ. */
const jcc = (cc: number, rel: number) => [0x0f, 0x80 + cc, ...le32(rel)];
const jcc8 = (cc: number, rel: number) => [0x70 + cc, rel & 0xff];
const ret = () => [0xc3];

const address = 0x401000;
/** Decodes one instruction, which must use every byte given. */
function decode(bytes: number[]): Instruction {
  const inst = decodeInstruction(Uint8Array.from(bytes), 0, address);
  expect(inst?.length).toBe(bytes.length);
  return inst!;
}
const argArea = 192;
const effectOf = (bytes: number[]) => instructionEffect(decode(bytes), argArea);

describe('writtenRegister', () => {
  it('stores write no register; loads, LEA and XOR write theirs', () => {
    expect(writtenRegister(decode(movStoreRip(rax, 0x1234)))).toBeUndefined();
    expect(writtenRegister(decode(movStoreRsp(rcx, 8)))).toBeUndefined();
    expect(writtenRegister(decode(leaRip(rax, 0x1234)))).toBe(rax);
    expect(writtenRegister(decode(leaRip(r11, -16)))).toBe(r11);
    expect(writtenRegister(decode(movLoadRsp(rbx, 16)))).toBe(rbx);
    expect(writtenRegister(decode(xor32(rax, rax)))).toBe(rax);
    expect(writtenRegister(decode(xor32(rax, rcx)))).toBe(rax); // XOR EAX, ECX: r/m is the destination
    expect(writtenRegister(decode([0x48, 0x89, 0xc1]))).toBe(rcx); // MOV RCX, RAX
    expect(writtenRegister(decode([0x48, 0x8b, 0xc1]))).toBe(rax); // MOV RAX, RCX
  });

  it('knows the opcode-register and accumulator forms', () => {
    expect(writtenRegister(decode([0x5d]))).toBe(rbp); // POP RBP
    expect(writtenRegister(decode([0x41, 0x5c]))).toBe(r12); // POP R12
    expect(writtenRegister(decode([0x55]))).toBeUndefined(); // PUSH RBP
    expect(writtenRegister(decode([0xb8, ...le32(1)]))).toBe(rax); // MOV EAX, 1
    expect(writtenRegister(decode([0x49, 0xbb, ...le32(1), ...le32(0)]))).toBe(r11); // MOV R11, imm64
    expect(writtenRegister(decode([0x48, 0x05, ...le32(8)]))).toBe(rax); // ADD RAX, imm32
    expect(writtenRegister(decode([0x48, 0x3d, ...le32(8)]))).toBeUndefined(); // CMP RAX, imm32
    expect(writtenRegister(decode([0xa8, 0x01]))).toBeUndefined(); // TEST AL, 1
    expect(writtenRegister(decode([0x90]))).toBeUndefined(); // NOP
    expect(writtenRegister(decode([0x99]))).toBe('any'); // CDQ: not in the tables, so maybe anything
  });

  it('tells the group forms apart by ModRM.reg', () => {
    expect(writtenRegister(decode([0x48, 0x83, 0xec, 0x18]))).toBe(rsp); // SUB RSP, 0x18
    expect(writtenRegister(decode([0x48, 0x83, 0xf8, 0x00]))).toBeUndefined(); // CMP RAX, 0
    expect(writtenRegister(decode([0xf7, 0xd8]))).toBe(rax); // NEG EAX
    expect(writtenRegister(decode([0xf7, 0xe1]))).toBe('any'); // MUL ECX writes RDX:RAX
    expect(writtenRegister(decode([0xf7, 0xc1, ...le32(1)]))).toBeUndefined(); // TEST ECX, 1
    expect(writtenRegister(decode([0xff, 0xc9]))).toBe(rcx); // DEC ECX
    expect(writtenRegister(decode([0xff, 0xd0]))).toBe('any'); // CALL RAX
    expect(writtenRegister(decode([0xff, 0xe0]))).toBeUndefined(); // JMP RAX
    expect(writtenRegister(decode([0xff, 0x74, 0x24, 0x08]))).toBeUndefined(); // PUSH [RSP+8]
  });

  it('SETcc writes its byte register; BT writes none, but BT imm is grouped with BTS/BTR/BTC', () => {
    expect(writtenRegister(decode([0x0f, 0x94, 0xc0]))).toBe(rax); // SETE AL
    expect(writtenRegister(decode([0x41, 0x0f, 0x95, 0xc0]))).toBe(r8); // SETNE R8B
    expect(writtenRegister(decode([0x48, 0x0f, 0xa3, 0xc8]))).toBeUndefined(); // BT RAX, RCX
    expect(writtenRegister(decode([0x48, 0x0f, 0xab, 0xc8]))).toBe(rax); // BTS RAX, RCX
    expect(writtenRegister(decode([0x0f, 0xba, 0xe0, 0x03]))).toBe(rax); // BT EAX, 3 (0F BA /4): counted as written, to be safe
  });

  it('branches, calls and returns write no register themselves', () => {
    expect(writtenRegister(decode(call(0x100)))).toBeUndefined();
    expect(writtenRegister(decode(jmp(0x100)))).toBeUndefined();
    expect(writtenRegister(decode(jcc(4, 0x100)))).toBeUndefined();
    expect(writtenRegister(decode(jcc8(5, -4)))).toBeUndefined();
    expect(writtenRegister(decode(ret()))).toBeUndefined();
    expect(writtenRegister(decode([0xcc]))).toBeUndefined();
    expect(writtenRegister(decode([0x0f, 0x0b]))).toBeUndefined();
  });

  it('SSE moves write no general register', () => {
    expect(writtenRegister(decode([0x0f, 0x11, 0x44, 0x24, 0x10]))).toBeUndefined(); // MOVUPS [RSP+16], XMM0
    expect(writtenRegister(decode([0x0f, 0x10, 0x44, 0x24, 0x10]))).toBeUndefined(); // MOVUPS XMM0, [RSP+16]
    expect(writtenRegister(decode([0x45, 0x0f, 0x57, 0xff]))).toBeUndefined(); // XORPS X15, X15
  });
});

describe('zeroedRegister', () => {
  it('is the register of XOR r, r only', () => {
    expect(zeroedRegister(decode(xor32(rax, rax)))).toBe(rax);
    expect(zeroedRegister(decode(xor32(r8, r8)))).toBe(r8);
    expect(zeroedRegister(decode([0x33, 0xdb]))).toBe(rbx); // XOR EBX, EBX (33 form)
    expect(zeroedRegister(decode(xor32(rax, rcx)))).toBeUndefined();
    expect(zeroedRegister(decode([0x48, 0x29, 0xc0]))).toBeUndefined(); // SUB RAX, RAX is not recognized
  });
});

describe('storeWidth', () => {
  it('is the operand size of MOV stores, 1 for byte stores, 16 for SSE stores', () => {
    expect(storeWidth(decode(movStoreRip(rax, 0x1234)))).toBe(8);
    expect(storeWidth(decode(movStoreRsp(rax, 8)))).toBe(8);
    expect(storeWidth(decode([0x89, 0x44, 0x24, 0x08]))).toBe(4); // MOV [RSP+8], EAX
    expect(storeWidth(decode([0x48, 0xc7, 0x44, 0x24, 0x08, ...le32(0)]))).toBe(8); // MOVQ $0, 8(SP)
    expect(storeWidth(decode([0xc7, 0x44, 0x24, 0x08, ...le32(0)]))).toBe(4); // MOVL $0, 8(SP)
    expect(storeWidth(decode([0x48, 0x83, 0x44, 0x24, 0x08, 0x01]))).toBe(8); // ADDQ $1, 8(SP)
    expect(storeWidth(decode([0x88, 0x44, 0x24, 0x08]))).toBe(1); // MOV [RSP+8], AL
    expect(storeWidth(decode([0xc6, 0x44, 0x24, 0x08, 0x01]))).toBe(1); // MOVB $1, 8(SP)
    expect(storeWidth(decode([0x0f, 0x94, 0x44, 0x24, 0x08]))).toBe(1); // SETE [RSP+8]
    expect(storeWidth(decode([0x0f, 0x11, 0x44, 0x24, 0x10]))).toBe(16); // MOVUPS [RSP+16], XMM0
    expect(storeWidth(decode([0x44, 0x0f, 0x11, 0x7c, 0x24, 0x10]))).toBe(16); // MOVUPS [RSP+16], X15
    expect(storeWidth(decode([0x66, 0x0f, 0xd6, 0x44, 0x24, 0x08]))).toBe(16); // MOVQ [RSP+8], XMM0: 8 bytes, counted as 16
  });

  it('is widestStore when the width is not known', () => {
    expect(widestStore).toBe(32);
    expect(storeWidth(decode([0x48, 0x01, 0x44, 0x24, 0x08]))).toBe(widestStore); // ADD [RSP+8], RAX
    expect(storeWidth(decode([0x0f, 0xba, 0x6c, 0x24, 0x08, 0x03]))).toBe(widestStore); // BTS [RSP+8], 3
  });
});

describe('endsBlock', () => {
  it('is true for JMP, RET, indirect JMP, UD2 and INT3', () => {
    expect(endsBlock(decode(jmp(0x100)))).toBe(true);
    expect(endsBlock(decode(jmp8(-2)))).toBe(true);
    expect(endsBlock(decode(ret()))).toBe(true);
    expect(endsBlock(decode([0xff, 0xe0]))).toBe(true); // JMP RAX
    expect(endsBlock(decode([0xff, 0x64, 0x24, 0x08]))).toBe(true); // JMP [RSP+8]
    expect(endsBlock(decode([0x0f, 0x0b]))).toBe(true); // UD2
    expect(endsBlock(decode([0xcc]))).toBe(true); // INT3
  });

  it('is false for conditional jumps, calls and everything else', () => {
    expect(endsBlock(decode(jcc(4, 0x100)))).toBe(false);
    expect(endsBlock(decode(jcc8(5, -4)))).toBe(false);
    expect(endsBlock(decode(call(0x100)))).toBe(false);
    expect(endsBlock(decode([0xff, 0xd0]))).toBe(false); // CALL RAX
    expect(endsBlock(decode([0xc2, 0x08, 0x00]))).toBe(false); // RET 8 is not counted
    expect(endsBlock(decode(movStoreRip(rax, 0)))).toBe(false);
  });

  it('isReturn, isIndirectJump and isIndirectCall name the forms they say', () => {
    expect([isReturn(decode(ret())), isReturn(decode([0xc2, 0x08, 0x00])), isReturn(decode(jmp(0)))]).toEqual([true, false, false]);
    expect([isIndirectJump(decode([0xff, 0xe0])), isIndirectJump(decode([0xff, 0xd0])), isIndirectJump(decode(jmp(0)))]).toEqual([true, false, false]);
    expect([isIndirectCall(decode([0xff, 0xd0])), isIndirectCall(decode([0xff, 0x50, 0x08])), isIndirectCall(decode(call(0)))]).toEqual([true, true, false]);
  });
});

describe('instructionEffect', () => {
  it('gives the written register and the [RSP+disp] bytes a store may write', () => {
    expect(effectOf(movStoreRsp(rax, 8))).toStrictEqual({ stack: [8, 16] });
    expect(effectOf([0x88, 0x44, 0x24, 0x08])).toStrictEqual({ stack: [8, 9] });
    expect(effectOf([0x0f, 0x11, 0x44, 0x24, 0x10])).toStrictEqual({ stack: [16, 32] });
    expect(effectOf([0x0f, 0x94, 0x44, 0x24, 0x08])).toStrictEqual({ stack: [8, 9] });
    expect(effectOf([0x48, 0x01, 0x44, 0x24, 0xf8])).toStrictEqual({ stack: [-8, 24] }); // ADD [RSP-8], RAX: width unknown
    expect(effectOf([0xff, 0x44, 0x24, 0x08])).toStrictEqual({ stack: [8, 40] }); // INC [RSP+8]: width unknown
  });

  it('loads, LEA and compares of a stack slot write no stack byte', () => {
    expect(effectOf(movLoadRsp(rax, 8))).toStrictEqual({ reg: rax });
    expect(effectOf([0x48, 0x8d, 0x44, 0x24, 0x08])).toStrictEqual({ reg: rax }); // LEA RAX, [RSP+8]
    expect(effectOf([0x48, 0x39, 0x44, 0x24, 0x08])).toStrictEqual({}); // CMP [RSP+8], RAX
    expect(effectOf([0x0f, 0x10, 0x44, 0x24, 0x10])).toStrictEqual({}); // MOVUPS XMM0, [RSP+16]
  });

  it('stores elsewhere than [RSP+disp] write no stack byte', () => {
    expect(effectOf(movStoreRip(rax, 0x1234))).toStrictEqual({});
    expect(effectOf([0x49, 0x89, 0x03])).toStrictEqual({}); // MOV [R11], RAX
    expect(effectOf([0x48, 0x89, 0x45, 0xf8])).toStrictEqual({}); // MOV [RBP-8], RAX
  });

  it('an indirect call writes any register and the argument area it is given', () => {
    expect(effectOf([0xff, 0xd2])).toStrictEqual({ reg: 'any', stack: [-Infinity, argArea] }); // CALL RDX
    expect(instructionEffect(decode([0xff, 0x12]), 24)).toStrictEqual({ reg: 'any', stack: [-Infinity, 24] }); // CALL [RDX]
  });

  it('a relative CALL, jumps and RET write nothing themselves', () => {
    expect(effectOf(call(0x100))).toStrictEqual({});
    expect(effectOf(jcc(5, -0x20))).toStrictEqual({});
    expect(effectOf(jmp(0x100))).toStrictEqual({});
    expect(effectOf(ret())).toStrictEqual({});
  });

  it('RIP-relative and branch operands decode to the addresses the helpers aimed at', () => {
    expect(decode(movStoreRip(rax, 0x1000)).ripTarget).toBe(address + 7 + 0x1000);
    expect(decode(leaRip(rax, -0x10)).ripTarget).toBe(address + 7 - 0x10);
    expect(decode(call(0x20)).branchTarget).toBe(address + 5 + 0x20);
    expect(decode(jcc(4, -6)).branchTarget).toBe(address);
  });
});
