/**
 * Just enough of an x86-64 decoder to walk Go-compiled code instruction by instruction: each
 * instruction's length and, when it addresses memory RIP-relative ([rip+disp32]), the address it
 * addresses. A stripped Go binary still names its functions (pclntab); the RIP-relative operands in
 * a runtime function's code are the addresses of the globals it reads and writes.
 *
 * Lengths follow the Intel SDM opcode maps (volume 2, appendix A): legacy and REX prefixes, the
 * one-byte map, 0F, 0F38 and 0F3A, VEX (C4/C5) and EVEX (62). x87 and 3DNow! are decoded for length
 * only. An opcode invalid in 64-bit mode ends the walk.
 */

export interface Instruction {
  address: number;
  length: number;
  /** The opcode with its map: 0x8b for MOV r, r/m; 0x0fb6 for MOVZX (0F B6); 0x0f38xx, 0x0f3axx. */
  opcode: number;
  /** REX.W: a 64-bit operand. */
  rexW: boolean;
  /** The address a RIP-relative memory operand refers to, undefined when there is none. */
  ripTarget?: number;
  /** ModRM.reg with REX.R (0 = RAX … 15 = R15), undefined without ModRM. */
  reg?: number;
  /** The register a register-direct ModRM operand names (mod = 3, with REX.B), undefined otherwise. */
  rmReg?: number;
  /** Where a relative CALL, JMP or Jcc goes. */
  branchTarget?: number;
  /** The register named in the opcode's low bits (PUSH, POP, XCHG, MOV r, imm), with REX.B. */
  opReg?: number;
  /** A memory operand [base + disp] without index: its base register (4 = RSP) and displacement. */
  memBase?: number;
  memDisp?: number;
}

/** Opcodes the code analyses look for: LEA r, m; CALL rel32; MOV r/m, r (a store); MOV r, r/m (a load). */
export const Opcode = { lea: 0x8d, call: 0xe8, movStore: 0x89, movLoad: 0x8b } as const;

/** Immediate size codes: 0 none, 1 imm8, 2 imm16, 4 imm32 (imm16 with 66h), 8 imm32/imm64 (MOV r, imm with REX.W). */
const enum Imm {
  none = 0,
  b = 1,
  w = 2,
  z = 4,
  v = 8,
  /** ENTER: imm16 + imm8. */
  wb = 3,
  /** moffs: 8 bytes (4 with 67h). */
  moffs = 9,
  /** F6/F7: an immediate only for TEST (ModRM.reg 0 or 1). */
  testb = 10,
  testz = 11,
}

interface OpInfo {
  modrm: boolean;
  imm: Imm;
}

const invalid: OpInfo | undefined = undefined;

