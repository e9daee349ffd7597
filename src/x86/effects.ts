/**
 * What one decoded x86-64 instruction may do to the machine state, as far as an analysis that
 * follows values through registers and stack slots needs to know: the general register it may
 * write, the bytes it may store, whether the next instruction is reached by falling through.
 *
 * Every answer errs on the safe side for such an analysis: a register or a stack range reported
 * written when it is not only loses what was known about it; one reported untouched when it is
 * written would keep a wrong fact. Nothing here knows a calling convention: what a CALL's callee
 * does is for the caller of these functions to say.
 */
import { type Instruction, Opcode } from './decoder.js';

/** General register numbers as the decoder reports them in `reg`, `rmReg`, `opReg` and `memBase`. */
export const Register = {
  rax: 0, rcx: 1, rdx: 2, rbx: 3, rsp: 4, rbp: 5, rsi: 6, rdi: 7,
  r8: 8, r9: 9, r10: 10, r11: 11, r12: 12, r13: 13, r14: 14, r15: 15,
} as const;

const { rax, rsp } = Register;

/** Bytes an instruction of unknown width may write to memory: more than any store Go code makes (16). */
export const widestStore = 32;
/** Byte stores (MOV, MOV imm, ALU imm, INC/DEC, SETcc on r/m8). */
const byteStores = new Set([0x88, 0xc6, 0x80, 0xfe, ...Array.from({ length: 16 }, (_, i) => 0x0f90 + i)]);
/** 16-byte SSE stores (MOVUPS, MOVAPS, MOVDQU/MOVDQA) and MOVQ xmm (8). */
const sseStores = new Set([0x0f11, 0x0f29, 0x0f7f, 0x0fd6]);

/** Opcodes with a memory operand that they only read (loads, compares, tests, SSE loads). */
const readsMemoryOnly = new Set([
  0x8b, 0x8d, 0x03, 0x0b, 0x13, 0x1b, 0x23, 0x2b, 0x33, 0x3b, 0x39, 0x38, 0x3a, 0x84, 0x85, 0x63, 0x0fb6, 0x0fb7, 0x0fbe,
  0x0fbf, 0x0f10, 0x0f28, 0x0f6f, 0x0f2c, 0x0f2d, 0x0faf, ...Array.from({ length: 16 }, (_, i) => 0x0f40 + i),
]);

/** ModRM forms that write their reg operand from r/m: MOV, LEA, ALU, MOVSXD, IMUL, MOVZX/MOVSX, CMOVcc, BSF/BSR, CVTT*2SI. */
const writesReg = new Set([
  0x8b, 0x8d, 0x03, 0x0b, 0x13, 0x1b, 0x23, 0x2b, 0x33, 0x63, 0x69, 0x6b, 0x0faf, 0x0fb6, 0x0fb7, 0x0fbe, 0x0fbf,
  0x0fb8, 0x0fbc, 0x0fbd, 0x0f2c, 0x0f2d, ...Array.from({ length: 16 }, (_, i) => 0x0f40 + i),
]);
/**
 * ModRM forms that write their r/m operand: MOV and ALU r/m ← reg, group ops (shifts, INC/DEC, MOV
 * imm), MOVD r/m ← xmm, SETcc, BTS/BTR/BTC.
 */
const writesRm = new Set([
  0x89, 0x88, 0x01, 0x00, 0x09, 0x08, 0x11, 0x10, 0x19, 0x18, 0x21, 0x20, 0x29, 0x28, 0x31, 0x30, 0x80, 0x81, 0x83, 0xc0,
  0xc1, 0xd0, 0xd1, 0xd3, 0xc6, 0xc7, 0xfe, 0xff, 0x0f7e, 0x0fba, 0x0fab, 0x0fb3, 0x0fbb, ...Array.from({ length: 16 }, (_, i) => 0x0f90 + i),
]);
/** ModRM forms that write neither general register: compares, tests, BT, and SSE moves and logic between xmm registers and memory. */
const writesNoGpr = new Set([0x38, 0x39, 0x3a, 0x3b, 0x84, 0x85, 0x0fa3, 0x0f10, 0x0f11, 0x0f28, 0x0f29, 0x0f57, 0x0f6f, 0x0f7f, 0x0fd6, 0x0fef, 0x0f1f, 0x0f18, 0x0f0d]);
/** ALU eAX, imm (ADD, OR, ADC, SBB, AND, SUB, XOR): write RAX; CMP and TEST do not. */
const aluRaxImm = new Set([0x05, 0x0d, 0x15, 0x1d, 0x25, 0x2d, 0x35]);

