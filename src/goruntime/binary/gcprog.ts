import { UserError } from '../../errors.js';
import type { AddressSpace } from '../../core/address-space.js';
import { readUvarint, type Varint } from '../../util/bytes.js';
import type { Moduledata } from './moduledata.js';

/**
 * Runs a GC program (runtime/mbitmap.go runGCProg): the compact pointer-bitmap encoding the linker
 * uses for the data and bss sections in every release, and Go 1.22–1.23 used for types whose mask
 * would exceed 2048 bytes (KindGCProg). Instructions:
 *   00000000           stop
 *   0nnnnnnn b…        emit n literal bits from the next ceil(n/8) bytes
 *   1nnnnnnn c         repeat the previous n bits c times (c a uvarint)
 *   10000000 n c       the same with n as a uvarint
 * Returns one bit per word, LSB first, and the number of bits written. Output stops at `maxBits`,
 * so a corrupt program cannot make us allocate without bound.
 */
export function runGCProgram(prog: Uint8Array, maxBits: number): { bits: Uint8Array; n: number } {
  const bits = new Uint8Array(Math.ceil(maxBits / 8));
  let n = 0;
  let p = 0;
  const byte = (): number => {
    if (p >= prog.length) throw new Error('GC program runs past its data');
    return prog[p++]!;
  };
  const varint: Varint = { value: 0, next: 0 };
  const uvarint = (): number => {
    const problem = readUvarint(prog, p, varint);
    if (problem) throw new Error(`a GC program varint ${problem}`);
    p = varint.next;
    return varint.value;
  };
  const put = (bit: number): void => {
    if (n >= maxBits) throw new Error(`GC program writes more than ${maxBits} bits`);
    if (bit) bits[n >> 3]! |= 1 << (n & 7);
    n++;
  };
  for (;;) {
    const inst = byte();
    let count = inst & 0x7f;
    if (!(inst & 0x80)) {
      if (count === 0) return { bits, n };
      for (let i = 0; i < count; i += 8) {
        const b = byte();
        for (let j = 0; j < 8 && i + j < count; j++) put((b >> j) & 1);
      }
      continue;
    }
    if (count === 0) count = uvarint();
    const repeats = uvarint();
    if (count > n) throw new Error('GC program repeats more bits than it has written');
    if (count * repeats > maxBits - n) throw new Error(`GC program writes more than ${maxBits} bits`);
    const start = n - count;
    for (let r = 0; r < repeats; r++) {
      for (let i = 0; i < count; i++) put((bits[(start + i) >> 3]! >> ((start + i) & 7)) & 1);
    }
  }
}

/**
 * The pointer mask of a module's data or bss section: one bit per word of [data, edata) or
 * [bss, ebss). A running program (a core) holds it expanded in moduledata.gcdatamask/gcbssmask;
 * otherwise the linker's GC program at moduledata.gcdata/gcbss is run.
 */
export function globalsPointerMask(mem: AddressSpace, md: Moduledata, section: 'data' | 'bss'): Uint8Array {
  const [start, end, expanded, prog] =
    section === 'data' ? [md.data, md.edata, md.gcdatamask, md.gcdata] : [md.bss, md.ebss, md.gcbssmask, md.gcbss];
  const words = Math.floor((end - start) / 8);
  const bytes = Math.ceil(words / 8);
  if (expanded.n >= words && expanded.bytedata !== 0 && mem.isMapped(expanded.bytedata, bytes)) {
    return new Uint8Array(mem.read(expanded.bytedata, bytes));
  }
  // A program never needs more than two bytes per bit (a one-bit literal); read no further than that.
  let length = 2 * words + 16;
  while (length > 0 && !mem.isMapped(prog, length)) length >>= 1;
  try {
    return runGCProgram(mem.read(prog, length), words).bits.subarray(0, bytes);
  } catch (err) {
    throw new UserError('badInputData', `the pointer mask of the ${section} section cannot be decoded (${(err as Error).message}); the binary is damaged.`);
  }
}