/** One-byte opcode map in 64-bit mode; prefixes and escapes are handled before the lookup. */
const oneByte: Array<OpInfo | undefined> = (() => {
  const t: Array<OpInfo | undefined> = new Array(256).fill(invalid);
  const set = (ops: number[], info: OpInfo) => ops.forEach((op) => (t[op] = info));
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  for (let row = 0x00; row <= 0x38; row += 8) {
    set([row, row + 1, row + 2, row + 3], { modrm: true, imm: Imm.none }); // ALU r/m, r and r, r/m
    set([row + 4], { modrm: false, imm: Imm.b }); // ALU AL, imm8
    set([row + 5], { modrm: false, imm: Imm.z }); // ALU eAX, imm32
  }
  set(range(0x50, 0x5f), { modrm: false, imm: Imm.none }); // PUSH/POP r
  set([0x63], { modrm: true, imm: Imm.none }); // MOVSXD
  set([0x68], { modrm: false, imm: Imm.z });
  set([0x69], { modrm: true, imm: Imm.z });
  set([0x6a], { modrm: false, imm: Imm.b });
  set([0x6b], { modrm: true, imm: Imm.b });
  set(range(0x6c, 0x6f), { modrm: false, imm: Imm.none }); // INS/OUTS
  set(range(0x70, 0x7f), { modrm: false, imm: Imm.b }); // Jcc rel8
  set([0x80, 0x83], { modrm: true, imm: Imm.b });
  set([0x81], { modrm: true, imm: Imm.z });
  set(range(0x84, 0x8f), { modrm: true, imm: Imm.none }); // TEST, XCHG, MOV, LEA, MOV Sreg, POP r/m
  set(range(0x90, 0x99), { modrm: false, imm: Imm.none }); // NOP/XCHG, CBW, CWD
  set(range(0x9b, 0x9f), { modrm: false, imm: Imm.none });
  set(range(0xa0, 0xa3), { modrm: false, imm: Imm.moffs });
  set(range(0xa4, 0xa7), { modrm: false, imm: Imm.none });
  set([0xa8], { modrm: false, imm: Imm.b });
  set([0xa9], { modrm: false, imm: Imm.z });
  set(range(0xaa, 0xaf), { modrm: false, imm: Imm.none });
  set(range(0xb0, 0xb7), { modrm: false, imm: Imm.b });
  set(range(0xb8, 0xbf), { modrm: false, imm: Imm.v });
  set([0xc0, 0xc1], { modrm: true, imm: Imm.b });
  set([0xc2, 0xca], { modrm: false, imm: Imm.w });
  set([0xc3, 0xc9, 0xcb, 0xcc, 0xcf], { modrm: false, imm: Imm.none });
  set([0xc6], { modrm: true, imm: Imm.b });
  set([0xc7], { modrm: true, imm: Imm.z });
  set([0xc8], { modrm: false, imm: Imm.wb });
  set([0xcd], { modrm: false, imm: Imm.b });
  set(range(0xd0, 0xd3), { modrm: true, imm: Imm.none }); // shifts by 1 / CL
  set([0xd7], { modrm: false, imm: Imm.none });
  set(range(0xd8, 0xdf), { modrm: true, imm: Imm.none }); // x87
  set(range(0xe0, 0xe7), { modrm: false, imm: Imm.b }); // LOOP, JCXZ, IN/OUT imm8
  set([0xe8, 0xe9], { modrm: false, imm: Imm.z }); // CALL/JMP rel32
  set([0xeb], { modrm: false, imm: Imm.b });
  set(range(0xec, 0xef), { modrm: false, imm: Imm.none });
  set([0xf1, 0xf4, 0xf5], { modrm: false, imm: Imm.none });
  set([0xf6], { modrm: true, imm: Imm.testb });
  set([0xf7], { modrm: true, imm: Imm.testz });
  set(range(0xf8, 0xfd), { modrm: false, imm: Imm.none });
  set([0xfe, 0xff], { modrm: true, imm: Imm.none });
  return t;
})();

/** Two-byte map (0F xx); 0F 38 and 0F 3A are escapes handled separately. */
const twoByte: Array<OpInfo | undefined> = (() => {
  const t: Array<OpInfo | undefined> = new Array(256).fill({ modrm: true, imm: Imm.none });
  const set = (ops: number[], info: OpInfo | undefined) => ops.forEach((op) => (t[op] = info));
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  set([0x04, 0x0a, 0x0c, 0x24, 0x25, 0x26, 0x27, 0x36, 0x39, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f], invalid);
  set([0x05, 0x06, 0x07, 0x08, 0x09, 0x0b, 0x0e, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x37, 0x77], { modrm: false, imm: Imm.none });
  set([0x0f], { modrm: true, imm: Imm.b }); // 3DNow!: the opcode byte follows like an imm8
  set(range(0x70, 0x73), { modrm: true, imm: Imm.b });
  set(range(0x80, 0x8f), { modrm: false, imm: Imm.z }); // Jcc rel32
  set([0xa0, 0xa1, 0xa2, 0xa8, 0xa9, 0xaa], { modrm: false, imm: Imm.none });
  set([0xa4, 0xac, 0xba, 0xc2, 0xc4, 0xc5, 0xc6], { modrm: true, imm: Imm.b });
  set(range(0xc8, 0xcf), { modrm: false, imm: Imm.none }); // BSWAP
  return t;
})();

