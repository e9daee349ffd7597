import { Kind } from '../layout/abi-layout.js';
import { runGCProgram } from './gcprog.js';
import type { AddressSpace } from '../../core/address-space.js';

/** What building a mask reads of a type descriptor (runtime-types.ts's RuntimeType is one). */
export interface MaskedType {
  readonly kind: number;
  readonly size: number;
  readonly ptrBytes: number;
  readonly gcdata: number;
  readonly gcProgram: boolean;
  readonly gcMaskOnDemand: boolean;
  readonly len: number;
  elem(): MaskedType | undefined;
  fields(): ReadonlyArray<{ typeAddr: number; offset: number }>;
}

/** The types a mask is built from: their memory, and masks of element and field types. */
export interface MaskSource {
  readonly mem: AddressSpace;
  typeAt(addr: number): MaskedType | undefined;
  maskOf(t: MaskedType): Uint8Array | undefined;
}

/** Masks above this many words (256 MiB of pointer data) come from corrupt descriptors. */
const maxMaskWords = 1 << 25;

/**
 * The pointer mask of t: one bit per word of its first ptrBytes bytes, LSB first. Plain masks are read
 * from GCData. On-demand masks (TFlagGCMaskOnDemand, 1.24+: types with more than 2048 mask bytes,
 * and from 1.27 more than 16) are built from the type structure as runtime/type.go buildGCMask does:
 * arrays repeat their element's mask, structs place each field's mask at the field offset. Go 1.22–1.23
 * GC-program types are run. Undefined when the descriptors are inconsistent.
 */
export function buildPointerMask(t: MaskedType, types: MaskSource): Uint8Array | undefined {
  const words = t.ptrBytes / 8;
  if (!Number.isInteger(words) || words > maxMaskWords) return undefined;
  const bits = new Uint8Array(Math.ceil(words / 8));
  if (words === 0) return bits;
  const mem = types.mem;
  if (t.gcProgram) {
    // GCData is a 4-byte program length followed by the program.
    if (!mem.isMapped(t.gcdata, 4)) return undefined;
    const length = mem.readU32(t.gcdata);
    if (length > maxMaskWords || !mem.isMapped(t.gcdata + 4, length)) return undefined;
    try {
      return runGCProgram(mem.read(t.gcdata + 4, length), words).bits;
    } catch {
      return undefined;
    }
  }
  if (!t.gcMaskOnDemand) {
    if (!mem.isMapped(t.gcdata, bits.length)) return undefined;
    bits.set(mem.read(t.gcdata, bits.length));
    // Mask bytes are padded; keep only the words inside ptrBytes.
    if (words % 8) bits[bits.length - 1]! &= (1 << (words % 8)) - 1;
    return bits;
  }
  if (t.kind === Kind.Array) {
    const elem = t.elem();
    const elemBits = elem && types.maskOf(elem);
    if (!elem || !elemBits || elem.size % 8 !== 0 || elem.size === 0) return undefined;
    const stride = elem.size / 8;
    for (let i = 0, base = 0; i < t.len && base < words; i++, base += stride) orBits(bits, words, elemBits, base);
    return bits;
  }
  if (t.kind === Kind.Struct) {
    for (const f of t.fields()) {
      const ft = types.typeAt(f.typeAddr);
      if (!ft) return undefined;
      if (ft.ptrBytes === 0) continue;
      const fieldBits = types.maskOf(ft);
      if (!fieldBits || f.offset % 8 !== 0) return undefined;
      orBits(bits, words, fieldBits, f.offset / 8);
    }
    return bits;
  }
  // Only arrays and structs can be large enough for on-demand masks.
  return undefined;
}

/** Sets in dst (of `words` bits) every bit set in src, shifted by `base` words. */
function orBits(dst: Uint8Array, words: number, src: Uint8Array, base: number): void {
  for (let byte = 0; byte < src.length; byte++) {
    const b = src[byte]!;
    if (b === 0) continue;
    for (let bit = 0; bit < 8; bit++) {
      if (!(b & (1 << bit))) continue;
      const w = base + byte * 8 + bit;
      if (w < words) dst[w >> 3]! |= 1 << (w & 7);
    }
  }
}