/**
 * The general register an instruction may write (0–15), 'any' when it cannot be told, undefined
 * when it writes none. Errs towards 'any': a register thought written only loses what we knew.
 * A relative CALL counts as writing none: what its callee writes is the caller's to say.
 */
export function writtenRegister(inst: Instruction): number | 'any' | undefined {
  const op = inst.opcode;
  if (inst.reg === undefined) {
    if (inst.branchTarget !== undefined || op === 0x90 || op === 0xc3 || op === 0xcc || op === 0x0f0b || (op >= 0x50 && op <= 0x57)) return undefined;
    if (op >= 0x58 && op <= 0x5f) return inst.opReg; // POP
    if (op >= 0xb8 && op <= 0xbf) return inst.opReg; // MOV r, imm
    if (aluRaxImm.has(op)) return rax;
    return op === 0x3d || op === 0xa9 || op === 0x3c || op === 0xa8 ? undefined : 'any';
  }
  if (writesNoGpr.has(op)) return undefined;
  if (op === 0xf6 || op === 0xf7) return inst.reg <= 1 ? undefined : inst.reg <= 3 ? (inst.rmReg ?? undefined) : 'any';
  if (writesReg.has(op)) return inst.reg;
  if (writesRm.has(op)) {
    if ((op === 0x80 || op === 0x81 || op === 0x83) && inst.reg === 7) return undefined; // CMP r/m, imm
    if (op === 0xff && inst.reg >= 2) return inst.reg <= 3 ? 'any' : undefined; // CALL r/m clobbers; JMP, PUSH r/m write nothing
    return inst.rmReg;
  }
  return 'any';
}

/** How many bytes a memory-writing instruction writes, at most (`widestStore` when its width is not known). */
export function storeWidth(inst: Instruction): number {
  if (byteStores.has(inst.opcode)) return 1;
  if (sseStores.has(inst.opcode)) return 16;
  if (inst.opcode === Opcode.movStore || inst.opcode === 0xc7 || inst.opcode === 0x81 || inst.opcode === 0x83) return inst.rexW ? 8 : 4;
  return widestStore;
}

/** JMP, RET, indirect JMP, UD2, INT3: the next instruction is not reached by falling through. */
export function endsBlock(inst: Instruction): boolean {
  return inst.opcode === 0xe9 || inst.opcode === 0xeb || inst.opcode === 0xc3 || inst.opcode === 0x0f0b || inst.opcode === 0xcc || isIndirectJump(inst);
}

/** RET (C3): where a function hands its results back. RET imm16 (C2) is not counted. */
export function isReturn(inst: Instruction): boolean {
  return inst.opcode === 0xc3;
}

/** JMP r/m (FF /4, /5): goes where no decoder can tell. */
export function isIndirectJump(inst: Instruction): boolean {
  return inst.opcode === 0xff && (inst.reg === 4 || inst.reg === 5);
}

/** CALL r/m (FF /2, /3): calls a callee no decoder can tell. */
export function isIndirectCall(inst: Instruction): boolean {
  return inst.opcode === 0xff && (inst.reg === 2 || inst.reg === 3);
}

/** The register XOR r, r sets to zero (the zeroing idiom), undefined for any other instruction. */
export function zeroedRegister(inst: Instruction): number | undefined {
  return (inst.opcode === 0x31 || inst.opcode === 0x33) && inst.rmReg !== undefined && inst.rmReg === inst.reg ? inst.reg : undefined;
}

/** What an instruction may overwrite: a general register ('any': maybe all), and a range of the stack. */
export interface InstructionEffect {
  /** See `writtenRegister`. */
  reg?: number | 'any';
  /** [lo, hi): the bytes at RSP+lo … RSP+hi-1 it may write (lo is -Infinity for "all below hi"). */
  stack?: readonly [number, number];
}

/**
 * What an instruction may overwrite, for an analysis that keeps registers and [RSP+disp] slots.
 * Only stores addressed [RSP+disp] (no index) count as stack writes. An indirect call may write
 * everything below `indirectCallArgBytes`: the calling convention's argument area, which the caller
 * of this function knows. A relative CALL counts as writing nothing (see `writtenRegister`).
 */
export function instructionEffect(inst: Instruction, indirectCallArgBytes: number): InstructionEffect {
  const effect: InstructionEffect = {};
  const reg = writtenRegister(inst);
  if (reg !== undefined) effect.reg = reg;
  if (inst.memBase === rsp && inst.memDisp !== undefined && !readsMemoryOnly.has(inst.opcode)) effect.stack = [inst.memDisp, inst.memDisp + storeWidth(inst)];
  else if (isIndirectCall(inst)) effect.stack = [-Infinity, indirectCallArgBytes];
  return effect;
}