/** Opcodes of map 0F (VEX/EVEX map 1) that take an imm8. */
const map1Imm8 = new Set([0x70, 0x71, 0x72, 0x73, 0xc2, 0xc4, 0xc5, 0xc6]);

const legacyPrefixes = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);

/** Longest encodable x86 instruction. */
const maxLength = 15;

/**
 * Decodes the instruction at `code[at]`, which sits at `address`; undefined when the bytes are not a
 * valid 64-bit instruction or run past the end of `code`.
 */
export function decodeInstruction(code: Uint8Array, at: number, address: number): Instruction | undefined {
  const end = Math.min(code.length, at + maxLength);
  let p = at;
  let opsize16 = false;
  let addr32 = false;
  while (p < end && legacyPrefixes.has(code[p]!)) {
    if (code[p] === 0x66) opsize16 = true;
    if (code[p] === 0x67) addr32 = true;
    p++;
  }
  let rexW = false;
  let rexR = 0;
  let rexX = 0;
  let rexB = 0;
  if (p < end && (code[p]! & 0xf0) === 0x40) {
    rexW = (code[p]! & 0x08) !== 0;
    rexR = code[p]! & 0x04 ? 8 : 0;
    rexX = code[p]! & 0x02 ? 8 : 0;
    rexB = code[p]! & 0x01 ? 8 : 0;
    p++;
  }
  if (p >= end) return undefined;

  let info: OpInfo | undefined;
  let opcode = code[p++]!;
  let map = 0;
  if (opcode === 0xc4 || opcode === 0xc5 || opcode === 0x62) {
    // VEX (C4 3 bytes, C5 2 bytes) and EVEX (62, 4 bytes): prefix bytes, then opcode, then ModRM.
    const prefixBytes = opcode === 0xc5 ? 1 : opcode === 0xc4 ? 2 : 3;
    if (p + prefixBytes >= end) return undefined;
    map = opcode === 0xc5 ? 1 : code[p]! & (opcode === 0x62 ? 0x07 : 0x1f);
    if (map < 1 || map > 3) return undefined;
    p += prefixBytes;
    opcode = code[p++]!;
    const imm = map === 3 || (map === 1 && map1Imm8.has(opcode)) ? Imm.b : Imm.none;
    info = { modrm: !(map === 1 && opcode === 0x77), imm }; // VZEROUPPER/VZEROALL have no ModRM
  } else if (opcode === 0x0f) {
    if (p >= end) return undefined;
    opcode = code[p++]!;
    if (opcode === 0x38 || opcode === 0x3a) {
      if (p >= end) return undefined;
      map = opcode === 0x38 ? 2 : 3;
      opcode = code[p++]!;
      info = { modrm: true, imm: map === 3 ? Imm.b : Imm.none };
    } else {
      map = 1;
      info = twoByte[opcode];
    }
  } else {
    info = oneByte[opcode];
  }
  if (!info) return undefined;

  let ripDisp: number | undefined;
  let reg = 0;
  let modrmReg: number | undefined;
  let modrmRm: number | undefined;
  let memBase: number | undefined;
  let dispAt = 0;
  let dispSize = 0;
  if (info.modrm) {
    if (p >= end) return undefined;
    const modrm = code[p++]!;
    const mod = modrm >> 6;
    const rm = modrm & 7;
    reg = (modrm >> 3) & 7;
    modrmReg = reg | rexR;
    if (mod === 3) modrmRm = rm | rexB;
    if (mod !== 3) {
      let dispBytes = mod === 1 ? 1 : mod === 2 ? 4 : 0;
      if (rm === 4) {
        if (p >= end) return undefined;
        const sib = code[p++]!;
        const noBase = mod === 0 && (sib & 7) === 5;
        if (noBase) dispBytes = 4;
        else if ((((sib >> 3) & 7) | rexX) === 4) memBase = (sib & 7) | rexB; // no index
      } else if (mod === 0 && rm === 5) {
        dispBytes = 4;
        ripDisp = p;
      } else {
        memBase = rm | rexB;
      }
      dispAt = p;
      dispSize = dispBytes;
      p += dispBytes;
    }
  }

  p += immediateBytes(info.imm, map, opcode, reg, opsize16, addr32, rexW);
  if (p > end) return undefined;
  const length = p - at;
  const op = opcode | mapBits[map]!;
  const inst: Instruction = { address, length, opcode: op, rexW };
  if (modrmReg !== undefined) inst.reg = modrmReg;
  if (modrmRm !== undefined) inst.rmReg = modrmRm;
  if (memBase !== undefined) {
    inst.memBase = memBase;
    inst.memDisp = dispSize === 1 ? (code[dispAt]! << 24) >> 24 : dispSize === 4 ? int32At(code, dispAt) : 0;
  }
  if (map === 0 && ((opcode >= 0x50 && opcode <= 0x5f) || (opcode >= 0x90 && opcode <= 0x97) || opcode >= 0xb8) && opcode <= 0xbf) inst.opReg = (opcode & 7) | rexB;
  if (ripDisp !== undefined) inst.ripTarget = address + length + int32At(code, ripDisp);
  const branch = relativeBranch(op, map);
  if (branch) inst.branchTarget = address + length + (branch === 1 ? (code[p - 1]! << 24) >> 24 : int32At(code, p - 4));
  return inst;
}

