/**
 * The x86-64 decoder against Go's own disassembler (`go tool objdump`, golang.org/x/arch): every
 * instruction of every compiled function of real Go 1.26 and 1.27 binaries starts where objdump
 * says, every RIP-relative operand objdump resolves to a data symbol is the address the decoder
 * computes, and every jump objdump resolves goes where the decoder says. Assembly functions are left out: objdump does not know VEX and EVEX and misreads them.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decodeFunction, decodeInstruction } from '../../src/x86/decoder.js';
import { fixtureBinary } from '../support/fixtures.js';
import { goEnv, openGoBinary, type Toolchain } from '../goruntime/support.js';

interface ListedFunction {
  name: string;
  addresses: number[];
  /** Instruction bytes as hex, parallel to addresses. */
  bytes: string[];
  /** Data symbol operands objdump resolved: instruction index → `symbol+offset`. */
  symbolic: Map<number, { symbol: string; offset: number }>;
  /** Jumps with the target objdump prints: instruction index → address. */
  jumps: Map<number, number>;
}

function objdump(binary: string, go: Toolchain): ListedFunction[] {
  const text = execFileSync('go', ['tool', 'objdump', binary], { env: goEnv(go), maxBuffer: 1 << 30, encoding: 'utf8' });
  const functions: ListedFunction[] = [];
  let fn: ListedFunction | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('TEXT ')) {
      fn = { name: line.split(' ')[1]!, addresses: [], bytes: [], symbolic: new Map(), jumps: new Map() };
      functions.push(fn);
      continue;
    }
    const fields = line.split('\t').filter((f) => f !== '');
    if (!fn || fields.length < 3 || !fields[1]!.startsWith('0x')) continue;
    const asm = fields[3] ?? '';
    // LEAQ runtime.allgs(SB), MOVQ runtime.allgs+8(SB), AX: a memory operand (branch targets are not data).
    const sym = /(?:^|[ ,])([\w.$:/*()\[\]-]+?)(?:\+(\d+))?\(SB\)/.exec(asm);
    if (sym && !/^(CALL|JMP|J[A-Z]+) /.test(asm)) fn.symbolic.set(fn.addresses.length, { symbol: sym[1]!, offset: Number(sym[2] ?? 0) });
    const jump = /^J[A-Z]+ (0x[0-9a-f]+)$/.exec(asm.trim());
    if (jump) fn.jumps.set(fn.addresses.length, parseInt(jump[1]!, 16));
    fn.addresses.push(parseInt(fields[1]!, 16));
    fn.bytes.push(fields[2]!);
  }
  return functions;
}

function dataSymbols(binary: string, go: Toolchain): Map<string, number> {
  const text = execFileSync('go', ['tool', 'nm', binary], { env: goEnv(go), maxBuffer: 1 << 28, encoding: 'utf8' });
  const symbols = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^\s*([0-9a-f]+) ([DBR]) (.+)$/.exec(line);
    if (m) symbols.set(m[3]!, parseInt(m[1]!, 16));
  }
  return symbols;
}

describe.each(['1.26', '1.27'] as const)('x86-64 decoder on Go %s code', (go) => {
  it('starts every instruction of every function where go tool objdump does, and resolves RIP-relative data operands alike', async () => {
    const { binary } = await fixtureBinary('planted', go);
    const functions = objdump(binary, go);
    const symbols = dataSymbols(binary, go);
    const { elf, image, go: program } = openGoBinary(binary);
    try {
      let instructions = 0;
      let resolved = 0;
      const wrongStarts: string[] = [];
      const wrongTargets: string[] = [];
      const wrongJumps: string[] = [];
      let jumps = 0;
      for (const fn of functions) {
        const start = fn.addresses[0]!;
        if (program.pclntab.funcForPC(start)?.asm !== false) continue;
        const end = fn.addresses.at(-1)! + fn.bytes.at(-1)!.length / 2;
        const decoded = decodeFunction(image.read(start, end - start), start);
        const starts = decoded.instructions.map((i) => i.address);
        const firstWrong = fn.addresses.findIndex((a, i) => starts[i] !== a);
        if (firstWrong >= 0) wrongStarts.push(`${fn.name} at 0x${fn.addresses[firstWrong]!.toString(16)} (${fn.bytes[firstWrong]})`);
        instructions += fn.addresses.length;
        for (const [i, { symbol, offset }] of fn.symbolic) {
          const base = symbols.get(symbol);
          if (base === undefined || firstWrong >= 0) continue;
          resolved++;
          if (decoded.instructions[i]!.ripTarget !== base + offset) wrongTargets.push(`${fn.name} 0x${fn.addresses[i]!.toString(16)} ${symbol}+${offset}`);
        }
        for (const [i, target] of fn.jumps) {
          if (firstWrong >= 0) continue;
          jumps++;
          if (decoded.instructions[i]!.branchTarget !== target) wrongJumps.push(`${fn.name} 0x${fn.addresses[i]!.toString(16)} → 0x${target.toString(16)}`);
        }
      }
      expect(wrongStarts).toEqual([]);
      expect(wrongTargets).toEqual([]);
      expect(wrongJumps).toEqual([]);
      expect(instructions).toBeGreaterThan(100_000);
      expect(jumps).toBeGreaterThan(10_000);
      expect(resolved).toBeGreaterThan(5_000);
    } finally {
      elf.close();
    }
  });
});

describe('x86-64 decoder on hand-assembled instructions', () => {
  const decode = (hex: string, address = 0x1000) => decodeInstruction(Buffer.from(hex.replace(/ /g, ''), 'hex'), 0, address);

  it('computes RIP-relative targets from the end of the instruction, immediates included', () => {
    // lea rax, [rip+0x10]
    expect(decode('48 8d 05 10 00 00 00')).toEqual({ address: 0x1000, length: 7, opcode: 0x8d, rexW: true, reg: 0, ripTarget: 0x1017 });
    // lock or dword [rip-0x10], 4: the imm8 comes after the displacement
    expect(decode('f0 83 0d f0 ff ff ff 04')).toEqual({ address: 0x1000, length: 8, opcode: 0x83, rexW: false, reg: 1, ripTarget: 0x1008 - 0x10 });
    // cmp dword [rip+0x20], 0 (imm8) and mov qword [rip+0x20], imm32
    expect(decode('83 3d 20 00 00 00 00')?.ripTarget).toBe(0x1007 + 0x20);
    expect(decode('48 c7 05 20 00 00 00 01 00 00 00')).toMatchObject({ length: 11, ripTarget: 0x100b + 0x20 });
    // test byte [rip+0], 1 (F6 /0 has an imm8) and not qword [rip+0] (F7 /2 has none)
    expect(decode('f6 05 00 00 00 00 01')).toMatchObject({ length: 7, ripTarget: 0x1007 });
    expect(decode('48 f7 15 00 00 00 00')).toMatchObject({ length: 7, ripTarget: 0x1007 });
    // vmovdqu ymm0, [rip+8] (VEX) and a SIB operand with no base, which is not RIP-relative
    expect(decode('c5 fe 6f 05 08 00 00 00')).toMatchObject({ length: 8, opcode: 0x0f6f, ripTarget: 0x1010 });
    expect(decode('8b 04 25 00 10 00 00')).toEqual({ address: 0x1000, length: 7, opcode: 0x8b, rexW: false, reg: 0 });
    // movzx eax, byte [rip+0] and vmovdqu: opcodes carry their map
    expect(decode('0f b6 05 00 00 00 00')).toMatchObject({ opcode: 0x0fb6, ripTarget: 0x1007 });
  });

  it('names the registers an instruction uses, with REX.R and REX.B', () => {
    expect(decode('4c 8d 1d 00 00 00 00')).toMatchObject({ opcode: 0x8d, reg: 11 }); // lea r11, [rip+0]
    expect(decode('48 89 d8')).toMatchObject({ opcode: 0x89, reg: 3, rmReg: 0 }); // mov rax, rbx
    expect(decode('49 89 c3')).toMatchObject({ opcode: 0x89, reg: 0, rmReg: 11 }); // mov r11, rax
    expect(decode('41 b8 01 00 00 00')).toMatchObject({ opcode: 0xb8, opReg: 8 }); // mov r8d, 1
    expect(decode('5b')).toMatchObject({ opcode: 0x5b, opReg: 3 }); // pop rbx
    expect(decode('48 89 05 00 00 00 00')?.rmReg).toBeUndefined(); // mov [rip+0], rax: a memory operand
  });

  it('resolves where relative calls and jumps go', () => {
    expect(decode('e8 10 00 00 00')?.branchTarget).toBe(0x1015); // call rel32
    expect(decode('eb fe')?.branchTarget).toBe(0x1000); // jmp rel8 to itself
    expect(decode('74 13')?.branchTarget).toBe(0x1015); // je rel8
    expect(decode('0f 85 00 f0 ff ff')?.branchTarget).toBe(0x1006 - 0x1000); // jne rel32, backwards
    expect(decode('ff d0')?.branchTarget).toBeUndefined(); // call rax
  });

  it('decodes VEX and EVEX, which objdump cannot check', () => {
    expect(decode('c4 e3 7d 18 c1 01')?.length).toBe(6); // vinsertf128 ymm0, ymm0, xmm1, 1 (map 0F3A: imm8)
    expect(decode('c5 f8 77')?.length).toBe(3); // vzeroupper: no ModRM
    expect(decode('62 f1 7c 48 10 05 00 01 00 00')).toMatchObject({ length: 10, ripTarget: 0x100a + 0x100 }); // vmovups zmm0, [rip+0x100]
    expect(decode('62 f3 fd 48 3e c1 00')?.length).toBe(7); // vpcmpuq k0, zmm0, zmm1, 0
  });

  it('knows immediate sizes by prefix: movabs with REX.W, imm16 with 66h', () => {
    expect(decode('48 b8 01 02 03 04 05 06 07 08')?.length).toBe(10);
    expect(decode('b8 01 02 03 04')?.length).toBe(5);
    expect(decode('66 81 c1 01 02')?.length).toBe(5);
    expect(decode('66 0f 3a 0f c1 08')?.length).toBe(6); // palignr xmm0, xmm1, 8
  });

  it('refuses opcodes invalid in 64-bit mode and instructions cut short', () => {
    expect(decode('06')).toBeUndefined(); // push es
    expect(decode('48 8d 05 10 00')).toBeUndefined();
    expect(decodeFunction(Buffer.from('90 90 d6 90'.replace(/ /g, ''), 'hex'), 0)).toMatchObject({ complete: false, instructions: [{}, {}] });
  });
});