function int32At(code: Uint8Array, at: number): number {
  return code[at]! | (code[at + 1]! << 8) | (code[at + 2]! << 16) | (code[at + 3]! << 24);
}

/** The size of a relative branch's displacement (1 or 4 bytes), 0 for other instructions. */
function relativeBranch(op: number, map: number): number {
  if (map === 0) return op === 0xe8 || op === 0xe9 ? 4 : op === 0xeb || (op >= 0x70 && op <= 0x7f) || (op >= 0xe0 && op <= 0xe3) ? 1 : 0;
  return map === 1 && op >= 0x0f80 && op <= 0x0f8f ? 4 : 0;
}

/** The opcode map as bits above the opcode byte: 0F xx, 0F 38 xx, 0F 3A xx. */
const mapBits = [0, 0x0f00, 0x0f3800, 0x0f3a00];

function immediateBytes(imm: Imm, map: number, opcode: number, reg: number, opsize16: boolean, addr32: boolean, rexW: boolean): number {
  switch (imm) {
    case Imm.none:
      return 0;
    case Imm.b:
      return 1;
    case Imm.w:
      return 2;
    case Imm.wb:
      return 3;
    case Imm.z:
      // Jcc/CALL/JMP rel32 keep 32 bits under 66h in 64-bit mode (Intel).
      if (map === 1 || opcode === 0xe8 || opcode === 0xe9) return 4;
      return opsize16 ? 2 : 4;
    case Imm.v:
      return rexW ? 8 : opsize16 ? 2 : 4;
    case Imm.moffs:
      return addr32 ? 4 : 8;
    case Imm.testb:
      return reg <= 1 ? 1 : 0;
    case Imm.testz:
      return reg <= 1 ? (opsize16 ? 2 : 4) : 0;
  }
}

/**
 * Walks `code` (the bytes of one function, starting at `address`) from the start; stops at the end
 * or at the first byte sequence that is not an instruction, and says which.
 */
export function decodeFunction(code: Uint8Array, address: number): { instructions: Instruction[]; complete: boolean } {
  const instructions: Instruction[] = [];
  for (let at = 0; at < code.length; ) {
    const inst = decodeInstruction(code, at, address + at);
    if (!inst) return { instructions, complete: false };
    instructions.push(inst);
    at += inst.length;
  }
  return { instructions, complete: true };
}
